"""Endpoints, rate limits and error codes of Fakex's perpetual market (hand-written test fixture).

The perpetual market shares Fakex's hosts, signing and order endpoints (``fakex_constants``) and adds:

* ``GET /perp/premiumIndex?symbol=`` -> ``{"symbol", "markPrice", "indexPrice", "lastFundingRate",
  "nextFundingTime" (ms)}``
* ``GET /perp/income?symbol=&incomeType=FUNDING_FEE`` (signed) -> ``[{"symbol", "income", "rate", "time" (ms)}]``
* ``GET /perp/positions`` (signed) -> ``[{"symbol", "side": LONG|SHORT|BOTH, "amount" (signed), "entryPrice",
  "unrealizedPnl", "leverage"}]``
* ``POST /perp/leverage`` (signed) ``{"symbol", "leverage"}`` -> ``{"symbol", "leverage"}`` (the leverage set)
* ``GET /perp/positionMode`` (signed) -> ``{"hedgeMode": bool}``; ``POST`` ``{"hedgeMode"}`` ->
  ``{"code": 200, "msg": "success"}``, or HTTP 400 ``{"code", "msg"}`` when refused
* ``POST /order`` also takes ``positionSide`` (LONG/SHORT, hedge mode) and ``reduceOnly`` (one-way close)
* public websocket: ``{"channel": "funding", "data": {"s", "p" (mark), "i" (index), "r", "T" (ms)}}``
* user stream: ``{"e": "position", "data": [{"s", "ps", "pa", "ep", "up", "l"}]}`` and
  ``{"e": "margin_call", "data": [{"s", "ps", "pa", "up", "mm"}]}``
"""

from __future__ import annotations

from hbrt.api_throttler.data_types import LinkedLimitWeightPair, RateLimit

from fakex import fakex_constants as SPOT

EXCHANGE_NAME = "fakex_perpetual"

FUNDING_INFO_PATH_URL = "/perp/premiumIndex"
FUNDING_PAYMENTS_PATH_URL = "/perp/income"
POSITIONS_PATH_URL = "/perp/positions"
LEVERAGE_PATH_URL = "/perp/leverage"
POSITION_MODE_PATH_URL = "/perp/positionMode"

FUNDING_CHANNEL = "funding"
POSITION_EVENT_TYPE = "position"
MARGIN_CALL_EVENT_TYPE = "margin_call"

FUNDING_FEE_POLL_INTERVAL = 120

RATE_LIMITS = [
    *SPOT.RATE_LIMITS,
    *(
        RateLimit(
            limit_id=path, limit=1200, time_interval=60, linked_limits=[LinkedLimitWeightPair(SPOT.REQUEST_WEIGHT, 1)]
        )
        for path in (
            FUNDING_INFO_PATH_URL,
            FUNDING_PAYMENTS_PATH_URL,
            POSITIONS_PATH_URL,
            LEVERAGE_PATH_URL,
            POSITION_MODE_PATH_URL,
        )
    ),
]

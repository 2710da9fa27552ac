"""Endpoints, rate limits, order states and error codes of the made-up Fakex exchange."""

from __future__ import annotations

from hbrt.api_throttler.data_types import LinkedLimitWeightPair, RateLimit
from hbrt.data_type.in_flight_order import OrderState

EXCHANGE_NAME = "fakex"
DEFAULT_DOMAIN = "com"
HBOT_ORDER_ID_PREFIX = "FX-"
MAX_ORDER_ID_LEN = 32

REST_URLS = {"com": "https://api.fakex.test/api/v1", "testnet": "https://testnet.fakex.test/api/v1"}
WSS_URLS = {"com": "wss://stream.fakex.test/ws", "testnet": "wss://testnet-stream.fakex.test/ws"}
WSS_PRIVATE_URLS = {"com": "wss://stream.fakex.test/private", "testnet": "wss://testnet-stream.fakex.test/private"}

PING_PATH_URL = "/ping"
SERVER_TIME_PATH_URL = "/time"
EXCHANGE_INFO_PATH_URL = "/exchangeInfo"
TICKER_PRICE_PATH_URL = "/ticker/price"
ORDER_BOOK_PATH_URL = "/depth"
ORDER_PATH_URL = "/order"
MY_TRADES_PATH_URL = "/myTrades"
ACCOUNTS_PATH_URL = "/account"

SIDE_BUY = "BUY"
SIDE_SELL = "SELL"

ORDER_STATE = {
    "NEW": OrderState.OPEN,
    "PARTIALLY_FILLED": OrderState.PARTIALLY_FILLED,
    "FILLED": OrderState.FILLED,
    "CANCELED": OrderState.CANCELED,
    "PENDING_CANCEL": OrderState.PENDING_CANCEL,
    "REJECTED": OrderState.FAILED,
    "EXPIRED": OrderState.FAILED,
}

# Error answers are JSON objects {"code": <int>, "msg": <str>} with an HTTP 4xx status.
TIMESTAMP_ERROR_CODE = 1021
TIMESTAMP_ERROR_MESSAGE = "Timestamp outside of the receive window"
ORDER_NOT_EXIST_ERROR_CODE = 2013
ORDER_NOT_EXIST_MESSAGE = "Order does not exist"
UNKNOWN_ORDER_ERROR_CODE = 2011
UNKNOWN_ORDER_MESSAGE = "Unknown order sent"

# User stream event types.
ORDER_EVENT_TYPE = "order"
TRADE_EVENT_TYPE = "trade"
BALANCE_EVENT_TYPE = "balance"

# Public stream channels.
TRADE_CHANNEL = "trades"
DIFF_CHANNEL = "depth"

REQUEST_WEIGHT = "REQUEST_WEIGHT"
RATE_LIMITS = [
    RateLimit(limit_id=REQUEST_WEIGHT, limit=1200, time_interval=60),
    *(
        RateLimit(limit_id=path, limit=1200, time_interval=60, linked_limits=[LinkedLimitWeightPair(REQUEST_WEIGHT, 1)])
        for path in (
            PING_PATH_URL,
            SERVER_TIME_PATH_URL,
            EXCHANGE_INFO_PATH_URL,
            TICKER_PRICE_PATH_URL,
            ORDER_BOOK_PATH_URL,
            ORDER_PATH_URL,
            MY_TRADES_PATH_URL,
            ACCOUNTS_PATH_URL,
        )
    ),
]
WS_PING_TIMEOUT = 20.0

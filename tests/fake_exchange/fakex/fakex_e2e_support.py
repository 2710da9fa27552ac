"""What the Fakex end-to-end tests share: the pair, the public REST answers a connector needs to become ready, and
a polling wait. (Test support, not part of the connector.)"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any

from fakex import fakex_constants as CONSTANTS
from fakex import fakex_web_utils as web_utils

PAIR = "COINALPHA-HBOT"
SYMBOL = "COINALPHAHBOT"

EXCHANGE_INFO: dict[str, Any] = {
    "symbols": [
        {
            "symbol": SYMBOL,
            "base": "COINALPHA",
            "quote": "HBOT",
            "status": "TRADING",
            "tickSize": "0.01",
            "stepSize": "0.001",
            "minQty": "0.01",
            "minNotional": "10",
        }
    ]
}


def public_url(path: str) -> re.Pattern[str]:
    """The public REST URL of ``path``, with or without a query string."""
    return re.compile("^" + re.escape(web_utils.public_rest_url(path)) + r"(\?.*)?$")


def mock_ready_answers(mock_api: Any, **extra: Any) -> None:
    """Answer, repeatedly, every GET a connector makes before it is ready (``extra``: path -> payload)."""
    answers: dict[str, Any] = {
        CONSTANTS.EXCHANGE_INFO_PATH_URL: EXCHANGE_INFO,
        CONSTANTS.SERVER_TIME_PATH_URL: {"serverTime": 1640780000000},
        CONSTANTS.ORDER_BOOK_PATH_URL: {"lastUpdateId": 100, "bids": [["9", "1"]], "asks": [["11", "2"]]},
        CONSTANTS.ACCOUNTS_PATH_URL: {"balances": [{"asset": "HBOT", "free": "500", "locked": "100"}]},
        **extra,
    }
    for path, payload in answers.items():
        mock_api.get(public_url(path), body=json.dumps(payload), repeat=True)


async def wait_for(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)

"""Errors inside successful replies, a success envelope, path placeholders, domain headers, a hooked mapping and a
passphrase in the websocket login, proved through a complete generated package.

The spec is derived from specs/binance.yaml with OKX's reply conventions: every REST reply is
``{"code": "0", "msg": "", "data": <result>}`` (``rest.envelope: data``); errors come with HTTP 200, a top-level
``code`` other than ``"0"`` and, for order operations, a per-item ``sCode`` (``errors.in_body``); the order status and
cancel endpoints carry the client order id in their path (``/v3/order/${client_order_id}``); the test network sends
a ``x-simulated-trading: 1`` header; balances are parsed by a hook; the private socket logs in with a signed message
that carries the passphrase (``${passphrase}``), and public subscriptions go one stream per request with the
stream's own ``${symbol}``.

The generated suite runs green with the hook written (here, by hand, as an author would), together with a focused
test that pins the facts literally: a per-item error and a top-level error raise ``ReplyError`` with the exchange's
code, the order-not-found rules match them, the placeholders are filled in the URL the connector calls, and each
subscription names its own pair.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.generator.test_generate_login_styles import (
    BINANCE,
    generate_package,
    passed_tests,
    run_with_focused_test,
)

HOOKS = '''"""Hooks of the derived spec, written by hand as the connector's author would."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from binance.binance_parsers import BalancesRecord


def parse_balances(message: Any) -> list[BalancesRecord]:
    """Balances of an account reply (already out of its envelope): available = free, total = free + locked."""
    return [
        BalancesRecord(
            asset=item["asset"], available=Decimal(item["free"]), total=Decimal(item["free"]) + Decimal(item["locked"])
        )
        for item in message["balances"]
    ]
'''


def derived_spec() -> str:
    data: dict[str, Any] = yaml.safe_load(BINANCE)
    for endpoint in data["endpoints"].values():
        if "example_response" in endpoint:
            endpoint["example_response"] = {"code": "0", "msg": "", "data": endpoint["example_response"]}
    data["rest"]["envelope"] = "data"
    item_error = [{"field": "sCode", "present": True}, {"field": "sCode", "not_equals": "0"}]
    data["errors"] = {
        "code_field": "code",
        "message_field": "msg",
        "in_body": [
            {"each": "data", "error_when": item_error, "code_field": "sCode", "message_field": "sMsg"},
            {"error_when": [{"field": "code", "not_equals": "0"}]},
        ],
        "order_not_found_on_status": [{"code": "51603"}],
        "order_not_found_on_cancel": [{"code": "51400"}],
        "time_sync": [{"code": "50102"}],
        "rate_limited": [{"code": "50011"}, {"http_status": 429}],
        "unknown_execution": [{"http_status": 503}],
    }
    for name in ("order_status", "cancel_order"):
        endpoint = data["endpoints"][name]
        endpoint["path"] = "/v3/order/${client_order_id}"
        del endpoint["params"]["origClientOrderId"]
    data["domains"]["testnet"]["headers"] = {"x-simulated-trading": "1"}
    data["mappings"]["balances"] = {"kind": "balance", "hook": "parse_balances"}
    data["hooks"] = {
        "parse_balances": {"at": "mapping.parse", "description": "Balances: available = free, total = free + locked."}
    }
    data["credentials"].append({"key": "binance_passphrase", "role": "passphrase"})
    data["auth"]["recipes"]["login"] = {
        "algorithm": "hmac_sha256",
        "output": "base64",
        "parts": ["timestamp", {"literal": "GET"}, {"literal": "/users/self/verify"}],
        "timestamp": {"unit": "s"},
        "passphrase": "plain",
    }
    private = data["ws"]["private"]
    private["login"] = {
        "style": "signed_login",
        "recipe": "login",
        "message": {
            "op": "login",
            "args": [
                {
                    "apiKey": "${api_key}",
                    "passphrase": "${passphrase}",
                    "timestamp": "${timestamp}",
                    "sign": "${signature}",
                }
            ],
        },
        "success": [{"field": "event", "equals": "login"}],
    }
    private["subscribe"] = {"message": {"op": "subscribe", "args": [{"channel": "orders", "instType": "SPOT"}]}}
    public = data["ws"]["public"]
    public["subscribe"] = {
        "message": {"method": "SUBSCRIBE", "params": ["${stream}"], "symbol": "${symbol}", "id": "${id}"},
        "batch": "per_stream",
        "first_id": 1,
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


FOCUSED = r"""
import re
import unittest
from decimal import Decimal

from aioresponses import aioresponses
from hbrt.data_type.common import OrderType, TradeType
from hbrt.testing.network_mocking_assistant import NetworkMockingAssistant
from hbrt.time_synchronizer import TimeSynchronizer
from hbrt.web_assistant.errors import ReplyError

from binance import binance_constants as CONSTANTS
from binance import binance_web_utils as web_utils
from binance.binance_api_order_book_data_source import BinanceAPIOrderBookDataSource
from binance.binance_auth import BinanceAuth
from binance.binance_exchange import BinanceExchange

URL = "https://api.binance.com/api/v3/order/OID1"


class Pairs:
    symbols = {"COINALPHA-HBOT": "COINALPHAHBOT", "ZRX-ETH": "ZRXETH"}

    async def exchange_symbol_associated_to_pair(self, trading_pair: str) -> str:
        return self.symbols[trading_pair]


class Focused(unittest.IsolatedAsyncioTestCase):
    async def test_errors_inside_http_200_replies(self) -> None:
        self.assertEqual(("51008", "Insufficient balance"), CONSTANTS.reply_error(
            {"code": "1", "msg": "", "data": [{"sCode": "51008", "sMsg": "Insufficient balance"}]}
        ))
        self.assertEqual(("51603", "Order does not exist"), CONSTANTS.reply_error(
            {"code": "51603", "msg": "Order does not exist", "data": []}
        ))
        self.assertIsNone(CONSTANTS.reply_error({"code": "0", "msg": "", "data": [{"sCode": "0", "sMsg": ""}]}))
        self.assertIsNone(CONSTANTS.reply_error({"code": "0", "data": [{"instId": "BTC-USDT"}]}), "no sCode: no error")

    async def test_the_connector_raises_and_classifies_them(self) -> None:
        exchange = BinanceExchange("key", "c2VjcmV0", "pass", trading_pairs=["COINALPHA-HBOT"])
        exchange._set_trading_pair_symbol_map({"COINALPHAHBOT": "COINALPHA-HBOT"})
        exchange._time_synchronizer.add_time_offset_ms_sample(0)
        exchange.start_tracking_order(
            order_id="OID1", exchange_order_id="E1", trading_pair="COINALPHA-HBOT", trade_type=TradeType.BUY,
            price=Decimal("1"), amount=Decimal("1"), order_type=OrderType.LIMIT,
        )
        tracked = exchange.in_flight_orders["OID1"]
        try:
            with aioresponses() as mocked:
                error = {"code": "51603", "msg": "Order does not exist", "data": []}
                mocked.get(re.compile("^" + re.escape(URL) + r"\?"), payload=error)
                with self.assertRaises(ReplyError) as raised:
                    await exchange._request_order_status(tracked)
                failed = {"code": "1", "msg": "", "data": [{"sCode": "51400", "sMsg": "Cancellation failed"}]}
                mocked.delete(re.compile("^" + re.escape(URL) + r"\?"), payload=failed)
                with self.assertRaises(ReplyError) as cancel:
                    await exchange._place_cancel("OID1", tracked)
        finally:
            await exchange._web_assistants_factory.close()
        self.assertEqual(200, raised.exception.status)
        self.assertEqual("51603", raised.exception.code)
        self.assertTrue(exchange._is_order_not_found_during_status_update_error(raised.exception))
        self.assertEqual("51400", cancel.exception.code)
        self.assertTrue(exchange._is_order_not_found_during_cancelation_error(cancel.exception))
        self.assertFalse(exchange._is_order_not_found_during_status_update_error(cancel.exception))

    async def test_the_testnet_sends_its_header(self) -> None:
        self.assertEqual({"x-simulated-trading": "1"}, CONSTANTS.REST_HEADERS["testnet"])
        self.assertEqual({}, CONSTANTS.REST_HEADERS["com"])

    async def test_each_stream_request_names_its_own_pair(self) -> None:
        factory = web_utils.build_api_factory(time_synchronizer=TimeSynchronizer())
        pairs = ["COINALPHA-HBOT", "ZRX-ETH"]
        source = BinanceAPIOrderBookDataSource(pairs, Pairs(), factory)  # type: ignore[arg-type]
        await source._resolve_symbols(["COINALPHA-HBOT", "ZRX-ETH"])
        sent = [request.payload for request in source._subscription_requests(["COINALPHA-HBOT", "ZRX-ETH"])]
        await factory.close()
        by_stream = {message["params"][0]: message["symbol"] for message in sent}
        self.assertEqual("COINALPHAHBOT", by_stream["coinalphahbot@trade"])
        self.assertEqual("ZRXETH", by_stream["zrxeth@trade"])
        self.assertEqual([1, 2, 3, 4], [message["id"] for message in sent])

    async def test_the_login_message_carries_the_passphrase(self) -> None:
        clock = TimeSynchronizer()
        clock.add_time_offset_ms_sample(0)
        auth = BinanceAuth(api_key="k", secret_key="s", time_provider=clock, passphrase="my-passphrase")
        values = auth.sign_login()
        self.assertEqual("my-passphrase", values["passphrase"])
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reply_checks")
    package = generate_package(root, derived_spec())
    (package / "binance_hooks.py").write_text(HOOKS, encoding="utf-8")
    return package


def test_the_generated_code_states_the_reply_checks(package: Path) -> None:
    constants = (package / "binance_constants.py").read_text(encoding="utf-8")
    assert 'for item in payload.get("data") or ():' in constants
    assert 'if isinstance(item, dict) and "sCode" in item and item.get("sCode") != "0":' in constants
    assert 'if payload.get("code") != "0":' in constants
    exchange = (package / "binance_exchange.py").read_text(encoding="utf-8")
    assert 'path_url = "/v3/order/" + str(tracked_order.client_order_id)' in exchange
    assert 'response = response["data"]  # the result inside the reply (envelope)' in exchange


def test_the_derived_package_passes_its_suite_and_the_focused_test(package: Path) -> None:
    run = run_with_focused_test(package, "test_focused_reply_checks.py", FOCUSED)
    assert run.failed == run.errors == 0, run.output[-6000:]
    passed = passed_tests(run)
    for name in (
        "test_errors_inside_http_200_replies",
        "test_the_connector_raises_and_classifies_them",
        "test_each_stream_request_names_its_own_pair",
        "test_the_login_message_carries_the_passphrase",
        "test_update_order_status_when_order_not_found_counts_toward_lost",
        "test_cancel_order_not_found_in_the_exchange",
        "test_rate_limited_request_is_retried_once_after_a_pause",
        "test_endpoint_balances",
        "test_reply_check_1_error_raises_with_its_code_and_message",
        "test_reply_check_2_error_raises_with_its_code_and_message",
        "test_domain_headers_are_sent_with_every_rest_request",
        "test_user_stream_login_sends_the_signed_message_and_requires_success",
    ):
        assert name in passed, name

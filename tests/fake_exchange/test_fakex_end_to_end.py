"""Fakex wired end to end: start_network with mocked REST and websockets until the connector is ready.

This checks what the shared suite does not: that the lazily built collaborators (factory, data sources, trackers)
fit together, that the background loops feed balances, rules, order books and order updates, and that the
fake's auth signs what it claims to sign.
"""

from __future__ import annotations

import hashlib
import hmac
import sys
import unittest
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
from aioresponses import aioresponses

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakex import fakex_constants as CONSTANTS  # noqa: E402
from fakex import fakex_web_utils as web_utils  # noqa: E402
from fakex.fakex_auth import SIGNATURE_HEADER, TIMESTAMP_HEADER, FakexAuth  # noqa: E402
from fakex.fakex_e2e_support import PAIR, SYMBOL, mock_ready_answers, wait_for  # noqa: E402
from fakex.fakex_exchange import FakexExchange  # noqa: E402
from hbrt.data_type.common import OrderType, TradeType  # noqa: E402
from hbrt.data_type.in_flight_order import OrderState  # noqa: E402
from hbrt.data_type.order_book import OrderBookInconsistentError  # noqa: E402
from hbrt.testing.network_mocking_assistant import NetworkMockingAssistant  # noqa: E402
from hbrt.time_synchronizer import TimeSynchronizer  # noqa: E402
from hbrt.web_assistant.connections.data_types import RESTMethod, RESTRequest  # noqa: E402


class _RoutingSession:
    """``ws_connect`` stand-in: the public and the private stream get their own websocket mock, by URL."""

    def __init__(self, mocks_by_url: dict[str, Any]) -> None:
        self._mocks_by_url = mocks_by_url
        self.connected: list[str] = []

    async def ws_connect(self, url: str, **kwargs: Any) -> Any:
        self.connected.append(url)
        ws = self._mocks_by_url[url]
        ws.closed = False
        return ws


class FakexEndToEndTests(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.mock_api = aioresponses()
        self.mock_api.start()
        mock_ready_answers(self.mock_api, **{CONSTANTS.MY_TRADES_PATH_URL: []})
        self.exchange = FakexExchange(fakex_api_key="key", fakex_api_secret="secret", trading_pairs=[PAIR])
        self.mocks = NetworkMockingAssistant()
        self.public_ws = self.mocks.create_websocket_mock()
        self.private_ws = self.mocks.create_websocket_mock()
        self.session = _RoutingSession(
            {web_utils.wss_url(): self.public_ws, web_utils.private_wss_url(): self.private_ws}
        )
        self.exchange._web_assistants_factory.connections_factory.set_ws_session(self.session)

    async def asyncTearDown(self) -> None:
        await self.exchange.stop_network()
        await self.exchange._web_assistants_factory.close()
        self.mock_api.stop()

    async def test_connector_becomes_ready_and_processes_streams(self) -> None:
        self.exchange.start_tracking_order(
            order_id="FX-1",
            exchange_order_id=None,
            trading_pair=PAIR,
            trade_type=TradeType.BUY,
            price=Decimal("10"),
            amount=Decimal("1"),
            order_type=OrderType.LIMIT,
        )
        self.mocks.add_websocket_json_message(
            self.public_ws,
            {"channel": "depth", "data": {"s": SYMBOL, "U": 101, "u": 102, "b": [["9.5", "3"]], "a": [], "T": 1}},
        )
        self.mocks.add_websocket_json_message(
            self.private_ws, {"e": "order", "data": {"c": "FX-1", "i": "77", "s": SYMBOL, "X": "NEW", "T": 1}}
        )
        await self.exchange.start_network()
        self.exchange.tick(1640780005.0)  # crosses a poll boundary: balances are fetched

        await wait_for(lambda: self.exchange.ready)
        self.assertEqual(
            {
                "symbols_mapping_initialized": True,
                "order_books_initialized": True,
                "account_balance": True,
                "trading_rule_initialized": True,
                "user_stream_initialized": True,
            },
            self.exchange.status_dict,
        )
        self.assertEqual(Decimal("600"), self.exchange.get_balance("HBOT"))
        self.assertEqual(Decimal("9.5"), self.exchange.get_price(PAIR, is_buy=False))
        order = self.exchange.in_flight_orders["FX-1"]
        self.assertEqual(OrderState.OPEN, order.current_state)
        self.assertEqual("77", order.exchange_order_id)

        sent_private = self.mocks.json_messages_sent_through_websocket(self.private_ws)
        self.assertEqual("login", sent_private[0]["op"])
        login = sent_private[0]["args"]
        expected = hmac.new(b"secret", f"{login['timestamp']}login".encode(), hashlib.sha256).hexdigest()
        self.assertEqual(expected, login["signature"])
        self.assertEqual("subscribe", sent_private[1]["op"])
        sent_public = self.mocks.json_messages_sent_through_websocket(self.public_ws)
        self.assertEqual({"trades", "depth"}, {message["channel"] for message in sent_public})

        await self.exchange.stop_network()
        self.assertIsNone(self.exchange._status_polling_task)

    async def test_a_dropped_public_stream_makes_the_connector_not_ready_and_says_why(self) -> None:
        self.mocks.add_websocket_json_message(
            self.public_ws,
            {"channel": "depth", "data": {"s": SYMBOL, "U": 101, "u": 102, "b": [["9.5", "3"]], "a": [], "T": 1}},
        )
        self.mocks.add_websocket_json_message(  # the user stream's first event (an order we do not track)
            self.private_ws, {"e": "order", "data": {"c": "OTHER", "i": "1", "s": SYMBOL, "X": "NEW", "T": 1}}
        )
        await self.exchange.start_network()
        self.exchange.tick(1640780005.0)
        await wait_for(lambda: self.exchange.ready)
        self.mocks.add_websocket_aiohttp_message(self.public_ws, None, aiohttp.WSMsgType.CLOSE)
        await wait_for(lambda: not self.exchange.ready)
        status = self.exchange.status_dict
        self.assertFalse(status["order_books_initialized"])
        reasons = [key for key, value in status.items() if key.startswith(f"order book {PAIR}:")]
        self.assertEqual(1, len(reasons), status)
        self.assertIn("public stream interrupted", reasons[0])
        self.assertFalse(status[reasons[0]])
        with self.assertRaises(OrderBookInconsistentError):
            self.exchange.get_price(PAIR, is_buy=False)
        await self.exchange.stop_network()


class FakexAuthTests(unittest.IsolatedAsyncioTestCase):
    async def test_rest_signature_covers_time_method_path_query_and_body(self) -> None:
        synchronizer = TimeSynchronizer()
        synchronizer.add_time_offset_ms_sample(0)
        auth = FakexAuth("key", "secret", synchronizer)
        request = RESTRequest(
            method=RESTMethod.POST,
            url="https://api.fakex.test/api/v1/order",
            params={"b": "2", "a": "1"},
            data='{"x": 1}',
            is_auth_required=True,
        )
        signed = await auth.rest_authenticate(request)
        timestamp = signed.headers[TIMESTAMP_HEADER]
        payload = f'{timestamp}POST/api/v1/order?a=1&b=2{{"x": 1}}'
        self.assertEqual(
            hmac.new(b"secret", payload.encode(), hashlib.sha256).hexdigest(), signed.headers[SIGNATURE_HEADER]
        )


if __name__ == "__main__":
    unittest.main()

"""Fakex without a private websocket, against the shared connector suite and end to end.

``FakexPollingExchangeTests`` runs the 60 shared tests with ``has_user_stream`` False: the user-stream tests run
their REST-polling equivalents or skip naming the polling test that covers them. ``FakexPollingEndToEndTests``
starts the network with mocked REST and a public websocket only, and follows an order from OPEN to FILLED through
the status poll.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import unittest
from decimal import Decimal
from pathlib import Path
from typing import Any

from aioresponses import aioresponses

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from fakex import fakex_constants as CONSTANTS  # noqa: E402
from fakex import fakex_web_utils as web_utils  # noqa: E402
from fakex.fakex_e2e_support import PAIR, SYMBOL, mock_ready_answers, public_url, wait_for  # noqa: E402
from fakex.fakex_polling_exchange import FakexPollingExchange  # noqa: E402
from hbrt.data_type.common import OrderType, TradeType  # noqa: E402
from hbrt.data_type.in_flight_order import OrderState  # noqa: E402
from hbrt.event.events import MarketEvent  # noqa: E402
from hbrt.event.pubsub import EventLogger  # noqa: E402
from hbrt.testing.network_mocking_assistant import NetworkMockingAssistant  # noqa: E402


def _load_streaming_tests() -> Any:
    """The streaming Fakex test module, loaded under a private name so its test case is not collected twice."""
    spec = importlib.util.spec_from_file_location("_fakex_streaming_tests", HERE / "test_fake_exchange.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_streaming = _load_streaming_tests()


class FakexPollingExchangeTests(_streaming.FakexExchangeTests):  # type: ignore[misc, name-defined]
    """The shared suite for a connector whose order updates, fills and balances come from REST polling alone."""

    def create_exchange_instance(self) -> FakexPollingExchange:
        return FakexPollingExchange(
            fakex_api_key="testAPIKey", fakex_api_secret="testSecret", trading_pairs=[self.trading_pair]
        )

    # The exchange sends no private events.
    @property
    def balance_event_websocket_update(self) -> Any:
        return None

    def order_event_for_new_order_websocket_update(self, order: Any) -> Any:
        return None

    def order_event_for_canceled_order_websocket_update(self, order: Any) -> Any:
        return None

    def order_event_for_full_fill_websocket_update(self, order: Any) -> Any:
        return None

    def trade_event_for_full_fill_websocket_update(self, order: Any) -> Any:
        return None


class _PublicOnlySession:
    """``ws_connect`` stand-in that serves the public stream and records every URL asked for."""

    def __init__(self, public_ws: Any) -> None:
        self._public_ws = public_ws
        self.connected: list[str] = []

    async def ws_connect(self, url: str, **kwargs: Any) -> Any:
        self.connected.append(url)
        if url != web_utils.wss_url():
            raise AssertionError(f"unexpected websocket connection to {url}")
        self._public_ws.closed = False
        return self._public_ws


class FakexPollingEndToEndTests(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.mock_api = aioresponses()
        self.mock_api.start()
        mock_ready_answers(self.mock_api)
        self.exchange = FakexPollingExchange(fakex_api_key="key", fakex_api_secret="secret", trading_pairs=[PAIR])
        self.mocks = NetworkMockingAssistant()
        self.public_ws = self.mocks.create_websocket_mock()
        self.session = _PublicOnlySession(self.public_ws)
        self.exchange._web_assistants_factory.connections_factory.set_ws_session(self.session)

    async def asyncTearDown(self) -> None:
        await self.exchange.stop_network()
        await self.exchange._web_assistants_factory.close()
        self.mock_api.stop()

    def _requests(self, path: str, method: str = "GET") -> int:
        pattern = public_url(path)
        return sum(
            len(calls)
            for (request_method, url), calls in self.mock_api.requests.items()
            if request_method == method and pattern.match(str(url))
        )

    async def test_ready_without_a_private_websocket_and_orders_follow_the_polls(self) -> None:
        self.assertFalse(self.exchange.has_user_stream)
        self.exchange.start_tracking_order(
            order_id="FX-1",
            exchange_order_id="77",
            trading_pair=PAIR,
            trade_type=TradeType.BUY,
            price=Decimal("10"),
            amount=Decimal("1"),
            order_type=OrderType.LIMIT,
        )
        filled = EventLogger()
        completed = EventLogger()
        self.exchange.add_listener(MarketEvent.OrderFilled, filled)
        self.exchange.add_listener(MarketEvent.BuyOrderCompleted, completed)
        order_url = public_url(CONSTANTS.ORDER_PATH_URL)
        trades_url = public_url(CONSTANTS.MY_TRADES_PATH_URL)
        # First poll: the order is open and unfilled.
        self.mock_api.get(
            order_url,
            body=json.dumps({"orderId": "77", "clientOrderId": "FX-1", "status": "NEW", "updateTime": 1640780001000}),
        )
        self.mock_api.get(trades_url, body="[]")

        self.mocks.add_websocket_json_message(
            self.public_ws,
            {"channel": "depth", "data": {"s": SYMBOL, "U": 101, "u": 102, "b": [["9.5", "3"]], "a": [], "T": 1}},
        )
        await self.exchange.start_network()
        self.assertIsNone(self.exchange._user_stream_tracker_task)
        self.assertIsNone(self.exchange._user_stream_event_listener_task)
        self.exchange.tick(1640780001.0)  # the first tick crosses a poll boundary
        await wait_for(lambda: self.exchange.ready)
        self.assertTrue(self.exchange.status_dict["user_stream_initialized"])
        self.assertEqual(Decimal("600"), self.exchange.get_balance("HBOT"))
        order = self.exchange.in_flight_orders["FX-1"]
        await wait_for(lambda: order.current_state == OrderState.OPEN)

        # The next poll that updates order statuses, UPDATE_ORDER_STATUS_MIN_INTERVAL later: a fill, then FILLED.
        fill = {
            "id": 5,
            "orderId": "77",
            "price": "10",
            "qty": "1",
            "quoteQty": "10",
            "commission": "0.01",
            "commissionAsset": "HBOT",
            "time": 1640780004000,
            "isMaker": False,
        }
        self.mock_api.get(trades_url, body=json.dumps([fill]))
        self.mock_api.get(
            order_url,
            body=json.dumps(
                {"orderId": "77", "clientOrderId": "FX-1", "status": "FILLED", "updateTime": 1640780004000}
            ),
        )
        self.exchange.tick(1640780001.0 + self.exchange.UPDATE_ORDER_STATUS_MIN_INTERVAL)
        # Wait for the FILLED status, not for is_done: the fill alone makes the order done (fully executed) one REST
        # round trip before the status request that completes it has been answered.
        await wait_for(lambda: order.current_state == OrderState.FILLED)
        await self.exchange._order_tracker.wait_for_pending_updates()
        self.assertTrue(order.is_filled)
        self.assertEqual(1, len(filled.event_log))
        self.assertEqual(Decimal("1"), filled.event_log[0].amount)
        self.assertEqual(1, len(completed.event_log))
        self.assertEqual(2, self._requests(CONSTANTS.ORDER_PATH_URL))
        self.assertEqual([web_utils.wss_url()], self.session.connected)

        await self.exchange.stop_network()
        self.assertIsNone(self.exchange._status_polling_task)

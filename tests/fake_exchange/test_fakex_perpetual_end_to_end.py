"""Fakex's perpetual connector wired end to end: start_network with mocked REST and websockets until it is ready.

What the shared suite cannot see: readiness waits for funding information, start_network reads the account's
position mode, the status poll fills positions, the funding listener applies streamed updates, the public
subscription includes the funding channel, and stop_network stops the perpetual tasks.
"""

from __future__ import annotations

import asyncio
import sys
import unittest
from decimal import Decimal
from pathlib import Path
from typing import Any

from aioresponses import aioresponses

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakex import fakex_constants as SPOT  # noqa: E402
from fakex import fakex_perpetual_constants as CONSTANTS  # noqa: E402
from fakex import fakex_web_utils as web_utils  # noqa: E402
from fakex.fakex_e2e_support import PAIR, SYMBOL, mock_ready_answers, wait_for  # noqa: E402
from fakex.fakex_perpetual_derivative import FakexPerpetualDerivative  # noqa: E402
from hbrt.data_type.common import OrderType, PositionAction, PositionMode, PositionSide, TradeType  # noqa: E402
from hbrt.data_type.in_flight_order import PerpetualDerivativeInFlightOrder  # noqa: E402
from hbrt.testing.network_mocking_assistant import NetworkMockingAssistant  # noqa: E402


class _RoutingSession:
    def __init__(self, mocks_by_url: dict[str, Any]) -> None:
        self._mocks_by_url = mocks_by_url

    async def ws_connect(self, url: str, **kwargs: Any) -> Any:
        ws = self._mocks_by_url[url]
        ws.closed = False
        return ws


class FakexPerpetualEndToEndTests(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.mock_api = aioresponses()
        self.mock_api.start()
        position = {"symbol": SYMBOL, "side": "BOTH", "amount": "-3", "entryPrice": "10", "unrealizedPnl": "-1"}
        mock_ready_answers(
            self.mock_api,
            **{
                SPOT.MY_TRADES_PATH_URL: [],
                CONSTANTS.FUNDING_INFO_PATH_URL: {
                    "symbol": SYMBOL,
                    "markPrice": "10.5",
                    "indexPrice": "10.4",
                    "lastFundingRate": "0.0001",
                    "nextFundingTime": 1640808000000,
                },
                CONSTANTS.POSITION_MODE_PATH_URL: {"hedgeMode": True},
                CONSTANTS.POSITIONS_PATH_URL: [
                    {**position, "side": "SHORT", "leverage": "5"},
                    {
                        "symbol": SYMBOL,
                        "side": "LONG",
                        "amount": "2",
                        "entryPrice": "9",
                        "unrealizedPnl": "1",
                        "leverage": "4",
                    },
                ],
                CONSTANTS.FUNDING_PAYMENTS_PATH_URL: [],
            },
        )
        self.exchange = FakexPerpetualDerivative(fakex_api_key="key", fakex_api_secret="secret", trading_pairs=[PAIR])
        self.mocks = NetworkMockingAssistant()
        self.public_ws = self.mocks.create_websocket_mock()
        self.private_ws = self.mocks.create_websocket_mock()
        session = _RoutingSession({web_utils.wss_url(): self.public_ws, web_utils.private_wss_url(): self.private_ws})
        self.exchange._web_assistants_factory.connections_factory.set_ws_session(session)

    async def asyncTearDown(self) -> None:
        await self.exchange.stop_network()
        await self.exchange._web_assistants_factory.close()
        self.mock_api.stop()

    async def test_ready_with_funding_info_position_mode_and_positions(self) -> None:
        self.mocks.add_websocket_json_message(
            self.public_ws,
            {"channel": "depth", "data": {"s": SYMBOL, "U": 101, "u": 102, "b": [["9.5", "3"]], "a": [], "T": 1}},
        )
        self.mocks.add_websocket_json_message(
            self.public_ws,
            {"channel": "funding", "data": {"s": SYMBOL, "p": "10.7", "i": "10.6", "r": "0.0002", "T": 1640836800000}},
        )
        self.mocks.add_websocket_json_message(
            self.private_ws,
            {"e": "position", "data": [{"s": SYMBOL, "ps": "LONG", "pa": "2", "ep": "9", "up": "1", "l": "4"}]},
        )
        await self.exchange.start_network()
        self.assertEqual(PositionMode.HEDGE, self.exchange.position_mode)  # read from the exchange at start
        self.exchange.tick(1640780005.0)  # crosses a poll boundary: balances and positions are fetched

        await wait_for(lambda: self.exchange.ready)
        self.assertTrue(self.exchange.status_dict["funding_info"])
        await wait_for(lambda: self.exchange.get_funding_info(PAIR).rate == Decimal("0.0002"))
        funding = self.exchange.get_funding_info(PAIR)
        self.assertEqual(
            (Decimal("10.7"), Decimal("10.6"), 1640836800),
            (funding.mark_price, funding.index_price, funding.next_funding_utc_timestamp),
        )
        position = self.exchange.account_positions[f"{PAIR}SHORT"]
        self.assertEqual(
            (PositionSide.SHORT, Decimal("-3"), Decimal("5")),
            (position.position_side, position.amount, position.leverage),
        )
        await wait_for(lambda: f"{PAIR}LONG" in self.exchange.account_positions)  # from the user stream
        self.assertEqual(Decimal("2"), self.exchange.account_positions[f"{PAIR}LONG"].amount)
        sent_public = self.mocks.json_messages_sent_through_websocket(self.public_ws)
        self.assertEqual({"trades", "depth", "funding"}, {message["channel"] for message in sent_public})

        funding_listener = self.exchange._funding_info_listener_task
        funding_poller = self.exchange._funding_fee_polling_task
        assert funding_listener is not None and funding_poller is not None
        await self.exchange.stop_network()
        self.assertTrue(funding_listener.cancelled() or funding_listener.done())
        self.assertTrue(funding_poller.cancelled() or funding_poller.done())
        self.assertFalse(self.exchange.status_dict["funding_info"])  # fetched again on the next start

    async def test_restored_orders_keep_their_position_action(self) -> None:
        order = PerpetualDerivativeInFlightOrder(
            client_order_id="FX-1",
            trading_pair=PAIR,
            order_type=OrderType.LIMIT,
            trade_type=TradeType.SELL,
            amount=Decimal("1"),
            price=Decimal("10"),
            creation_timestamp=1640780000,
            leverage=3,
            position=PositionAction.CLOSE,
        )
        self.exchange.restore_tracking_states({"FX-1": order.to_json()})
        restored = self.exchange.in_flight_orders["FX-1"]
        self.assertIsInstance(restored, PerpetualDerivativeInFlightOrder)
        self.assertEqual((3, PositionAction.CLOSE), (restored.leverage, restored.position))
        self.assertIn("to CLOSE a COINALPHA-HBOT position", restored.build_order_created_message())


class PerPairPositionModeTests(unittest.IsolatedAsyncioTestCase):
    """POSITION_MODE_PER_PAIR: every configured pair is switched, and the mode changes only if all switches do."""

    async def asyncSetUp(self) -> None:
        self.exchange = FakexPerpetualDerivative(
            fakex_api_key="key", fakex_api_secret="secret", trading_pairs=[PAIR, "HBOT-COINALPHA"]
        )
        self.switched: list[str] = []
        self.failing: set[str] = set()
        self.events: list[tuple[str, str]] = []

        async def current_mode() -> PositionMode:
            return PositionMode.ONEWAY

        async def switch(mode: PositionMode, trading_pair: str) -> tuple[bool, str]:
            self.switched.append(trading_pair)
            return (False, "refused") if trading_pair in self.failing else (True, "")

        self.exchange._fetch_account_position_mode = current_mode  # type: ignore[method-assign]  # test stand-in
        self.exchange._trading_pair_position_mode_set = switch  # type: ignore[method-assign]  # test stand-in
        self.exchange.trigger_event = lambda tag, event: self.events.append((tag.name, event.trading_pair))  # type: ignore[method-assign]  # records the events

    async def test_the_account_wide_switch_goes_through_the_first_pair(self) -> None:
        await self.exchange._execute_set_position_mode(PositionMode.HEDGE)
        self.assertEqual([PAIR], self.switched)
        self.assertEqual(PositionMode.HEDGE, self.exchange.position_mode)

    async def test_every_pair_is_switched(self) -> None:
        self.exchange.POSITION_MODE_PER_PAIR = True
        await self.exchange._execute_set_position_mode(PositionMode.HEDGE)
        self.assertEqual([PAIR, "HBOT-COINALPHA"], self.switched)
        self.assertEqual(PositionMode.HEDGE, self.exchange.position_mode)
        self.assertEqual({"PositionModeChangeSucceeded"}, {tag for tag, _ in self.events})

    async def test_one_refused_pair_fails_the_switch(self) -> None:
        self.exchange.POSITION_MODE_PER_PAIR = True
        self.failing = {PAIR}
        await self.exchange._execute_set_position_mode(PositionMode.HEDGE)
        self.assertEqual([PAIR], self.switched)  # it stops at the first refusal
        self.assertEqual(PositionMode.ONEWAY, self.exchange.position_mode)
        self.assertEqual(
            [("PositionModeChangeFailed", PAIR), ("PositionModeChangeFailed", "HBOT-COINALPHA")], self.events
        )


class StopNetworkTests(unittest.IsolatedAsyncioTestCase):
    async def test_a_funding_task_that_swallows_its_cancellation_is_cancelled_again(self) -> None:
        exchange = FakexPerpetualDerivative(fakex_api_key="key", fakex_api_secret="secret", trading_pairs=[PAIR])
        exchange.TASK_STOP_WAIT = 0.01
        swallowed: list[bool] = []

        async def stubborn() -> None:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                swallowed.append(True)  # as asyncio.wait_for can in Python 3.11
            await asyncio.Event().wait()

        task = asyncio.create_task(stubborn())
        await asyncio.sleep(0)
        exchange._funding_fee_polling_task = task
        await asyncio.wait_for(exchange.stop_network(), timeout=5)
        await asyncio.sleep(0)
        self.assertEqual([True], swallowed)
        self.assertTrue(task.cancelled())
        await exchange._web_assistants_factory.close()


if __name__ == "__main__":
    unittest.main()

"""ClientOrderTracker: views, events, log lines, ordering, lost orders, restore."""

from __future__ import annotations

import asyncio
import sys
import unittest
from decimal import Decimal
from pathlib import Path

from hbrt.connector.client_order_tracker import ClientOrderTracker, TTLCache
from hbrt.data_type.common import TradeType
from hbrt.data_type.in_flight_order import OrderState, OrderUpdate
from hbrt.event.events import (
    BuyOrderCompletedEvent,
    BuyOrderCreatedEvent,
    MarketEvent,
    MarketOrderFailureEvent,
    OrderCancelledEvent,
    SellOrderCompletedEvent,
    SellOrderCreatedEvent,
)

sys.path.insert(0, str(Path(__file__).parent))  # pytest runs with --import-mode=importlib
from orders_test_support import PAIR, FakeConnector, make_fill, make_order  # noqa: E402

LOGGER = "hbrt.connector.client_order_tracker"


class TTLCacheTests(unittest.TestCase):
    def test_expiry_and_maxsize(self) -> None:
        now = [0.0]
        cache: TTLCache[int] = TTLCache(maxsize=2, ttl=30, timer=lambda: now[0])
        cache["a"] = 1
        now[0] = 10
        cache["b"] = 2
        self.assertEqual({"a": 1, "b": 2}, dict(cache.items()))
        cache["c"] = 3  # evicts the oldest
        self.assertNotIn("a", cache)
        now[0] = 39.9
        self.assertEqual(["b", "c"], list(cache))
        now[0] = 40.0  # b and c were both set at 10 with a 30 s TTL
        self.assertEqual(0, len(cache))
        cache["d"] = 4
        now[0] = 69.9
        self.assertEqual(4, cache["d"])
        now[0] = 70.0
        self.assertIsNone(cache.get("d"))
        with self.assertRaises(ValueError):
            TTLCache(0, 1)


class TrackerTests(unittest.IsolatedAsyncioTestCase):
    def setUp(self) -> None:
        self.connector = FakeConnector()
        self.tracker = ClientOrderTracker(self.connector)

    async def apply(self, state: OrderState, client_id: str | None = "OID1", ex_id: str | None = None, misc=None):
        await self.tracker.process_order_update(OrderUpdate(PAIR, 1640000100.0, state, client_id, ex_id, misc))

    async def test_views_and_lookups(self) -> None:
        active = make_order("A", exchange_id="EA")
        done = make_order("D", exchange_id="ED")
        lost = make_order("L", exchange_id="EL")
        for order in (active, done, lost):
            self.tracker.start_tracking_order(order)
        self.tracker.stop_tracking_order("D")
        self.tracker._lost_orders["L"] = self.tracker._in_flight_orders.pop("L")
        self.assertEqual(["A"], list(self.tracker.active_orders))
        self.assertEqual(["D"], list(self.tracker.cached_orders))
        self.assertEqual(["L"], list(self.tracker.lost_orders))
        self.assertEqual({"A", "D"}, set(self.tracker.all_orders))
        self.assertEqual({"A", "D", "L"}, set(self.tracker.all_fillable_orders))
        self.assertEqual({"EA", "ED", "EL"}, set(self.tracker.all_fillable_orders_by_exchange_order_id))
        self.assertEqual({"A", "L"}, set(self.tracker.all_updatable_orders))
        self.assertEqual({"EA", "EL"}, set(self.tracker.all_updatable_orders_by_exchange_order_id))
        self.assertIs(active, self.tracker.fetch_tracked_order("A"))
        self.assertIsNone(self.tracker.fetch_tracked_order("D"))
        self.assertIs(done, self.tracker.fetch_cached_order("D"))
        self.assertIs(done, self.tracker.fetch_order(exchange_order_id="ED"))
        self.assertIs(active, self.tracker.fetch_order(client_order_id="A"))
        self.assertIsNone(self.tracker.fetch_order(client_order_id="L"))
        self.assertIs(lost, self.tracker.fetch_lost_order(exchange_order_id="EL"))
        self.assertEqual(3, self.tracker._lost_order_count_limit)

    async def test_created_event_and_log(self) -> None:
        order = make_order(amount="100.000000", price="10000.0000")
        self.tracker.start_tracking_order(order)
        with self.assertLogs(LOGGER, "INFO") as logs:
            await self.apply(OrderState.OPEN, ex_id="EOID1")
        self.assertIn(f"INFO:{LOGGER}:Created LIMIT BUY order OID1 for 100.000000 {PAIR} at 10000.0000.", logs.output)
        (event,) = self.connector.of(MarketEvent.BuyOrderCreated)
        self.assertEqual(
            BuyOrderCreatedEvent(
                1640001112.0, order.order_type, PAIR, Decimal(100), Decimal(10000), "OID1", 1640000000.0, "EOID1"
            ),
            event,
        )
        await self.apply(OrderState.PARTIALLY_FILLED)  # no second created event
        self.assertEqual(1, len(self.connector.events))

    async def test_sell_created_on_direct_fill_but_not_on_cancel_or_failure(self) -> None:
        self.tracker.start_tracking_order(make_order("S1", trade_type=TradeType.SELL, amount="1"))
        self.tracker.process_trade_update(make_fill("T1", "S1", Decimal(1), Decimal(100)))
        await self.apply(OrderState.FILLED, client_id="S1")
        self.assertEqual(1, len(self.connector.of(MarketEvent.SellOrderCreated)))
        self.assertIsInstance(self.connector.of(MarketEvent.SellOrderCreated)[0], SellOrderCreatedEvent)
        (completed,) = self.connector.of(MarketEvent.SellOrderCompleted)
        self.assertIsInstance(completed, SellOrderCompletedEvent)
        for client_id, state in (("C1", OrderState.CANCELED), ("F1", OrderState.FAILED)):
            self.tracker.start_tracking_order(make_order(client_id))
            await self.apply(state, client_id=client_id)
        self.assertEqual([], self.connector.of(MarketEvent.BuyOrderCreated))

    async def test_cancel_event_log_and_move_to_cache(self) -> None:
        self.tracker.start_tracking_order(make_order(state=OrderState.OPEN, exchange_id="EOID1"))
        with self.assertLogs(LOGGER, "INFO") as logs:
            await self.apply(OrderState.CANCELED, client_id=None, ex_id="EOID1")
        self.assertIn(f"INFO:{LOGGER}:Successfully canceled order OID1.", logs.output)
        self.assertEqual(
            [OrderCancelledEvent(1640001112.0, "OID1", "EOID1")], self.connector.of(MarketEvent.OrderCancelled)
        )
        self.assertEqual({}, self.tracker.active_orders)
        self.assertIn("OID1", self.tracker.cached_orders)
        # A late fill still reaches the cached order and emits a fill event, but no completion.
        self.tracker.process_trade_update(make_fill("T1", "OID1", Decimal(1), Decimal(100)))
        self.assertEqual(1, len(self.connector.of(MarketEvent.OrderFilled)))
        self.assertEqual([], self.connector.of(MarketEvent.BuyOrderCompleted))

    async def test_failure_event_and_log_with_order_update_repr(self) -> None:
        self.tracker.start_tracking_order(make_order())
        misc = {"error_message": "Order amount too small", "error_type": "ValueError"}
        update = OrderUpdate(PAIR, 1640000100.0, OrderState.FAILED, "OID1", None, misc)
        with self.assertLogs(LOGGER, "INFO") as logs:
            await self.tracker.process_order_update(update)
        self.assertIn(f"INFO:{LOGGER}:Order OID1 has failed. Order Update: {update!r}", logs.output)
        self.assertEqual(
            [
                MarketOrderFailureEvent(
                    1640001112.0, "OID1", update and make_order().order_type, "Order amount too small", "ValueError"
                )
            ],
            self.connector.of(MarketEvent.OrderFailure),
        )

    async def test_fill_then_filled_completes_once_with_log(self) -> None:
        self.tracker.start_tracking_order(make_order(amount="3", state=OrderState.OPEN, exchange_id="EOID1"))
        for trade_id, amount in (("T1", "1"), ("T2", "2"), ("T1", "1")):
            self.tracker.process_trade_update(make_fill(trade_id, "OID1", Decimal(amount), Decimal(100)))
        fills = self.connector.of(MarketEvent.OrderFilled)
        self.assertEqual(["T1", "T2"], [fill.exchange_trade_id for fill in fills])
        self.assertEqual({1640001112.0}, {fill.timestamp for fill in fills})
        self.assertEqual("EOID1", fills[0].exchange_order_id)
        with self.assertLogs(LOGGER, "INFO") as logs:
            await self.apply(OrderState.FILLED)
            await self.apply(OrderState.FILLED)
            await self.apply(OrderState.OPEN)
        self.assertIn(f"INFO:{LOGGER}:BUY order OID1 completely filled.", logs.output)
        self.assertEqual(
            [
                BuyOrderCompletedEvent(
                    1640001112.0,
                    "OID1",
                    "COINALPHA",
                    "HBOT",
                    Decimal(3),
                    Decimal(300),
                    make_order().order_type,
                    "EOID1",
                )
            ],
            self.connector.of(MarketEvent.BuyOrderCompleted),
        )
        self.assertEqual(OrderState.FILLED, self.tracker.fetch_order("OID1").current_state)

    async def test_filled_status_waits_for_late_fills(self) -> None:
        self.tracker.start_tracking_order(make_order(amount="2", state=OrderState.OPEN, exchange_id="EOID1"))
        task = self.tracker.process_order_update(OrderUpdate(PAIR, 1.0, OrderState.FILLED, "OID1"))
        await asyncio.sleep(0.01)
        self.assertFalse(task.done())
        self.tracker.process_trade_update(make_fill("T1", "OID1", Decimal(2), Decimal(100)))
        await asyncio.wait_for(task, 1)
        (completed,) = self.connector.of(MarketEvent.BuyOrderCompleted)
        self.assertEqual(Decimal(2), completed.base_asset_amount)
        tags = [tag for tag, _ in self.connector.events]
        self.assertLess(tags.index(MarketEvent.OrderFilled), tags.index(MarketEvent.BuyOrderCompleted))

    async def test_filled_status_without_fills_completes_after_the_timeout(self) -> None:
        self.tracker.TRADE_FILLS_WAIT_TIMEOUT = 0.02
        self.tracker.start_tracking_order(make_order(amount="2", state=OrderState.OPEN, exchange_id="EOID1"))
        with self.assertLogs(LOGGER, "WARNING"):
            await self.apply(OrderState.FILLED)
        (completed,) = self.connector.of(MarketEvent.BuyOrderCompleted)
        self.assertEqual((Decimal(0), Decimal(0)), (completed.base_asset_amount, completed.quote_asset_amount))

    async def test_later_update_never_overtakes_an_earlier_one(self) -> None:
        self.tracker.start_tracking_order(make_order(amount="2", state=OrderState.OPEN, exchange_id="EOID1"))
        filled = self.tracker.process_order_update(OrderUpdate(PAIR, 1.0, OrderState.FILLED, "OID1"))
        cancel = self.tracker.process_order_update(OrderUpdate(PAIR, 2.0, OrderState.CANCELED, None, "EOID1"))
        await asyncio.sleep(0.01)
        self.assertFalse(cancel.done())  # waits behind the FILLED update, which waits for its fills
        self.tracker.process_trade_update(make_fill("T1", "OID1", Decimal(2), Decimal(100)))
        await self.tracker.wait_for_pending_updates()
        self.assertTrue(filled.done() and cancel.done())
        self.assertEqual(1, len(self.connector.of(MarketEvent.BuyOrderCompleted)))
        self.assertEqual([], self.connector.of(MarketEvent.OrderCancelled))

    async def test_updates_of_different_orders_do_not_wait_for_each_other(self) -> None:
        self.tracker.start_tracking_order(make_order("A", state=OrderState.OPEN))
        self.tracker.start_tracking_order(make_order("B", state=OrderState.OPEN))
        waiting = self.tracker.process_order_update(OrderUpdate(PAIR, 1.0, OrderState.FILLED, "A"))
        other = self.tracker.process_order_update(OrderUpdate(PAIR, 1.0, OrderState.CANCELED, "B"))
        await asyncio.wait_for(other, 1)
        self.assertFalse(waiting.done())
        self.tracker.process_trade_update(make_fill("T1", "A", Decimal(10), Decimal(100)))
        await asyncio.wait_for(waiting, 1)

    async def test_unknown_order_update_and_fill_are_ignored(self) -> None:
        await self.apply(OrderState.OPEN, client_id="NOPE")
        await self.apply(OrderState.OPEN, client_id=None, ex_id=None)
        self.tracker.process_trade_update(make_fill("T1", "NOPE", Decimal(1), Decimal(1)))
        self.assertEqual([], self.connector.events)


class LostOrderTests(unittest.IsolatedAsyncioTestCase):
    def setUp(self) -> None:
        self.connector = FakeConnector()
        self.tracker = ClientOrderTracker(self.connector, lost_order_count_limit=2)
        self.order = make_order(state=OrderState.OPEN, exchange_id="EOID1")
        self.tracker.start_tracking_order(self.order)

    async def test_only_not_found_answers_count_and_limit_exceeded_makes_it_lost(self) -> None:
        await self.tracker.process_order_not_found("OID1")
        await self.tracker.process_order_not_found("OID1")
        self.assertEqual(2, self.tracker._order_not_found_records["OID1"])
        self.assertIn("OID1", self.tracker.active_orders)
        self.assertEqual([], self.connector.events)
        await self.tracker.process_order_not_found("OID1")  # 3 > limit of 2
        self.assertEqual(["OID1"], list(self.tracker.lost_orders))
        self.assertEqual({}, self.tracker.active_orders)
        self.assertEqual({}, self.tracker.cached_orders)
        self.assertNotIn("OID1", self.tracker._order_not_found_records)
        self.assertTrue(self.order.is_failure)
        (failure,) = self.connector.of(MarketEvent.OrderFailure)
        self.assertEqual(("OID1", 1640001112.0), (failure.order_id, failure.timestamp))
        self.assertIn("OID1", self.tracker.all_fillable_orders)
        self.assertIn("OID1", self.tracker.all_updatable_orders)
        self.assertNotIn("OID1", self.tracker.all_orders)

    async def test_any_update_of_the_order_resets_the_count(self) -> None:
        await self.tracker.process_order_not_found("OID1")
        await self.tracker.process_order_not_found("OID1")
        await self.tracker.process_order_update(OrderUpdate(PAIR, 1.0, OrderState.OPEN, "OID1"))
        self.assertNotIn("OID1", self.tracker._order_not_found_records)
        await self.tracker.process_order_not_found("OID1")
        await self.tracker.process_order_not_found("OID1")
        self.tracker.process_trade_update(make_fill("T1", "OID1", Decimal(1), Decimal(100)))
        await self.tracker.process_order_not_found("OID1")
        self.assertEqual(1, self.tracker._order_not_found_records["OID1"])
        self.assertEqual({}, self.tracker.lost_orders)

    async def test_done_order_is_not_declared_lost(self) -> None:
        self.tracker.process_trade_update(make_fill("T1", "OID1", Decimal(10), Decimal(100)))
        for _ in range(4):
            await self.tracker.process_order_not_found("OID1")
        self.assertEqual({}, self.tracker.lost_orders)
        self.assertEqual([], self.connector.of(MarketEvent.OrderFailure))

    async def make_lost(self) -> None:
        for _ in range(3):
            await self.tracker.process_order_not_found("OID1")
        self.assertIn("OID1", self.tracker.lost_orders)
        self.connector.events.clear()

    async def test_not_found_on_a_lost_order_removes_it_silently(self) -> None:
        await self.make_lost()
        await self.tracker.process_order_not_found("OID1")
        self.assertEqual({}, self.tracker.lost_orders)
        self.assertEqual([], self.connector.events)
        await self.tracker.process_order_not_found("UNKNOWN")  # no error, no event
        self.assertEqual([], self.connector.events)

    async def test_lost_order_gets_fills_but_never_completion_and_leaves_on_terminal_update(self) -> None:
        await self.make_lost()
        self.tracker.process_trade_update(make_fill("T1", "OID1", Decimal(10), Decimal(100)))
        self.assertEqual(1, len(self.connector.of(MarketEvent.OrderFilled)))
        await self.tracker.process_order_update(OrderUpdate(PAIR, 1.0, OrderState.OPEN, None, "EOID1"))
        self.assertIn("OID1", self.tracker.lost_orders)  # non-terminal news keeps it lost
        await self.tracker.process_order_update(OrderUpdate(PAIR, 1.0, OrderState.FILLED, None, "EOID1"))
        self.assertEqual({}, self.tracker.lost_orders)
        self.assertEqual([MarketEvent.OrderFilled], [tag for tag, _ in self.connector.events])

    async def test_restore_tracking_states(self) -> None:
        tracker = ClientOrderTracker(FakeConnector())
        states = {}
        for client_id, state in (
            ("O", OrderState.OPEN),
            ("P", OrderState.PENDING_CANCEL),
            ("F", OrderState.FILLED),
            ("C", OrderState.CANCELED),
            ("X", OrderState.FAILED),
        ):
            states[client_id] = make_order(client_id, state=state, exchange_id=f"E{client_id}").to_json()
        tracker.restore_tracking_states(states)
        self.assertEqual({"O", "P"}, set(tracker.active_orders))
        self.assertEqual({"X"}, set(tracker.lost_orders))
        self.assertEqual(OrderState.PENDING_CANCEL, tracker.fetch_tracked_order("P").current_state)

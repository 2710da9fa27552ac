"""OrderBookTracker: buffering before the snapshot, and every integrity policy against gaps, duplicates,
out-of-order diffs and corrupted checksums (resync exactly once, book equal to the exchange's afterwards)."""

from __future__ import annotations

import asyncio
import unittest
from decimal import Decimal
from typing import Any

from hbrt.data_type.book_integrity import (
    BookIntegrityPolicy,
    Checksum,
    FirstLastUpdateIdChain,
    NoIntegrity,
    PrevUpdateIdChain,
    StrictlyIncreasingSequence,
)
from hbrt.data_type.common import TradeType
from hbrt.data_type.order_book import OrderBookInconsistentError
from hbrt.data_type.order_book_message import OrderBookMessage, OrderBookMessageType
from hbrt.data_type.order_book_tracker import OrderBookTracker
from hbrt.data_type.order_book_tracker_data_source import OrderBookTrackerDataSource
from hbrt.event.events import OrderBookEvent
from hbrt.event.pubsub import EventLogger

from .sim import PAIR, TOP, SimExchange, book_checksum


class SimDataSource(OrderBookTrackerDataSource):
    """Feeds already-parsed messages through the real channel queues; REST snapshots come from the simulator."""

    def __init__(self, exchange: SimExchange, policy: BookIntegrityPolicy) -> None:
        super().__init__([PAIR])
        self.exchange = exchange
        self.BOOK_INTEGRITY = policy  # type: ignore[misc]
        self.snapshot_requests = 0
        self.last_price_requests: list[list[str]] = []

    async def listen_for_subscriptions(self) -> None:
        await asyncio.Event().wait()

    async def _order_book_snapshot(self, trading_pair: str) -> OrderBookMessage:
        self.snapshot_requests += 1
        return self.exchange.snapshot()

    async def _parse_order_book_diff_message(self, raw_message: Any, message_queue: asyncio.Queue) -> None:
        message_queue.put_nowait(raw_message)

    async def _parse_trade_message(self, raw_message: Any, message_queue: asyncio.Queue) -> None:
        message_queue.put_nowait(raw_message)

    async def get_last_traded_prices(self, trading_pairs: list[str], domain: str | None = None) -> dict[str, float]:
        self.last_price_requests.append(list(trading_pairs))
        return {pair: 123.25 for pair in trading_pairs}

    def feed(self, message: OrderBookMessage) -> None:
        self._message_queue[self._diff_messages_queue_key].put_nowait(message)


async def settle() -> None:
    for _ in range(30):
        await asyncio.sleep(0)


async def fast_sleep(_: float) -> None:
    await asyncio.sleep(0)


class TrackerIntegrityTests(unittest.IsolatedAsyncioTestCase):
    def make(self, style: str, policy: BookIntegrityPolicy) -> tuple[SimExchange, SimDataSource, OrderBookTracker]:
        exchange = SimExchange(style)
        ds = SimDataSource(exchange, policy)
        tracker = OrderBookTracker(ds, [PAIR])
        tracker.FIRST_DIFF_WAIT_SECONDS = 0.5
        tracker._sleep = fast_sleep
        self.addCleanup(tracker.stop)
        return exchange, ds, tracker

    def assert_book_matches(self, exchange: SimExchange, tracker: OrderBookTracker) -> None:
        bids, asks = tracker.order_books[PAIR].snapshot
        exp_bids, exp_asks = exchange.expected()
        self.assertEqual([(r.price, r.amount) for r in bids], exp_bids)
        self.assertEqual([(r.price, r.amount) for r in asks], exp_asks)

    async def start_with_buffered_diffs(self, exchange: SimExchange, ds: SimDataSource, tracker: OrderBookTracker):
        early = [exchange.step() for _ in range(3)]
        for message in early:
            ds.feed(message)
        tracker.start()
        await settle()
        # Diffs before the snapshot are buffered; the snapshot (taken now) contains them; two more arrive later.
        await asyncio.wait_for(tracker.wait_ready(), 2)
        self.assertEqual(ds.snapshot_requests, 1)
        later = [exchange.step() for _ in range(2)]
        for message in later:
            ds.feed(message)
        await settle()
        self.assert_book_matches(exchange, tracker)
        return early + later

    async def run_policy_scenario(self, style: str, policy: BookIntegrityPolicy, detects_gaps: bool = True) -> None:
        exchange, ds, tracker = self.make(style, policy)
        sent = await self.start_with_buffered_diffs(exchange, ds, tracker)
        state_stats = tracker.integrity_stats(PAIR)
        # Duplicate and out-of-order (older) diffs are dropped without a resync.
        ds.feed(sent[-1])
        ds.feed(sent[-2])
        await settle()
        self.assert_book_matches(exchange, tracker)
        self.assertEqual(ds.snapshot_requests, 1)
        self.assertGreaterEqual(tracker.integrity_stats(PAIR)["ignored"], state_stats["ignored"] + 1)
        # A gap: one diff is lost on the way.
        exchange.step()
        for _ in range(3):
            ds.feed(exchange.step())
        await settle()
        if detects_gaps:
            await asyncio.wait_for(tracker._states[PAIR].synced_event.wait(), 2)
            self.assertEqual(ds.snapshot_requests, 2, "exactly one resync")
            self.assertEqual(tracker.integrity_stats(PAIR)["gaps"], 1)
        else:
            self.assertEqual(ds.snapshot_requests, 1, "a policy without ids cannot see the gap")
            # The periodic full snapshot repairs it.
            tracker._order_book_snapshot_stream.put_nowait(exchange.snapshot())
            await settle()
        for _ in range(3):
            ds.feed(exchange.step())
        await settle()
        self.assertTrue(tracker.is_consistent(PAIR))
        self.assert_book_matches(exchange, tracker)

    async def test_first_last_update_id_chain(self) -> None:
        await self.run_policy_scenario("first_last", FirstLastUpdateIdChain())

    async def test_prev_update_id_chain(self) -> None:
        await self.run_policy_scenario("prev", PrevUpdateIdChain())

    async def test_strictly_increasing_sequence(self) -> None:
        await self.run_policy_scenario("seq", StrictlyIncreasingSequence())

    async def test_checksum(self) -> None:
        await self.run_policy_scenario("checksum", Checksum(TOP, book_checksum))

    async def test_no_integrity(self) -> None:
        await self.run_policy_scenario("none", NoIntegrity(), detects_gaps=False)

    async def test_periodic_snapshot_older_than_the_book_replays_the_window_or_resyncs(self) -> None:
        exchange, ds, tracker = self.make("first_last", FirstLastUpdateIdChain())
        await self.start_with_buffered_diffs(exchange, ds, tracker)
        window = tracker.PAST_DIFF_WINDOW_SIZE
        # A snapshot taken PAST_DIFF_WINDOW_SIZE diffs ago: the window holds every diff after it, so they are
        # replayed on top of it, and the book stays served and current without another snapshot.
        older = exchange.snapshot()
        for _ in range(window):
            ds.feed(exchange.step())
        await settle()
        tracker._order_book_snapshot_stream.put_nowait(older)
        self.assertTrue(tracker.is_consistent(PAIR))
        self.assert_book_matches(exchange, tracker)
        self.assertEqual((ds.snapshot_requests, tracker.integrity_stats(PAIR)["gaps"]), (1, 0))
        # One diff older than that: the window no longer reaches it. The replay starts with a gap, so the book is not
        # served until one resync brings it back, equal to the exchange's.
        older = exchange.snapshot()
        for _ in range(window + 1):
            ds.feed(exchange.step())
        await settle()
        tracker._order_book_snapshot_stream.put_nowait(older)
        self.assertFalse(tracker.is_consistent(PAIR))
        await asyncio.wait_for(tracker._states[PAIR].synced_event.wait(), 2)
        self.assertTrue(tracker.is_consistent(PAIR))
        self.assertEqual((ds.snapshot_requests, tracker.integrity_stats(PAIR)["gaps"]), (2, 1))
        self.assert_book_matches(exchange, tracker)

    async def test_corrupted_checksum_resyncs_once_and_book_is_not_served_meanwhile(self) -> None:
        exchange, ds, tracker = self.make("checksum", Checksum(TOP, book_checksum))
        await self.start_with_buffered_diffs(exchange, ds, tracker)
        gate = asyncio.Event()
        original = ds._order_book_snapshot

        async def slow_snapshot(trading_pair: str) -> OrderBookMessage:
            await gate.wait()
            return await original(trading_pair)

        ds._order_book_snapshot = slow_snapshot  # type: ignore[method-assign]
        bad = exchange.step()
        bad.content["checksum"] = (bad.content["checksum"] + 1) & 0x7FFFFFFF
        with self.assertLogs("hbrt.data_type.order_book_tracker", "WARNING") as logs:
            ds.feed(bad)
            ds.feed(exchange.step())  # arrives during the resync: buffered, not a second resync
            await settle()
        self.assertEqual(len([r for r in logs.records if "out of sync" in r.getMessage()]), 1)
        self.assertFalse(tracker.is_consistent(PAIR))
        self.assertNotIn(PAIR, tracker.consistent_order_books)
        with self.assertRaises(OrderBookInconsistentError):
            tracker.order_books[PAIR].get_price(True)
        gate.set()
        await asyncio.wait_for(tracker._states[PAIR].synced_event.wait(), 2)
        ds.feed(exchange.step())
        await settle()
        self.assertEqual(ds.snapshot_requests, 2)
        self.assert_book_matches(exchange, tracker)

    async def test_stale_snapshot_is_retried_until_it_covers_the_buffer(self) -> None:
        exchange, ds, tracker = self.make("first_last", FirstLastUpdateIdChain())
        old_snapshot = exchange.snapshot()
        served = [old_snapshot]
        original = ds._order_book_snapshot

        async def snapshot(trading_pair: str) -> OrderBookMessage:
            if served:
                ds.snapshot_requests += 1
                return served.pop()
            return await original(trading_pair)

        ds._order_book_snapshot = snapshot  # type: ignore[method-assign]
        exchange.step()  # lost before subscribing: the first buffered diff does not straddle the old snapshot
        for _ in range(2):
            ds.feed(exchange.step())
        tracker.start()
        await asyncio.wait_for(tracker.wait_ready(), 2)
        self.assertEqual(ds.snapshot_requests, 2)
        self.assert_book_matches(exchange, tracker)


class TrackerBehaviourTests(unittest.IsolatedAsyncioTestCase):
    async def test_trades_are_applied_and_published(self) -> None:
        exchange = SimExchange("seq")
        ds = SimDataSource(exchange, StrictlyIncreasingSequence())
        tracker = OrderBookTracker(ds, [PAIR])
        tracker._sleep = fast_sleep
        self.addCleanup(tracker.stop)
        ds.feed(exchange.step())
        tracker.start()
        await asyncio.wait_for(tracker.wait_ready(), 2)
        listener = EventLogger()
        tracker.order_books[PAIR].add_listener(OrderBookEvent.TradeEvent, listener)
        trade = OrderBookMessage(
            OrderBookMessageType.TRADE,
            {
                "trading_pair": PAIR,
                "trade_id": 7,
                "trade_type": float(TradeType.SELL.value),
                "price": "1.5",
                "amount": "2",
            },
            1.0,
        )
        ds._message_queue[ds._trade_messages_queue_key].put_nowait(trade)
        await settle()
        self.assertEqual(len(listener.event_log), 1)
        event = listener.event_log[0]
        self.assertEqual(
            (event.type, event.price, event.amount, event.trade_id), (TradeType.SELL, Decimal("1.5"), Decimal(2), "7")
        )
        self.assertEqual(tracker.order_books[PAIR].last_trade_price, Decimal("1.5"))

    async def test_last_trade_price_refreshed_from_rest_when_no_trades(self) -> None:
        exchange = SimExchange("seq")
        ds = SimDataSource(exchange, StrictlyIncreasingSequence())
        tracker = OrderBookTracker(ds, [PAIR])
        clock = [1000.0]
        tracker._time = lambda: clock[0]
        tracker._sleep = fast_sleep
        self.addCleanup(tracker.stop)
        tracker.order_books[PAIR].last_applied_trade = 990.0  # a recent trade: no REST call
        task = asyncio.create_task(tracker._update_last_trade_prices_loop())
        self.addCleanup(task.cancel)
        await settle()
        self.assertEqual(ds.last_price_requests, [])
        clock[0] = 2000.0
        await settle()
        self.assertEqual(ds.last_price_requests[0], [PAIR])
        self.assertEqual(tracker.order_books[PAIR].last_trade_price, Decimal("123.25"))
        requests = len(ds.last_price_requests)
        await settle()
        self.assertEqual(len(ds.last_price_requests), requests, "at most every LAST_TRADE_PRICE_REST_INTERVAL")

    async def test_a_fixed_depth_book_keeps_its_depth_after_every_message(self) -> None:
        """BOOK_KEEP_LEVELS (spec order_book.keep_levels): an exchange publishing a book of fixed depth (Kraken) sends
        no delete for a level pushed below that depth, so the tracker drops the deeper levels after the snapshot and
        after every diff; otherwise the stale level would come back when a better one is removed."""

        def message(kind: OrderBookMessageType, update_id: int, bids: list[Any], asks: list[Any]) -> OrderBookMessage:
            content = {"trading_pair": PAIR, "update_id": update_id, "bids": bids, "asks": asks}
            return OrderBookMessage(kind, content, float(update_id))

        class Depth2:
            def snapshot(self) -> OrderBookMessage:
                # three levels a side: the first message may hold more than the kept depth
                bids = [["100", "1"], ["99", "2"], ["98", "3"]]
                return message(OrderBookMessageType.SNAPSHOT, 1, bids, [["101", "1"], ["102", "2"], ["103", "3"]])

        ds = SimDataSource(Depth2(), StrictlyIncreasingSequence())  # type: ignore[arg-type]
        ds.BOOK_KEEP_LEVELS = 2  # type: ignore[misc]
        tracker = OrderBookTracker(ds, [PAIR])
        tracker.FIRST_DIFF_WAIT_SECONDS = 0.05  # no diff comes before the snapshot here
        tracker._sleep = fast_sleep
        self.addCleanup(tracker.stop)
        tracker.start()
        await asyncio.wait_for(tracker.wait_ready(), 2)

        def levels() -> tuple[list[Decimal], list[Decimal]]:
            bids, asks = tracker.order_books[PAIR].snapshot
            return [row.price for row in bids], [row.price for row in asks]

        self.assertEqual(([Decimal(100), Decimal(99)], [Decimal(101), Decimal(102)]), levels())
        # A better bid and a better ask arrive: 99 and 102 fall below the depth, and no delete is sent for them.
        ds.feed(message(OrderBookMessageType.DIFF, 2, [["100.5", "1"]], [["100.7", "1"]]))
        await settle()
        self.assertEqual(([Decimal("100.5"), Decimal(100)], [Decimal("100.7"), Decimal(101)]), levels())
        # The best levels go: the exchange now sends the level that comes into its depth, never the stale 99 or 102.
        ds.feed(
            message(OrderBookMessageType.DIFF, 3, [["100.5", "0"], ["98.5", "4"]], [["100.7", "0"], ["101.5", "4"]])
        )
        await settle()
        self.assertEqual(([Decimal(100), Decimal("98.5")], [Decimal(101), Decimal("101.5")]), levels())

    async def test_websocket_snapshot_source_and_dynamic_pairs(self) -> None:
        exchange = SimExchange("seq")
        ds = SimDataSource(exchange, StrictlyIncreasingSequence())
        ds.SNAPSHOT_SOURCE = "websocket"  # type: ignore[misc]
        subscribed: list[str] = []

        async def subscribe(pair: str) -> bool:
            subscribed.append(pair)
            return pair != "BAD-PAIR"

        async def unsubscribe(pair: str) -> bool:
            subscribed.remove(pair)
            return True

        ds.subscribe_to_trading_pair = subscribe  # type: ignore[method-assign]
        ds.unsubscribe_from_trading_pair = unsubscribe  # type: ignore[method-assign]
        tracker = OrderBookTracker(ds, [PAIR])
        tracker._sleep = fast_sleep
        self.addCleanup(tracker.stop)
        tracker.start()
        await settle()
        self.assertFalse(tracker.ready)
        self.assertEqual(ds.snapshot_requests, 0, "no REST snapshot for a websocket snapshot source")
        ds._message_queue[ds._snapshot_messages_queue_key].put_nowait(exchange.snapshot())

        async def parse_snapshot(raw: Any, queue: asyncio.Queue) -> None:
            queue.put_nowait(raw)

        ds._parse_order_book_snapshot_message = parse_snapshot  # type: ignore[method-assign]
        await asyncio.wait_for(tracker.wait_ready(), 2)
        ds.feed(exchange.step())
        await settle()
        bids, _ = tracker.order_books[PAIR].snapshot
        self.assertEqual([(r.price, r.amount) for r in bids], exchange.expected()[0])
        self.assertFalse(await tracker.add_trading_pair("BAD-PAIR"))
        self.assertNotIn("BAD-PAIR", tracker.order_books)
        self.assertTrue(await tracker.add_trading_pair("ETH-USDT"))
        self.assertIn("ETH-USDT", tracker.order_books)
        self.assertTrue(await tracker.remove_trading_pair("ETH-USDT"))
        self.assertNotIn("ETH-USDT", tracker.order_books)

    async def test_websocket_snapshot_source_waits_for_the_resubscription_snapshot_after_a_drop(self) -> None:
        """After the stream drops, a websocket-snapshot book is not served, and the resync takes the snapshot the new
        subscription pushes instead of asking for one (a resubscription would cost another round trip)."""
        exchange = SimExchange("seq")
        ds = SimDataSource(exchange, StrictlyIncreasingSequence())
        ds.SNAPSHOT_SOURCE = "websocket"  # type: ignore[misc]
        requested: list[str] = []

        async def request_snapshot(pair: str) -> bool:
            requested.append(pair)
            return True

        async def parse_snapshot(raw: Any, queue: asyncio.Queue) -> None:
            queue.put_nowait(raw)

        ds.request_websocket_snapshot = request_snapshot  # type: ignore[method-assign]
        ds._parse_order_book_snapshot_message = parse_snapshot  # type: ignore[method-assign]
        tracker = OrderBookTracker(ds, [PAIR])
        tracker._sleep = fast_sleep
        self.addCleanup(tracker.stop)
        tracker.start()
        await settle()
        ds._message_queue[ds._snapshot_messages_queue_key].put_nowait(exchange.snapshot())
        await asyncio.wait_for(tracker.wait_ready(), 2)
        ds._book_stream_interrupted(None, "connection lost (test)")
        self.assertFalse(tracker.ready)
        with self.assertRaises(OrderBookInconsistentError):
            tracker.order_books[PAIR].get_price(True)
        self.assertIn("connection lost (test)", tracker.unavailable_reason(PAIR) or "")
        ds.feed(exchange.step())  # a late diff of the old stream: buffered, then superseded
        await settle()
        self.assertFalse(tracker.is_consistent(PAIR))
        ds._book_stream_resumed(None)
        await settle()
        ds._message_queue[ds._snapshot_messages_queue_key].put_nowait(exchange.snapshot())
        await asyncio.wait_for(tracker.wait_ready(), 2)
        self.assertEqual([], requested)
        ds.feed(exchange.step())
        await settle()
        bids, asks = tracker.order_books[PAIR].snapshot
        self.assertEqual(
            exchange.expected(), ([(r.price, r.amount) for r in bids], [(r.price, r.amount) for r in asks])
        )
        self.assertEqual(1, tracker.integrity_stats(PAIR)["disconnects"])


if __name__ == "__main__":
    unittest.main()

"""Books under faults, over real loopback sockets (issue 16, items 1 and 2).

A :class:`~hbrt.testing.loopback_market.LoopbackMarketServer` plays a Binance-like exchange (REST depth snapshot,
``depthUpdate`` diffs with ``U``/``u`` ids on a websocket) and the test injects the faults: a dropped connection,
diffs swapped or repeated, diffs lost while the rate budget is short. The data source is the Binance-like test data
source on a real aiohttp session and a real ``AsyncThrottler``; the tracker is the runtime's.
"""

from __future__ import annotations

import asyncio
import time
import unittest
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from hbrt.api_throttler.async_throttler import AsyncThrottler
from hbrt.api_throttler.data_types import LinkedLimitWeightPair, RateLimit
from hbrt.data_type.order_book import OrderBookInconsistentError
from hbrt.data_type.order_book_tracker import OrderBookTracker
from hbrt.testing.loopback_market import LoopbackMarketServer
from hbrt.web_assistant.web_assistants_factory import WebAssistantsFactory

from .binance_like import BinanceLikeOrderBookDataSource

PAIR = "COINALPHA-HBOT"
SYMBOL = "COINALPHAHBOT"


class Exchange:
    """The true book and its diff stream (``U``/``u`` update ids, one id per diff)."""

    def __init__(self) -> None:
        self.bids = {f"{100 - i}.00": "1" for i in range(1, 6)}
        self.asks = {f"{100 + i}.00": "1" for i in range(1, 6)}
        self.update_id = 1000
        self.count = 0

    def snapshot(self) -> dict[str, Any]:
        bids = sorted(self.bids.items(), key=lambda kv: -Decimal(kv[0]))
        asks = sorted(self.asks.items(), key=lambda kv: Decimal(kv[0]))
        return {"lastUpdateId": self.update_id, "bids": [list(r) for r in bids], "asks": [list(r) for r in asks]}

    def step(self) -> dict[str, Any]:
        self.count += 1
        self.update_id += 1
        bid = f"{99 - self.count % 4}.00"
        ask = f"{101 + self.count % 4}.00"
        amount = str(self.count)
        self.bids[bid] = amount
        self.asks[ask] = amount
        return {"e": "depthUpdate", "E": self.update_id, "s": SYMBOL, "U": self.update_id, "u": self.update_id,
                "b": [[bid, amount]], "a": [[ask, amount]]}  # fmt: skip

    def best(self) -> tuple[Decimal, Decimal]:
        return max(map(Decimal, self.bids)), min(map(Decimal, self.asks))


def make_throttler(weight_limit: int = 6000, interval: float = 60.0) -> AsyncThrottler:
    """Binance-like pools: snapshots weigh 100 of ``weight_limit``, ticker calls 1."""
    return AsyncThrottler(
        [
            RateLimit("REQUEST_WEIGHT", weight_limit, interval),
            RateLimit("depth", 1000, interval, linked_limits=[LinkedLimitWeightPair("REQUEST_WEIGHT", 100)]),
            RateLimit("ticker", 1000, interval, linked_limits=[LinkedLimitWeightPair("REQUEST_WEIGHT", 1)]),
        ]
    )


class BudgetedDataSource(BinanceLikeOrderBookDataSource):
    """The test data source, telling the tracker its snapshot's throttler and limit id (as generated ones do)."""

    def _snapshot_budget(self) -> tuple[object, str] | None:
        return self._api_factory.throttler, "depth"


async def until(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


class BookFaultTests(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.exchange = Exchange()
        self.server = LoopbackMarketServer()
        await self.server.start()
        self.server.set_rest("/api/v3/depth", lambda request: self.exchange.snapshot())
        self.server.on_message = lambda message: {"result": None, "id": message.get("id")}

    async def start_tracker(self, throttler: AsyncThrottler | None = None) -> None:
        self.factory = WebAssistantsFactory(throttler=throttler or make_throttler())
        self.ds = BudgetedDataSource(
            [PAIR], self.factory, rest_url=f"{self.server.rest_url}/api/v3/", ws_url=self.server.ws_url
        )
        # The reconnect wait is the test's to end: a book must not be served during it.
        self.reconnect = asyncio.Event()

        async def reconnect_wait(_: float) -> None:
            await self.reconnect.wait()
            self.reconnect.clear()

        self.ds._sleep = reconnect_wait
        self.tracker = OrderBookTracker(self.ds, [PAIR])
        self.tracker.FIRST_DIFF_WAIT_SECONDS = 1.0
        self.book = self.tracker.order_books[PAIR]
        self.tracker.start()
        await until(lambda: self.server.open_connections == 1)
        await until(lambda: len(self.server.received) >= 1)  # subscribed
        await self.server.send(self.exchange.step())
        await asyncio.wait_for(self.tracker.wait_ready(), 3)

    async def asyncTearDown(self) -> None:
        tracker = getattr(self, "tracker", None)
        if tracker is not None:
            tracker.stop()
            await asyncio.sleep(0)
            await self.factory.close()
        await self.server.close()

    def caught_up(self) -> bool:
        """The book is served and holds the exchange's latest update (from a diff or a snapshot)."""
        state = self.tracker._states[PAIR]
        return self.tracker.is_consistent(PAIR) and state.last_update_id == self.exchange.update_id

    async def stream(self, count: int) -> None:
        for _ in range(count):
            await self.server.send(self.exchange.step())
        await until(self.caught_up)

    def assert_served_and_true(self) -> None:
        self.assertTrue(self.tracker.is_consistent(PAIR))
        self.assertEqual((self.book.get_price(False), self.book.get_price(True)), self.exchange.best())
        bids = [(str(r.price), str(r.amount)) for r in self.book.bid_entries()]
        self.assertEqual(bids, [tuple(r) for r in self.exchange.snapshot()["bids"]])

    def assert_not_served(self) -> None:
        with self.assertRaises(OrderBookInconsistentError):
            self.book.get_price(True)
        with self.assertRaises(OrderBookInconsistentError):
            self.book.get_price_for_volume(False, Decimal(1))
        self.assertFalse(self.tracker.ready)

    async def test_a_dropped_connection_is_not_served_until_the_new_one_resyncs(self) -> None:
        await self.start_tracker()
        await self.stream(3)
        self.assert_served_and_true()
        await self.server.drop()
        # From the moment the client sees the close, and all through the reconnect wait, the book is not served.
        await until(lambda: not self.tracker.is_consistent(PAIR))
        self.assert_not_served()
        reason = self.tracker.unavailable_reason(PAIR) or ""
        self.assertIn("interrupted", reason)
        self.assertEqual({PAIR: reason}, self.tracker.unavailable_books())
        for _ in range(3):  # the exchange moves on meanwhile; still not served while disconnected
            self.exchange.step()
        await asyncio.sleep(0.1)
        self.assert_not_served()
        self.assertEqual(1, self.server.requests["/api/v3/depth"], "no snapshot before the new connection")
        self.reconnect.set()
        await until(lambda: self.server.open_connections == 1)
        await until(lambda: len(self.server.received) >= 2)  # resubscribed
        self.assert_not_served()  # subscribed is not yet consistent
        await self.stream(2)  # the first diff lets the resync fetch a snapshot newer than the buffer's start
        self.assert_served_and_true()
        self.assertTrue(self.tracker.ready)
        self.assertEqual(2, self.server.requests["/api/v3/depth"])
        stats = self.tracker.integrity_stats(PAIR)
        self.assertEqual(1, stats["disconnects"])
        self.assertGreater(stats["unavailable_ms"], 100)

    async def test_swapped_diffs_are_put_back_in_order_without_a_snapshot(self) -> None:
        await self.start_tracker()
        await self.stream(2)
        first, second = self.exchange.step(), self.exchange.step()
        await self.server.send(second)
        await until(lambda: not self.tracker.is_consistent(PAIR))
        self.assert_not_served()  # behind the stream while it waits for the missing diff
        self.assertIn("out of order", self.tracker.unavailable_reason(PAIR) or "")
        await self.server.send(first)
        await until(lambda: self.tracker.is_consistent(PAIR))
        await self.stream(2)
        self.assert_served_and_true()
        stats = self.tracker.integrity_stats(PAIR)
        self.assertEqual((1, 0), (stats["reordered"], stats["gaps"]))
        self.assertEqual(1, self.server.requests["/api/v3/depth"])

    async def test_duplicates_are_dropped_without_a_resync(self) -> None:
        await self.start_tracker()
        diffs = [self.exchange.step() for _ in range(3)]
        for diff in diffs:
            await self.server.send(diff)
            await self.server.send(diff)
        await self.server.send(diffs[0])
        await until(self.caught_up)
        await self.stream(1)
        self.assert_served_and_true()
        stats = self.tracker.integrity_stats(PAIR)
        self.assertEqual((4, 0, 0), (stats["ignored"], stats["gaps"], stats["reordered"]))
        self.assertEqual(1, self.server.requests["/api/v3/depth"])

    async def test_a_lost_diff_resyncs_once_after_the_reordering_window(self) -> None:
        await self.start_tracker()
        self.tracker.REORDER_WINDOW_SECONDS = 0.05
        await self.stream(2)
        self.exchange.step()  # lost on the way
        with self.assertLogs("hbrt.data_type.order_book_tracker", "WARNING") as logs:
            for _ in range(3):  # three more gaps' worth of diffs while the first resync runs
                await self.server.send(self.exchange.step())
            await until(lambda: self.tracker.integrity_stats(PAIR)["gaps"] == 1)
        self.assertIn("update id gap not filled within 0.05 s", logs.output[0])
        await until(lambda: self.tracker.is_consistent(PAIR))
        await self.stream(1)
        self.assert_served_and_true()
        self.assertEqual(2, self.server.requests["/api/v3/depth"], "one resync, coalesced")

    async def test_resync_waits_for_the_rate_budget_without_holding_up_other_requests(self) -> None:
        throttler = make_throttler(weight_limit=400, interval=1.0)
        await self.start_tracker(throttler)
        self.tracker.REORDER_WINDOW_SECONDS = 0.05
        await self.stream(1)
        for _ in range(2):  # the budget is spent by other snapshot calls (two more pairs, say)
            async with throttler.execute_task("depth"):
                pass
        self.exchange.step()  # lost
        await self.server.send(self.exchange.step())
        await until(lambda: "request weight" in (self.tracker.unavailable_reason(PAIR) or ""))
        self.assert_not_served()
        started = time.perf_counter()
        async with throttler.execute_task("ticker"):  # an order or a poll meanwhile is not queued behind it
            waited = time.perf_counter() - started
        self.assertLess(waited, 0.2)
        self.assertEqual(1, self.server.requests["/api/v3/depth"])
        await self.server.send(self.exchange.step())  # more diffs while waiting: still one resync
        await until(lambda: self.tracker.is_consistent(PAIR), timeout=5)
        self.assert_served_and_true()
        self.assertEqual(2, self.server.requests["/api/v3/depth"])
        self.assertEqual(1, self.tracker.integrity_stats(PAIR)["gaps"])


if __name__ == "__main__":
    unittest.main()

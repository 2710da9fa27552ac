"""Behaviour of hbrt.api_throttler.AsyncThrottler, driven by a fake clock (no real waiting)."""

from __future__ import annotations

import asyncio
import random
import unittest
from collections import deque
from typing import Any
from unittest import mock

import hbrt.api_throttler.async_throttler as throttler_module
from hbrt.api_throttler import (
    DEFAULT_WEIGHT,
    AsyncThrottler,
    LinkedLimitWeightPair,
    RateLimit,
    UnknownLimitIdError,
)


class FakeClock:
    """A clock that only moves when told to; ``sleep`` advances it by the requested delay and yields once."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)
        self.now += delay
        await asyncio.sleep(0)


def make_throttler(limits: list[RateLimit], clock: FakeClock, **kwargs: Any) -> AsyncThrottler:
    kwargs.setdefault("safety_margin_pct", 0.0)
    return AsyncThrottler(limits, time_provider=clock, sleep=clock.sleep, **kwargs)


def pool_weights(limits: list[RateLimit]) -> dict[str, dict[str, int]]:
    """Independent restatement of the spec: limit id -> {pool id: weight one call takes}, links one level deep."""
    ids = {rl.limit_id for rl in limits}
    table: dict[str, dict[str, int]] = {}
    for rl in limits:
        weights = {rl.limit_id: rl.weight}
        for pair in rl.linked_limits:
            if pair.limit_id in ids:
                weights[pair.limit_id] = weights.get(pair.limit_id, 0) + pair.weight
        table[rl.limit_id] = weights
    return table


def window_violations(
    grants: list[tuple[float, str]], limits: list[RateLimit], margin: float = 0.0, share_pct: float = 100.0
) -> dict[str, tuple[int, int]]:
    """For every pool, compare the heaviest window of length interval*(1+margin) with the (scaled) limit."""
    table = pool_weights(limits)
    per_pool: dict[str, list[tuple[float, int]]] = {rl.limit_id: [] for rl in limits}
    for at, limit_id in grants:
        for pool_id, weight in table[limit_id].items():
            per_pool[pool_id].append((at, weight))
    bad: dict[str, tuple[int, int]] = {}
    for rl in limits:
        cap = max(1, int(rl.limit * share_pct // 100))
        used = sliding_max(per_pool[rl.limit_id], rl.time_interval * (1 + margin))
        if used > cap:
            bad[rl.limit_id] = (used, cap)
    return bad


def sliding_max(events: list[tuple[float, int]], length: float) -> int:
    """Largest total weight in any window [t, t + length) whose start t is an event time (two pointers, O(n))."""
    events = sorted(events)
    best = total = 0
    end = 0
    for start in range(len(events)):
        while end < len(events) and events[end][0] < events[start][0] + length:
            total += events[end][1]
            end += 1
        best = max(best, total)
        total -= events[start][1]
    return best


BURST_LIMITS = [
    RateLimit("P1", 20, 1.0),
    RateLimit("P2", 60, 5.0),
    RateLimit("P3", 400, 60.0),
    RateLimit("P4", 3, 0.5),
    RateLimit("/a", 1000, 1.0, linked_limits=[LinkedLimitWeightPair("P1", 2), LinkedLimitWeightPair("P2", 1)]),
    RateLimit("/b", 8, 2.0, linked_limits=[LinkedLimitWeightPair("P1", 1), LinkedLimitWeightPair("P3", 3)]),
    RateLimit(
        "/c",
        1000,
        10.0,
        weight=2,
        linked_limits=[LinkedLimitWeightPair("P2", 5), LinkedLimitWeightPair("P3", 1), LinkedLimitWeightPair("P4")],
    ),
    RateLimit("/d", 50, 3.0, linked_limits=[LinkedLimitWeightPair("/b", 1)]),  # links an endpoint, not its links
]


class SlidingMaxHelperTests(unittest.TestCase):
    def test_sliding_max_detects_an_overfull_window(self) -> None:
        events = [(0.0, 1), (0.5, 1), (0.99, 1), (1.0, 1), (1.5, 1)]
        self.assertEqual(3, sliding_max(events, 1.0))
        self.assertEqual(4, sliding_max(events, 1.01))
        self.assertEqual(5, sliding_max(events, 2.0))

    def test_violation_checker_flags_a_bad_schedule(self) -> None:
        grants = [(0.0, "P4"), (0.1, "P4"), (0.2, "P4"), (0.3, "P4")]
        self.assertEqual({"P4": (4, 3)}, window_violations(grants, BURST_LIMITS))
        self.assertEqual({}, window_violations(grants[:3], BURST_LIMITS))


async def run_bursts(
    seed: int, count: int, margin: float, share_pct: float | None
) -> tuple[list[tuple[float, str]], list[int], FakeClock]:
    """Issue ``count`` calls to random ids in random bursts; return grants (time, id), admission order, clock."""
    rng = random.Random(seed)
    clock = FakeClock()
    throttler = make_throttler(BURST_LIMITS, clock, safety_margin_pct=margin, limits_share_percentage=share_pct)
    ids = [rl.limit_id for rl in BURST_LIMITS]
    grants: list[tuple[float, str]] = []
    order: list[int] = []

    async def call(index: int, limit_id: str) -> None:
        async with throttler.execute_task(limit_id):
            grants.append((clock.now, limit_id))
            order.append(index)

    tasks = []
    for index in range(count):
        if rng.random() < 0.3:  # otherwise: same instant as the previous call (a burst)
            clock.now += rng.expovariate(1 / 0.2)
        tasks.append(asyncio.create_task(call(index, rng.choice(ids))))
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    return grants, order, clock


class RandomBurstTests(unittest.TestCase):
    """Thousands of calls; run with plain ``asyncio.run`` because asyncio debug mode would make them slow."""

    def test_random_bursts_never_overfill_any_window_and_keep_fifo(self) -> None:
        grants, order, clock = asyncio.run(run_bursts(seed=20240521, count=3000, margin=0.0, share_pct=None))
        self.assertEqual(3000, len(grants))
        self.assertEqual({}, window_violations(grants, BURST_LIMITS))
        self.assertEqual(list(range(3000)), order, "calls must be admitted in arrival order")
        self.assertGreater(len(clock.sleeps), 300, "the scenario must actually saturate pools")

    def test_random_bursts_with_margin_and_share_respect_scaled_limits_over_longer_windows(self) -> None:
        grants, order, _ = asyncio.run(run_bursts(seed=7, count=2000, margin=0.05, share_pct=50))
        self.assertEqual({}, window_violations(grants, BURST_LIMITS, margin=0.05, share_pct=50))
        self.assertEqual(list(range(2000)), order)


class AsyncThrottlerTests(unittest.IsolatedAsyncioTestCase):
    async def test_waiting_call_sleeps_once_until_the_blocking_record_expires(self) -> None:
        clock = FakeClock(start=0.0)
        throttler = make_throttler([RateLimit("A", 2, 10.0)], clock)
        async with throttler.execute_task("A"):
            pass
        clock.now = 3.0
        async with throttler.execute_task("A"):
            pass
        clock.now = 4.0
        async with throttler.execute_task("A"):
            granted_at = clock.now
        self.assertEqual(1, len(clock.sleeps), "no polling: one sleep computed from the oldest record")
        self.assertAlmostEqual(6.0, clock.sleeps[0], delta=1e-5)
        self.assertGreater(granted_at, 10.0)
        self.assertLess(granted_at, 10.0 + 1e-5)

    async def test_wait_frees_enough_weight_for_a_heavy_call(self) -> None:
        clock = FakeClock(start=0.0)
        limits = [
            RateLimit("W", 10, 60.0),
            RateLimit("/heavy", 100, 60.0, linked_limits=[LinkedLimitWeightPair("W", 6)]),
        ]
        throttler = make_throttler(limits, clock)
        for at in (0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0):
            clock.now = at
            async with throttler.execute_task("W"):
                pass
        clock.now = 10.0
        async with throttler.execute_task("/heavy"):
            granted_at = clock.now
        # 6 units must expire: the records from t=0..5, the last of which leaves the window just after t=65.
        self.assertAlmostEqual(65.0, granted_at, delta=1e-5)
        self.assertEqual(1, len(clock.sleeps))

    async def test_safety_margin_lengthens_the_window(self) -> None:
        for margin, expected in ((0.0, 10.0), (0.05, 10.5), (0.2, 12.0)):
            clock = FakeClock(start=0.0)
            throttler = make_throttler([RateLimit("A", 1, 10.0)], clock, safety_margin_pct=margin)
            async with throttler.execute_task("A"):
                pass
            clock.now = 10.2
            async with throttler.execute_task("A"):
                granted_at = clock.now
            self.assertAlmostEqual(max(expected, 10.2), granted_at, delta=1e-5, msg=f"margin {margin}")

    async def test_default_safety_margin_is_five_percent(self) -> None:
        clock = FakeClock(start=0.0)
        throttler = AsyncThrottler([RateLimit("A", 1, 60.0)], time_provider=clock, sleep=clock.sleep)
        self.assertEqual(0.05, throttler.safety_margin_pct)
        async with throttler.execute_task("A"):
            pass
        clock.now = 62.9
        async with throttler.execute_task("A"):
            self.assertAlmostEqual(63.0, clock.now, delta=1e-5)

    async def test_share_percentage_scales_limits_down_to_at_least_one(self) -> None:
        clock = FakeClock(start=0.0)
        limits = [RateLimit("A", 10, 1.0), RateLimit("B", 3, 1.0), RateLimit("C", 6000, 60.0)]
        throttler = make_throttler(limits, clock, limits_share_percentage=25)
        scaled = {rl.limit_id: rl.limit for rl in throttler.rate_limits}
        self.assertEqual({"A": 2, "B": 1, "C": 1500}, scaled)
        self.assertTrue(all(type(limit) is int for limit in scaled.values()))
        self.assertEqual(25, throttler.limits_share_percentage)
        self.assertEqual(10, limits[0].limit, "the caller's RateLimit objects are not modified")
        odd = make_throttler([RateLimit("D", 6000, 60.0)], clock, limits_share_percentage=33.3)
        self.assertEqual(1998, odd.rate_limits[0].limit)
        for _ in range(2):
            async with throttler.execute_task("A"):
                pass
        self.assertEqual([], clock.sleeps)
        async with throttler.execute_task("A"):
            pass
        self.assertEqual(1, len(clock.sleeps), "third call inside one second must wait with a 25 % share")
        self.assertEqual(100, make_throttler(limits, clock).limits_share_percentage)

    async def test_unknown_limit_id_raises_at_once_with_known_ids(self) -> None:
        clock = FakeClock()
        throttler = make_throttler([RateLimit("/time", 10, 1.0), RateLimit("/depth", 10, 1.0)], clock)
        with self.assertRaises(UnknownLimitIdError) as caught:
            throttler.execute_task("/nope")  # raised by execute_task itself, before any await
        error = caught.exception
        self.assertIsInstance(error, KeyError)
        self.assertEqual("/nope", error.limit_id)
        text = str(error)
        self.assertIn("'/nope'", text)
        self.assertIn("Known ids (2): '/depth', '/time'", text)
        self.assertFalse(text.startswith('"'), "message is readable, not a repr")

    def test_unknown_limit_id_message_is_truncated_for_many_ids(self) -> None:
        clock = FakeClock()
        throttler = make_throttler([RateLimit(f"id{i:03d}", 10, 1.0) for i in range(50)], clock)
        with self.assertRaises(KeyError) as caught:
            throttler.execute_task("missing")
        text = str(caught.exception)
        self.assertIn("Known ids (50): 'id000', 'id001'", text)
        self.assertIn("'id019', ... and 30 more", text)
        self.assertNotIn("id020", text)

    async def test_fifo_across_ids_sharing_a_pool_and_head_of_line_blocking(self) -> None:
        clock = FakeClock(start=0.0)
        gate = asyncio.Event()

        async def gated_sleep(delay: float) -> None:  # time stands still until every call is queued
            await gate.wait()
            await clock.sleep(delay)

        limits = [
            RateLimit("POOL", 2, 10.0),
            RateLimit("OTHER", 100, 10.0),
            RateLimit("/a", 100, 10.0, linked_limits=[LinkedLimitWeightPair("POOL")]),
            RateLimit("/b", 100, 10.0, linked_limits=[LinkedLimitWeightPair("POOL")]),
            RateLimit("/free", 100, 10.0, linked_limits=[LinkedLimitWeightPair("OTHER")]),
        ]
        throttler = AsyncThrottler(limits, safety_margin_pct=0.0, time_provider=clock, sleep=gated_sleep)
        for _ in range(2):
            async with throttler.execute_task("/a"):
                pass
        admitted: list[tuple[str, float]] = []

        async def call(name: str, limit_id: str) -> None:
            async with throttler.execute_task(limit_id):
                admitted.append((name, clock.now))

        names = [("b1", "/b"), ("a1", "/a"), ("free", "/free"), ("b2", "/b"), ("a2", "/a")]
        tasks = []
        for name, limit_id in names:
            tasks.append(asyncio.create_task(call(name, limit_id)))
            await asyncio.sleep(0)
        self.assertEqual(5, throttler.waiting_calls)
        gate.set()
        await asyncio.gather(*tasks)
        self.assertEqual([n for n, _ in names], [n for n, _ in admitted])
        times = dict(admitted)
        # "free" needs nothing from POOL but, strictly FIFO, it waits behind a1 (documented head-of-line blocking).
        self.assertAlmostEqual(10.0, times["free"], delta=1e-5)
        self.assertAlmostEqual(20.0, times["a2"], delta=1e-5)
        self.assertEqual(0, throttler.waiting_calls)

    async def test_cancelled_waiters_leave_the_queue_and_hand_over(self) -> None:
        clock = FakeClock(start=0.0)
        gate = asyncio.Event()

        async def gated_sleep(delay: float) -> None:  # the head blocks until the test lets time move
            await gate.wait()
            clock.now += delay

        throttler = AsyncThrottler(
            [RateLimit("A", 1, 10.0)], safety_margin_pct=0.0, time_provider=clock, sleep=gated_sleep
        )
        async with throttler.execute_task("A"):
            pass
        admitted: list[str] = []

        async def call(name: str) -> None:
            async with throttler.execute_task("A"):
                admitted.append(name)

        head, middle, last = (asyncio.create_task(call(n)) for n in ("head", "middle", "last"))
        await asyncio.sleep(0)
        self.assertEqual(3, throttler.waiting_calls)
        middle.cancel()
        head.cancel()
        await asyncio.gather(head, middle, return_exceptions=True)
        self.assertTrue(head.cancelled() and middle.cancelled())
        self.assertEqual(1, throttler.waiting_calls)
        gate.set()
        await last
        self.assertEqual(["last"], admitted)
        self.assertEqual(0, throttler.waiting_calls)

    async def test_check_and_record_are_atomic_under_contention(self) -> None:
        clock = FakeClock(start=0.0)
        blocked = asyncio.Event()

        async def never(delay: float) -> None:
            blocked.set()
            await asyncio.Event().wait()

        throttler = AsyncThrottler([RateLimit("A", 5, 1.0)], time_provider=clock, sleep=never)
        admitted = 0

        async def call() -> None:
            nonlocal admitted
            async with throttler.execute_task("A"):
                admitted += 1

        tasks = [asyncio.create_task(call()) for _ in range(20)]
        await blocked.wait()
        for _ in range(5):
            await asyncio.sleep(0)
        self.assertEqual(5, admitted)
        self.assertEqual(15, throttler.waiting_calls)
        self.assertEqual({"A": 5}, dict(throttler.used_capacity))
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.assertEqual(0, throttler.waiting_calls)

    async def test_links_are_one_level_deep_and_weights_are_applied(self) -> None:
        clock = FakeClock()
        limits = [
            RateLimit("C", 100, 60.0),
            RateLimit("B", 100, 60.0, weight=2, linked_limits=[LinkedLimitWeightPair("C", 7)]),
            RateLimit("A", 100, 60.0, weight=3, linked_limits=[LinkedLimitWeightPair("B", 5)]),
            RateLimit("X", 100, 60.0, linked_limits=[LinkedLimitWeightPair("unregistered", 9)]),
        ]
        throttler = make_throttler(limits, clock)
        async with throttler.execute_task("A"):
            pass
        self.assertEqual({"C": 0, "B": 5, "A": 3, "X": 0}, dict(throttler.used_capacity))
        async with throttler.execute_task("X"):
            pass
        self.assertEqual(1, throttler.used_capacity["X"])
        primary, related = throttler.get_related_limits("A")
        assert primary is not None
        self.assertEqual("A", primary.limit_id)
        self.assertEqual([("B", 5)], [(rl.limit_id, w) for rl, w in related])
        self.assertEqual((None, []), throttler.get_related_limits("nope"))
        self.assertEqual(1, DEFAULT_WEIGHT)
        self.assertEqual(1, LinkedLimitWeightPair("C").weight)

    async def test_time_until_available_answers_without_queueing_and_keeps_the_reserve(self) -> None:
        clock = FakeClock()
        limits = [
            RateLimit("W", 300, 10.0),
            RateLimit("depth", 1000, 10.0, linked_limits=[LinkedLimitWeightPair("W", 100)]),
            RateLimit("order", 1000, 10.0, linked_limits=[LinkedLimitWeightPair("W", 1)]),
        ]
        throttler = make_throttler(limits, clock)
        self.assertEqual(0.0, throttler.time_until_available("depth"))
        async with throttler.execute_task("depth"):  # at t=0
            pass
        clock.now += 4.0
        async with throttler.execute_task("depth"):  # at t=4: 200 of 300 used
            pass
        self.assertEqual(0.0, throttler.time_until_available("depth"))  # 300 fits exactly
        # Keeping 10% (30) free for others: 200 + 100 + 30 > 300 until the first record expires at t=10.
        self.assertAlmostEqual(6.0, throttler.time_until_available("depth", reserve=0.1), places=4)
        self.assertEqual(
            (0, {"W": 200, "depth": 2, "order": 0}), (throttler.waiting_calls, dict(throttler.used_capacity))
        )
        async with throttler.execute_task("depth"):  # 300 of 300: full
            pass
        self.assertAlmostEqual(6.0, throttler.time_until_available("depth"), places=4)
        self.assertAlmostEqual(6.0, throttler.time_until_available("order"), places=4)
        clock.now += 6.0 + 1e-3
        self.assertEqual(0.0, throttler.time_until_available("order"))
        with self.assertRaises(ValueError):
            throttler.time_until_available("depth", reserve=1.0)
        with self.assertRaises(UnknownLimitIdError):
            throttler.time_until_available("nope")

    async def test_time_until_available_is_never_zero_while_calls_are_queued(self) -> None:
        clock = FakeClock()
        throttler = make_throttler([RateLimit("A", 1, 5.0), RateLimit("B", 10, 5.0)], clock)
        async with throttler.execute_task("A"):
            pass
        waiter = asyncio.create_task(throttler.execute_task("A").acquire())
        await asyncio.sleep(0)
        self.assertEqual(1, throttler.waiting_calls)
        self.assertGreater(throttler.time_until_available("B"), 0.0)  # B has room, but the queue goes first
        await waiter

    async def test_exit_does_not_return_capacity(self) -> None:
        clock = FakeClock(start=0.0)
        throttler = make_throttler([RateLimit("A", 1, 5.0)], clock)
        async with throttler.execute_task("A"):
            pass
        self.assertEqual(1, throttler.used_capacity["A"])
        async with throttler.execute_task("A"):
            granted_at = clock.now
        self.assertAlmostEqual(5.0, granted_at, delta=1e-5)

    async def test_used_capacity_is_read_only_and_expires(self) -> None:
        clock = FakeClock(start=0.0)
        throttler = make_throttler([RateLimit("A", 10, 5.0)], clock)
        async with throttler.execute_task("A"):
            pass
        view = throttler.used_capacity
        with self.assertRaises(TypeError):
            view["A"] = 0  # type: ignore[index]
        clock.now = 5.5
        self.assertEqual(0, throttler.used_capacity["A"])
        self.assertEqual(0, throttler.logged_records["A"])

    async def test_call_heavier_than_a_whole_pool_fails_instead_of_waiting_forever(self) -> None:
        clock = FakeClock()
        limits = [
            RateLimit("W", 6000, 60.0),
            RateLimit("/depth", 10, 60.0, linked_limits=[LinkedLimitWeightPair("W", 100)]),
        ]
        throttler = make_throttler(limits, clock, limits_share_percentage=1)  # W becomes 60 < 100
        with self.assertRaisesRegex(ValueError, "'/depth' needs 100 from pool 'W', whose limit is only 60"):
            throttler.execute_task("/depth")
        throttler.set_rate_limits(
            limits[:1] + [RateLimit("/depth", 10, 60.0, linked_limits=[LinkedLimitWeightPair("W", 50)])]
        )
        async with throttler.execute_task("/depth"):
            pass
        self.assertEqual(50, throttler.used_capacity["W"])

    async def test_waiting_is_logged_at_most_once_per_30_seconds(self) -> None:
        clock = FakeClock(start=0.0)
        throttler = make_throttler([RateLimit("A", 1, 10.0)], clock)
        with self.assertLogs("hbrt.api_throttler.async_throttler", level="INFO") as logs:
            for _ in range(6):  # admitted at 0, 10, 20, 30, 40, 50: waits start at 0, 10, ..., 40
                async with throttler.execute_task("A"):
                    pass
        self.assertEqual(2, len(logs.records), [r.getMessage() for r in logs.records])
        self.assertIn("Rate limit A is at capacity (1 of 1", logs.records[0].getMessage())

    async def test_add_and_set_rate_limits(self) -> None:
        clock = FakeClock(start=0.0)
        throttler = make_throttler([RateLimit("A", 1, 10.0)], clock)
        async with throttler.execute_task("A"):
            pass
        throttler.add_rate_limits(
            [RateLimit("A", 99, 10.0), RateLimit("B", 1, 10.0, linked_limits=[LinkedLimitWeightPair("A")])]
        )
        self.assertEqual({"A": 1, "B": 1}, {rl.limit_id: rl.limit for rl in throttler.rate_limits})
        self.assertEqual(1, throttler.used_capacity["A"], "adding limits keeps the records of existing pools")
        throttler.set_rate_limits([RateLimit("A", 2, 10.0)])
        self.assertEqual(["A"], [rl.limit_id for rl in throttler.rate_limits])
        with self.assertRaises(UnknownLimitIdError):
            throttler.execute_task("B")
        async with throttler.execute_task("A"):
            pass
        self.assertEqual([], clock.sleeps, "raised limit admits the second call at once")
        self.assertEqual(2, throttler.used_capacity["A"])

    async def test_set_rate_limits_wakes_a_waiting_call(self) -> None:
        clock = FakeClock(start=0.0)
        release = asyncio.Event()
        sleeps: list[float] = []

        async def slow_sleep(delay: float) -> None:  # would only return when the test says so
            sleeps.append(delay)
            await release.wait()
            clock.now += delay

        throttler = AsyncThrottler(
            [RateLimit("A", 1, 3600.0)], safety_margin_pct=0.0, time_provider=clock, sleep=slow_sleep, max_sleep=7200
        )
        async with throttler.execute_task("A"):
            pass
        waiter = asyncio.create_task(self._enter(throttler, "A", clock))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        self.assertFalse(waiter.done())
        self.assertEqual(1, len(sleeps))
        self.assertAlmostEqual(3600.0, sleeps[0], delta=1e-5)
        clock.now = 2.5
        throttler.set_rate_limits([RateLimit("A", 5, 3600.0)])
        self.assertEqual(2.5, await asyncio.wait_for(waiter, 1.0))
        self.assertFalse(release.is_set())

    async def test_max_sleep_bounds_a_single_sleep(self) -> None:
        clock = FakeClock(start=0.0)
        throttler = make_throttler([RateLimit("A", 1, 10.0)], clock, max_sleep=3.0)
        async with throttler.execute_task("A"):
            pass
        async with throttler.execute_task("A"):
            pass
        self.assertEqual(4, len(clock.sleeps))
        self.assertTrue(all(delay <= 3.0 for delay in clock.sleeps))
        self.assertAlmostEqual(10.0, sum(clock.sleeps), delta=1e-5)

    @staticmethod
    async def _enter(throttler: AsyncThrottler, limit_id: str, clock: FakeClock) -> float:
        async with throttler.execute_task(limit_id):
            return clock.now


class CountingDeque(deque):  # type: ignore[type-arg]
    """A deque that counts element accesses, to show acquire cost does not depend on how much is logged."""

    operations = 0

    def __getitem__(self, index: Any) -> Any:
        CountingDeque.operations += 1
        return super().__getitem__(index)

    def popleft(self) -> Any:
        CountingDeque.operations += 1
        return super().popleft()

    def append(self, item: Any) -> None:
        CountingDeque.operations += 1
        super().append(item)

    def __iter__(self) -> Any:
        CountingDeque.operations += 1
        return super().__iter__()


class AcquireCostTests(unittest.IsolatedAsyncioTestCase):
    LIMITS = [
        RateLimit("REQUEST_WEIGHT", 6000, 60.0),
        RateLimit("ORDERS", 100, 10.0),
        RateLimit("ORDERS_24HR", 200_000, 86_400.0),
        RateLimit(
            "/order",
            5000,
            60.0,
            linked_limits=[
                LinkedLimitWeightPair("REQUEST_WEIGHT", 4),
                LinkedLimitWeightPair("ORDERS", 1),
                LinkedLimitWeightPair("ORDERS_24HR", 1),
            ],
        ),
    ]

    async def operations_for_100_acquires_after(self, prefilled: int) -> tuple[int, dict[str, int]]:
        clock = FakeClock(start=0.0)
        with mock.patch.object(throttler_module, "deque", CountingDeque):
            throttler = make_throttler(self.LIMITS, clock, safety_margin_pct=0.05)
        for _ in range(prefilled):
            clock.now += 7.0  # spread over the day: short pools hold a few records, the 24 h pool all of them
            async with throttler.execute_task("/order"):
                pass
        CountingDeque.operations = 0
        for _ in range(100):
            clock.now += 7.0
            async with throttler.execute_task("/order"):
                pass
        return CountingDeque.operations, dict(throttler.logged_records)

    async def test_deque_work_per_acquire_is_independent_of_logged_records(self) -> None:
        # Both runs are past the short windows' warm-up (100 x 7 s > 63 s), so only the 24 h pool's size differs.
        ops_small, records_small = await self.operations_for_100_acquires_after(100)
        ops_large, records_large = await self.operations_for_100_acquires_after(10_000)
        self.assertEqual(200, records_small["ORDERS_24HR"])
        self.assertEqual(10_100, records_large["ORDERS_24HR"])
        self.assertLessEqual(records_large["ORDERS"], 2, "short pools keep only their own window")
        self.assertEqual(ops_small, ops_large)
        self.assertLessEqual(ops_large, 100 * 16, "a handful of deque operations per acquire (4 pools)")


if __name__ == "__main__":
    unittest.main()

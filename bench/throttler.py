"""Benchmark: microseconds per ``AsyncThrottler`` acquire with Binance spot's rate-limit table.

Measures ``async with throttler.execute_task("/order")`` (the most linked endpoint: its own pool plus
REQUEST_WEIGHT 4, ORDERS 1, ORDERS_24HR 1, RAW_REQUESTS 1) when 0, 10,000 and 200,000 earlier ``/order`` calls are
already logged inside the windows, and prints exactly one JSON line.

How the logs are pre-filled without changing any limit: time comes from a fake clock. The N earlier calls are
spread evenly over the last 24 h window (86,400 s x 1.05 safety margin), i.e. one call every ~0.45 s for
N = 200,000. At that pace the short pools stay far below their real limits (ORDERS holds ~23 of 100 per 10.5 s,
REQUEST_WEIGHT ~560 of 6000 per 63 s), while ORDERS_24HR -- kept at its real 200,000/day -- holds all N records.
The measured calls then continue at the pace of the daily cap (the window divided by 199,999), so for N = 200,000
each new call finds the 24 h pool one short of full after the oldest record expires: every acquire succeeds without
waiting, the log stays at 200,000 records, and each acquire also pays for one expiry. The fake ``sleep`` counts
calls; the check field reports that none happened and re-verifies, from the recorded grant times, that no window of
any pool ever held more than its limit.
"""

from __future__ import annotations

import asyncio
import gc
import json
import platform
import statistics
import time

from hbrt.api_throttler import AsyncThrottler, LinkedLimitWeightPair, RateLimit

ONE_SECOND = 1
ONE_MINUTE = 60
FIVE_MINUTES = 300
ONE_DAY = 86_400
SAFETY_MARGIN = 0.05

REQUEST_WEIGHT = "REQUEST_WEIGHT"
ORDERS = "ORDERS"
ORDERS_24HR = "ORDERS_24HR"
RAW_REQUESTS = "RAW_REQUESTS"


def endpoint(path: str, weight: int, *extra: LinkedLimitWeightPair) -> RateLimit:
    return RateLimit(
        path,
        5000,
        ONE_MINUTE,
        linked_limits=[LinkedLimitWeightPair(REQUEST_WEIGHT, weight), LinkedLimitWeightPair(RAW_REQUESTS, 1), *extra],
    )


BINANCE_SPOT_RATE_LIMITS = [
    RateLimit(REQUEST_WEIGHT, 6000, ONE_MINUTE),
    RateLimit(ORDERS, 100, 10 * ONE_SECOND),
    RateLimit(ORDERS_24HR, 200_000, ONE_DAY),
    RateLimit(RAW_REQUESTS, 61_000, FIVE_MINUTES),
    endpoint("/ticker/24hr", 2),
    endpoint("/ticker/bookTicker", 4),
    endpoint("/ticker/price", 4),
    endpoint("/exchangeInfo", 20),
    endpoint("/depth", 100),
    endpoint("/time", 1),
    endpoint("/ping", 1),
    endpoint("/account", 20),
    endpoint("/myTrades", 20),
    endpoint("/order", 4, LinkedLimitWeightPair(ORDERS, 1), LinkedLimitWeightPair(ORDERS_24HR, 1)),
]
ORDER_POOL_WEIGHTS = {"/order": 1, REQUEST_WEIGHT: 4, ORDERS: 1, ORDERS_24HR: 1, RAW_REQUESTS: 1}

DAY_WINDOW = ONE_DAY * (1 + SAFETY_MARGIN)
MEASURE_STEP = DAY_WINDOW / 199_999  # the pace of the daily cap
ACQUIRES_PER_ROUND = 2_000
ROUNDS = 15


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.sleeps = 0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.sleeps += 1
        self.now += delay


def new_throttler(clock: FakeClock) -> AsyncThrottler:
    return AsyncThrottler(
        BINANCE_SPOT_RATE_LIMITS, safety_margin_pct=SAFETY_MARGIN, time_provider=clock, sleep=clock.sleep
    )


async def prefill(throttler: AsyncThrottler, clock: FakeClock, count: int, grants: list[float]) -> None:
    """Log ``count`` /order calls spread evenly over the last 24 h window, ending one step before now."""
    if count == 0:
        return
    spacing = DAY_WINDOW / (count - 1) if count > 1 else 0.0
    for _ in range(count):
        async with throttler.execute_task("/order"):
            grants.append(clock.now)
        clock.now += spacing
    clock.now -= spacing


async def timed_round(throttler: AsyncThrottler, clock: FakeClock, grants: list[float]) -> float:
    """Microseconds per acquire over one round of ``ACQUIRES_PER_ROUND`` /order calls at the daily-cap pace."""
    gc.collect()
    execute_task = throttler.execute_task
    append = grants.append
    started = time.perf_counter()
    for _ in range(ACQUIRES_PER_ROUND):
        clock.now += MEASURE_STEP
        async with execute_task("/order"):
            append(clock.now)
    return (time.perf_counter() - started) / ACQUIRES_PER_ROUND * 1e6


def max_in_window(times: list[float], weight: int, length: float) -> int:
    """Heaviest half-open window [t, t + length) over the sorted grant times (two pointers)."""
    best = end = 0
    for start, at in enumerate(times):
        while end < len(times) and times[end] < at + length:
            end += 1
        best = max(best, (end - start) * weight)
    return best


def verify(runs: list[list[float]]) -> dict[str, object]:
    limits = {rl.limit_id: rl for rl in BINANCE_SPOT_RATE_LIMITS}
    pools: dict[str, dict[str, int]] = {}
    ok = True
    for pool_id, weight in ORDER_POOL_WEIGHTS.items():
        rl = limits[pool_id]
        worst = 0
        for times in runs:
            times = sorted(times)
            # Any window of the nominal interval, and also of the margin-lengthened one the throttler promises.
            worst = max(worst, max_in_window(times, weight, rl.time_interval * (1 + SAFETY_MARGIN)))
        pools[pool_id] = {"max_in_window": worst, "limit": rl.limit}
        ok = ok and worst <= rl.limit
    return {"ok": ok, "grants_checked": sum(len(t) for t in runs), "pools": pools}


async def scenario(prefilled: int, fresh_each_round: bool) -> tuple[float, list[list[float]], int]:
    """Median µs per acquire over ``ROUNDS`` rounds; the grant times of every run; the number of waits."""
    per_round: list[float] = []
    runs: list[list[float]] = []
    waits = 0

    def make() -> tuple[FakeClock, AsyncThrottler, list[float]]:
        clock = FakeClock()
        return clock, new_throttler(clock), []

    clock, throttler, grants = make()
    await prefill(throttler, clock, prefilled, grants)
    for _ in range(ROUNDS):
        if fresh_each_round and per_round:
            runs.append(grants)
            waits += clock.sleeps
            clock, throttler, grants = make()
            await prefill(throttler, clock, prefilled, grants)
        records_before = throttler.logged_records[ORDERS_24HR]
        per_round.append(await timed_round(throttler, clock, grants))
        # the boundary record may or may not have aged out yet (equal timestamps), hence the tolerance of one
        assert records_before >= prefilled - 1, f"24 h log holds {records_before}, expected ~{prefilled}"
    runs.append(grants)
    waits += clock.sleeps
    return statistics.median(per_round), runs, waits


async def main() -> None:
    # 0 and 10,000: a fresh throttler (and fresh pre-fill) per round, so the log really holds 0 / 10,000 records
    # (+ at most one round). 200,000: the steady state keeps exactly that many records, so one pre-fill serves all.
    us_0, runs_0, waits_0 = await scenario(0, fresh_each_round=True)
    us_10k, runs_10k, waits_10k = await scenario(10_000, fresh_each_round=True)
    us_200k, runs_200k, waits_200k = await scenario(200_000, fresh_each_round=False)
    check = verify(runs_0 + runs_10k + runs_200k)
    waits = waits_0 + waits_10k + waits_200k
    check["waits"] = waits
    check["ok"] = bool(check["ok"]) and waits == 0
    result = {
        "us_per_acquire_0": round(us_0, 3),
        "us_per_acquire_10000": round(us_10k, 3),
        "us_per_acquire_200000": round(us_200k, 3),
        "ratio_200000_vs_0": round(us_200k / us_0, 3),
        "endpoint": "/order",
        "acquires_per_round": ACQUIRES_PER_ROUND,
        "rounds": ROUNDS,
        "statistic": "median of rounds",
        "python": platform.python_version(),
        "check": check,
    }
    print(json.dumps(result, sort_keys=False))


if __name__ == "__main__":
    asyncio.run(main())

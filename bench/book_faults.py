"""Benchmark: how long an order book is unavailable under a given fault rate, with Binance's rate limits.

A :class:`hbrt.testing.loopback_market.LoopbackMarketServer` on 127.0.0.1 plays Binance spot for one pair: a REST
depth snapshot of the current book and a ``depthUpdate`` stream at 10 diffs a second. The generated Binance
connector (``generated/binance``, URLs pointed at the server, its throttler built from its own ``RATE_LIMITS``:
6,000 request weight a minute, 100 per snapshot) tracks the book with the runtime's tracker. For ``FAULT_SECONDS``
the stream suffers, each second on average, ``--gaps`` lost diffs, ``--swaps`` pairs of diffs swapped and
``--duplicates`` repeated diffs; then it runs clean for ``QUIET_SECONDS``. Meanwhile a trading client sends one
order-weight request a second through the same throttler, and its wait is recorded.

Two configurations run on the same fault sequence:

* ``immediate``: what the tracker did before issue 16: every gap resyncs at once (no reordering window) and the
  snapshot request goes straight into the throttler's first-come-first-served queue;
* ``budgeted``: the current tracker: swapped diffs are put back in order, duplicates dropped, one resync per pair,
  and the resync waits for its weight outside the queue, keeping 10% of the pool for other requests.

Reported for each (seconds of real time): ``unavailable_s`` while faults last and after, the longest unavailable
stretch, ``recovery_s`` (from the end of the faults until the book is served for good), snapshot requests, and
``max_request_wait_s`` of the trading client. Time runs ``--time-scale`` times faster than real time (limits,
stream and faults all scaled together, so the dynamics are the same); results are scaled back to real seconds.

Prints exactly one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import platform
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "runtime"))
sys.path.insert(0, str(ROOT / "generated"))

from binance import binance_constants as CONSTANTS  # noqa: E402
from binance.binance_exchange import BinanceExchange  # noqa: E402
from hbrt.api_throttler.data_types import RateLimit  # noqa: E402
from hbrt.testing.loopback_market import LoopbackMarketServer  # noqa: E402

PAIR = "BTC-USDT"
SYMBOL = "BTCUSDT"
DIFFS_PER_SECOND = 10
FAULT_SECONDS = 60.0
QUIET_SECONDS = 60.0
SAMPLE_SECONDS = 0.05  # how often availability is sampled (real-time seconds)
SEED = 16


class Exchange:
    """The true book and its ``depthUpdate`` stream (string prices, one update id per diff)."""

    def __init__(self) -> None:
        self.rnd = random.Random(SEED)
        self.bids = {f"{30000 - i}.00": "1.00000000" for i in range(1, 51)}
        self.asks = {f"{30000 + i}.00": "1.00000000" for i in range(1, 51)}
        self.update_id = 1_000_000

    def snapshot(self) -> dict[str, Any]:
        bids = sorted(self.bids.items(), key=lambda kv: -Decimal(kv[0]))
        asks = sorted(self.asks.items(), key=lambda kv: Decimal(kv[0]))
        return {"lastUpdateId": self.update_id, "bids": [list(r) for r in bids], "asks": [list(r) for r in asks]}

    def step(self) -> dict[str, Any]:
        self.update_id += 1
        bid = f"{30000 - self.rnd.randint(1, 50)}.00"
        ask = f"{30000 + self.rnd.randint(1, 50)}.00"
        amount = f"{self.rnd.randint(1, 10**8) / 1e8:.8f}"
        self.bids[bid] = amount
        self.asks[ask] = amount
        return {"e": "depthUpdate", "E": self.update_id, "s": SYMBOL, "U": self.update_id, "u": self.update_id,
                "b": [[bid, amount]], "a": [[ask, amount]]}  # fmt: skip


def scaled_limits(scale: float) -> list[RateLimit]:
    return [
        RateLimit(rl.limit_id, rl.limit, rl.time_interval / scale, rl.weight, list(rl.linked_limits))
        for rl in CONSTANTS.RATE_LIMITS
    ]


async def run(mode: str, args: argparse.Namespace) -> dict[str, Any]:
    scale = args.time_scale
    exchange = Exchange()
    server = LoopbackMarketServer()
    await server.start()
    server.set_rest("/api/v3/depth", lambda request: exchange.snapshot())
    server.set_rest("/api/v3/time", lambda request: {"serverTime": int(time.time() * 1000)})
    server.set_rest("/api/v3/ticker/price", lambda request: {"symbol": SYMBOL, "price": "30000.00"})
    server.set_rest(
        "/api/v3/exchangeInfo",
        lambda request: {
            "symbols": [
                {
                    "symbol": SYMBOL,
                    "status": "TRADING",
                    "baseAsset": "BTC",
                    "quoteAsset": "USDT",
                    "permissionSets": [["SPOT"]],
                    "filters": [],
                }
            ]  # fmt: skip
        },
    )
    server.on_message = lambda message: {"result": None, "id": message.get("id")}
    CONSTANTS.REST_URLS[CONSTANTS.DEFAULT_DOMAIN] = f"{server.rest_url}/api"
    CONSTANTS.WSS_URLS[CONSTANTS.DEFAULT_DOMAIN][CONSTANTS.PUBLIC_WS_URL_NAME] = server.ws_url
    original_limits = CONSTANTS.RATE_LIMITS
    CONSTANTS.RATE_LIMITS = scaled_limits(scale)
    try:
        connector = BinanceExchange("bench-key", "bench-secret", trading_pairs=[PAIR], trading_required=False)
        throttler = connector._throttler  # built now, from the scaled limits
    finally:
        CONSTANTS.RATE_LIMITS = original_limits
    await connector.trading_pair_symbol_map()
    tracker = connector.order_book_tracker
    tracker.FIRST_DIFF_WAIT_SECONDS = 5.0 / scale
    tracker.WEBSOCKET_SNAPSHOT_WAIT_SECONDS = 30.0 / scale
    tracker._backoff_factory = lambda: _scaled_backoff(scale)
    if mode == "immediate":
        tracker.REORDER_WINDOW_SECONDS = 0.0
        connector._orderbook_ds._snapshot_budget = lambda: None  # type: ignore[method-assign]
    else:
        tracker.REORDER_WINDOW_SECONDS = 0.5 / scale
    rnd = random.Random(SEED + 1)
    interval = 1.0 / DIFFS_PER_SECOND / scale
    waits: list[float] = []
    samples: list[tuple[float, bool]] = []
    stop = asyncio.Event()

    async def trading_client() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            async with throttler.execute_task(CONSTANTS.CREATE_ORDER_LIMIT_ID):
                waits.append(time.perf_counter() - started)
            await asyncio.sleep(1.0 / scale)

    async def sampler() -> None:
        while not stop.is_set():
            samples.append((time.perf_counter(), tracker.is_consistent(PAIR)))
            await asyncio.sleep(SAMPLE_SECONDS / scale)

    tracker.start()
    try:
        await _until(lambda: server.open_connections == 1 and len(server.received) >= 2, 10)
        await server.send(exchange.step())
        await asyncio.wait_for(tracker.wait_ready(), 10)
        tasks = [asyncio.create_task(trading_client()), asyncio.create_task(sampler())]
        fault_start = time.perf_counter()
        fault_end = fault_start + FAULT_SECONDS / scale
        p_gap = args.gaps / DIFFS_PER_SECOND
        p_swap = args.swaps / DIFFS_PER_SECOND
        p_dup = args.duplicates / DIFFS_PER_SECOND
        end = fault_end + QUIET_SECONDS / scale
        next_at = time.perf_counter()
        while time.perf_counter() < end:
            faulty = time.perf_counter() < fault_end
            diff = exchange.step()
            roll = rnd.random()
            if faulty and roll < p_gap:
                pass  # lost
            elif faulty and roll < p_gap + p_swap:
                second = exchange.step()
                await server.send(second)
                await server.send(diff)
            elif faulty and roll < p_gap + p_swap + p_dup:
                await server.send(diff)
                await server.send(diff)
            else:
                await server.send(diff)
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        stop.set()
        await asyncio.gather(*tasks)
        stats = tracker.integrity_stats(PAIR)
        final_ok = tracker.is_consistent(PAIR)
    finally:
        tracker.stop()
        await asyncio.sleep(0)
        await connector._web_assistants_factory.close()
        await server.close()
    return summarize(samples, fault_start, fault_end, scale) | {
        "snapshot_requests": server.requests["/api/v3/depth"],
        "gaps": stats["gaps"],
        "reordered": stats["reordered"],
        "ignored": stats["ignored"],
        "max_request_wait_s": round(max(waits, default=0.0) * scale, 3),
        "served_at_end": final_ok,
    }


def summarize(samples: list[tuple[float, bool]], fault_start: float, fault_end: float, scale: float) -> dict[str, Any]:
    during = after = longest = stretch = 0.0
    recovered_at = fault_end
    previous: tuple[float, bool] | None = None
    for at, ok in samples:
        if previous is not None:
            span = at - previous[0]
            if not previous[1]:
                stretch += span
                longest = max(longest, stretch)
                if previous[0] < fault_end:
                    during += span
                else:
                    after += span
            else:
                stretch = 0.0
        if not ok:
            recovered_at = max(recovered_at, at)
        previous = (at, ok)
    fault_span = fault_end - fault_start
    return {
        "unavailable_during_faults_s": round(during * scale, 2),
        "unavailable_during_faults_pct": round(100 * during / fault_span, 1),
        "unavailable_after_faults_s": round(after * scale, 2),
        "longest_unavailable_s": round(longest * scale, 2),
        "recovery_s": round(max(0.0, recovered_at - fault_end) * scale, 2),
    }


def _scaled_backoff(scale: float) -> Any:
    from hbrt.web_assistant.reconnect import ExponentialBackoff

    return ExponentialBackoff(initial=1.0 / scale, maximum=30.0 / scale)


async def _until(condition: Any, timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gaps", type=float, default=2.0, help="lost diffs per second during the faults")
    parser.add_argument("--swaps", type=float, default=2.0, help="swapped diff pairs per second")
    parser.add_argument("--duplicates", type=float, default=2.0, help="repeated diffs per second")
    parser.add_argument("--time-scale", type=float, default=20.0, help="how much faster than real time to run")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    wall = time.perf_counter()
    results = {mode: asyncio.run(run(mode, args)) for mode in ("immediate", "budgeted")}
    result = {
        "benchmark": "book_faults",
        "python": platform.python_version(),
        "faults_per_s": {"gaps": args.gaps, "swaps": args.swaps, "duplicates": args.duplicates},
        "fault_s": FAULT_SECONDS,
        "quiet_s": QUIET_SECONDS,
        "diffs_per_s": DIFFS_PER_SECOND,
        "time_scale": args.time_scale,
        **results,
        "wall_s": round(time.perf_counter() - wall, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

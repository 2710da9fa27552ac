"""Benchmark: hbrt's pure-Python ``OrderBook`` against CCXT's pure-Python websocket order book, same workload.

Workload (fixed seed, generated before timing): a snapshot of 1,000 bid and 1,000 ask levels on a 0.01 tick grid
around 30,000.00, then 200,000 diff messages, each with 1-10 levels per side within 40 ticks of the mid, ~20% of
them deletes (amount "0.00000000"); the mid walks by one tick in ~4% of the messages, and such a message also deletes
the level the mid moved onto, so the book never crosses. Amounts come from a pool of 5,000 8-decimal strings.

Timed, best of ``REPEAT`` runs each, with the pre-generated objects frozen out of the garbage collector:

* ``diffs_per_s`` / ``levels_per_s``: ``OrderBook.apply_diffs`` fed the exchange's ``[price, amount]`` string rows.
* ``ccxt_diffs_per_s``: ``ccxt.async_support.base.ws.order_book.OrderBook``; every level goes through
  ``book['bids'|'asks'].store(price, amount)`` with floats (converted before timing, as CCXT expects).
* ``message_path_diffs_per_s``: raw Binance ``depthUpdate`` dicts (as ``json.loads`` returns them, string prices)
  turned into ``OrderBookMessage`` by a plain parser function and applied through
  ``OrderBookTracker.apply_diff_message`` with the ``FirstLastUpdateIdChain`` policy checking every message.
* ``get_price_ns``: mean of 10,000 ``get_price`` calls (alternating sides; result is a ``Decimal``);
  ``ccxt_get_price_ns`` reads ``book['asks'][0][0]``.
* ``price_for_volume_ns``: mean of 10,000 ``get_price_for_volume(is_buy, Decimal volume)`` calls with volumes drawn
  from 0.1-25 base units (walks of ~1-50 levels) on the final book; ``ccxt_price_for_volume_ns`` runs the same
  walk over CCXT's sorted ``[price, amount]`` lists with floats (CCXT has no such query; this is the natural one).
* ``interleaved_*``: 50,000 diffs with one ``get_price_for_volume`` after every 10 diffs, for both books. This is the
  case where hbrt's lazy ordering pays its re-sort, so it is reported too.

Prints exactly one JSON line.
"""

from __future__ import annotations

import gc
import json
import platform
import random
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runtime"))

from ccxt.async_support.base.ws.order_book import OrderBook as CcxtOrderBook  # noqa: E402
from hbrt.data_type.book_integrity import FirstLastUpdateIdChain  # noqa: E402
from hbrt.data_type.order_book import OrderBook  # noqa: E402
from hbrt.data_type.order_book_message import OrderBookMessage, OrderBookMessageType  # noqa: E402
from hbrt.data_type.order_book_tracker import OrderBookTracker  # noqa: E402
from hbrt.data_type.order_book_tracker_data_source import OrderBookTrackerDataSource  # noqa: E402

SEED = 20240601
DEPTH = 1_000
N_DIFFS = 200_000
N_INTERLEAVED = 50_000
N_QUERIES = 10_000
REPEAT = 3
PAIR = "BTC-USDT"

Row = tuple[str, str]


def price_str(ticks: int) -> str:
    return f"{ticks // 100}.{ticks % 100:02d}"


def generate() -> tuple[list[Row], list[Row], list[tuple[list[Row], list[Row]]]]:
    rnd = random.Random(SEED)
    pool = [f"{rnd.randint(1, 100_000_000) / 1e8:.8f}" for _ in range(5_000)]
    zero = "0.00000000"
    prices: dict[int, str] = {}

    def p(ticks: int) -> str:
        text = prices.get(ticks)
        if text is None:
            text = prices[ticks] = price_str(ticks)
        return text

    mid = 3_000_000
    snap_bids = [(p(mid - i), rnd.choice(pool)) for i in range(1, DEPTH + 1)]
    snap_asks = [(p(mid + i), rnd.choice(pool)) for i in range(1, DEPTH + 1)]
    diffs: list[tuple[list[Row], list[Row]]] = []
    for _ in range(N_DIFFS):
        bids: list[Row] = []
        asks: list[Row] = []
        r = rnd.random()
        if r < 0.02:
            mid += 1
            asks.append((p(mid), zero))
        elif r < 0.04:
            mid -= 1
            bids.append((p(mid), zero))
        for _ in range(rnd.randint(1, 10)):
            bids.append((p(mid - rnd.randint(1, 40)), zero if rnd.random() < 0.2 else rnd.choice(pool)))
        for _ in range(rnd.randint(1, 10)):
            asks.append((p(mid + rnd.randint(1, 40)), zero if rnd.random() < 0.2 else rnd.choice(pool)))
        diffs.append((bids, asks))
    return snap_bids, snap_asks, diffs


def best_of(fn: Callable[[], float]) -> float:
    return min(fn() for _ in range(REPEAT))


# ---------------------------------------------------------------------------------------------------- hbrt


def run_hbrt(
    snap_bids: list[Row], snap_asks: list[Row], diffs: list[tuple[list[Row], list[Row]]]
) -> tuple[float, OrderBook]:
    book = OrderBook()
    book.apply_snapshot(snap_bids, snap_asks, 0)
    apply = book.apply_diffs
    start = time.perf_counter()
    for uid, (bids, asks) in enumerate(diffs, 1):
        apply(bids, asks, uid)
    return time.perf_counter() - start, book


def hbrt_price_for_volume(book: OrderBook, volumes: list[Decimal]) -> float:
    query = book.get_price_for_volume
    start = time.perf_counter()
    for i, volume in enumerate(volumes):
        query(i & 1 == 0, volume)
    return (time.perf_counter() - start) / len(volumes) * 1e9


def hbrt_get_price(book: OrderBook) -> float:
    get_price = book.get_price
    start = time.perf_counter()
    for i in range(N_QUERIES):
        get_price(i & 1 == 0)
    return (time.perf_counter() - start) / N_QUERIES * 1e9


# ---------------------------------------------------------------------------------------------------- CCXT


def to_float_rows(rows: list[Row], cache: dict[str, float]) -> list[tuple[float, float]]:
    out = []
    for price, amount in rows:
        fp = cache.get(price)
        if fp is None:
            fp = cache[price] = float(price)
        fa = cache.get(amount)
        if fa is None:
            fa = cache[amount] = float(amount)
        out.append((fp, fa))
    return out


def run_ccxt(snap_bids: list[Any], snap_asks: list[Any], diffs: list[tuple[list[Any], list[Any]]]) -> tuple[float, Any]:
    book = CcxtOrderBook({"bids": [list(r) for r in snap_bids], "asks": [list(r) for r in snap_asks]})
    bids_side = book["bids"]
    asks_side = book["asks"]
    start = time.perf_counter()
    for bids, asks in diffs:
        for price, amount in bids:
            bids_side.store(price, amount)
        for price, amount in asks:
            asks_side.store(price, amount)
    return time.perf_counter() - start, book


def ccxt_price_for_volume(book: Any, is_buy: bool, volume: float) -> float:
    cumulative = 0.0
    for price, amount in book["asks"] if is_buy else book["bids"]:
        cumulative += amount
        if cumulative >= volume:
            return price
    return float("nan")


def ccxt_price_for_volume_timing(book: Any, volumes: list[float]) -> float:
    start = time.perf_counter()
    for i, volume in enumerate(volumes):
        ccxt_price_for_volume(book, i & 1 == 0, volume)
    return (time.perf_counter() - start) / len(volumes) * 1e9


def ccxt_get_price(book: Any) -> float:
    start = time.perf_counter()
    for i in range(N_QUERIES):
        (book["asks"] if i & 1 == 0 else book["bids"])[0][0]
    return (time.perf_counter() - start) / N_QUERIES * 1e9


# ---------------------------------------------------------------------------------------------------- message path


class _BenchDataSource(OrderBookTrackerDataSource):
    BOOK_INTEGRITY = FirstLastUpdateIdChain()


def parse_depth_update(raw: dict[str, Any]) -> OrderBookMessage:
    """What a generated Binance connector's parser does with a ``depthUpdate`` event."""
    return OrderBookMessage(
        OrderBookMessageType.DIFF,
        {"trading_pair": PAIR, "first_update_id": raw["U"], "update_id": raw["u"], "bids": raw["b"], "asks": raw["a"]},
        raw["E"] * 1e-3,
    )


def run_message_path(snap_bids: list[Row], snap_asks: list[Row], raws: list[dict[str, Any]]) -> float:
    tracker = OrderBookTracker(_BenchDataSource([PAIR]), [PAIR])
    snapshot = OrderBookMessage(
        OrderBookMessageType.SNAPSHOT, {"trading_pair": PAIR, "update_id": 0, "bids": snap_bids, "asks": snap_asks}, 0.0
    )
    tracker.apply_snapshot_message(snapshot)
    apply = tracker.apply_diff_message
    start = time.perf_counter()
    for raw in raws:
        apply(parse_depth_update(raw))
    elapsed = time.perf_counter() - start
    stats = tracker.integrity_stats(PAIR)
    if stats["gaps"] or stats["ignored"] or not tracker.is_consistent(PAIR):
        raise AssertionError(f"message path lost sync: {stats}")
    return elapsed


# ---------------------------------------------------------------------------------------------------- interleaved


def interleaved_hbrt(snap_bids, snap_asks, diffs, volumes) -> float:
    book = OrderBook()
    book.apply_snapshot(snap_bids, snap_asks, 0)
    apply = book.apply_diffs
    query = book.get_price_for_volume
    start = time.perf_counter()
    for uid, (bids, asks) in enumerate(diffs, 1):
        apply(bids, asks, uid)
        if uid % 10 == 0:
            query(uid & 16 == 0, volumes[uid % len(volumes)])
    return time.perf_counter() - start


def interleaved_ccxt(snap_bids, snap_asks, diffs, volumes) -> float:
    book = CcxtOrderBook({"bids": [list(r) for r in snap_bids], "asks": [list(r) for r in snap_asks]})
    bids_side = book["bids"]
    asks_side = book["asks"]
    start = time.perf_counter()
    for uid, (bids, asks) in enumerate(diffs, 1):
        for price, amount in bids:
            bids_side.store(price, amount)
        for price, amount in asks:
            asks_side.store(price, amount)
        if uid % 10 == 0:
            ccxt_price_for_volume(book, uid & 16 == 0, volumes[uid % len(volumes)])
    return time.perf_counter() - start


def main() -> None:
    wall = time.perf_counter()
    snap_bids, snap_asks, diffs = generate()
    levels = sum(len(b) + len(a) for b, a in diffs)
    cache: dict[str, float] = {}
    f_snap_bids = to_float_rows(snap_bids, cache)
    f_snap_asks = to_float_rows(snap_asks, cache)
    f_diffs = [(to_float_rows(b, cache), to_float_rows(a, cache)) for b, a in diffs]
    raws = []
    update_id = 0
    for i, (bids, asks) in enumerate(diffs):
        first = update_id + 1
        update_id += 1 + (i % 3)
        raws.append({"e": "depthUpdate", "E": 1_700_000_000_000 + i, "s": "BTCUSDT", "U": first, "u": update_id,
                     "b": [list(r) for r in bids], "a": [list(r) for r in asks]})  # fmt: skip
    rnd = random.Random(SEED + 1)
    volumes = [Decimal(rnd.randint(10, 2500)) / 100 for _ in range(N_QUERIES)]
    f_volumes = [float(v) for v in volumes]
    gc.collect()
    gc.freeze()

    hbrt_time = best_of(lambda: run_hbrt(snap_bids, snap_asks, diffs)[0])
    ccxt_time = best_of(lambda: run_ccxt(f_snap_bids, f_snap_asks, f_diffs)[0])
    message_time = best_of(lambda: run_message_path(snap_bids, snap_asks, raws))

    _, book = run_hbrt(snap_bids, snap_asks, diffs)
    _, cbook = run_ccxt(f_snap_bids, f_snap_asks, f_diffs)
    # Same final book in both implementations (prices and amounts, best first).
    ours = [(float(r.price), float(r.amount)) for r in book.bid_entries()]
    theirs = [(p, a) for p, a in cbook["bids"]]
    if ours != theirs or book.get_price(True) != Decimal(repr(cbook["asks"][0][0])):
        raise AssertionError("hbrt and CCXT disagree on the final book")
    for is_buy, volume in ((True, volumes[0]), (False, volumes[1])):
        got = book.get_price_for_volume(is_buy, volume).result_price
        if float(got) != ccxt_price_for_volume(cbook, is_buy, float(volume)):
            raise AssertionError("hbrt and CCXT disagree on get_price_for_volume")

    pfv_ns = best_of(lambda: hbrt_price_for_volume(book, volumes))
    ccxt_pfv_ns = best_of(lambda: ccxt_price_for_volume_timing(cbook, f_volumes))
    get_price_ns = best_of(lambda: hbrt_get_price(book))
    ccxt_get_price_ns = best_of(lambda: ccxt_get_price(cbook))
    inter_n = diffs[:N_INTERLEAVED]
    inter_hbrt = best_of(lambda: interleaved_hbrt(snap_bids, snap_asks, inter_n, volumes))
    inter_ccxt = best_of(lambda: interleaved_ccxt(f_snap_bids, f_snap_asks, f_diffs[:N_INTERLEAVED], f_volumes))
    gc.unfreeze()

    result = {
        "benchmark": "order_book",
        "python": platform.python_version(),
        "diffs": N_DIFFS,
        "levels": levels,
        "diffs_per_s": round(N_DIFFS / hbrt_time),
        "levels_per_s": round(levels / hbrt_time),
        "ccxt_diffs_per_s": round(N_DIFFS / ccxt_time),
        "ccxt_levels_per_s": round(levels / ccxt_time),
        "ratio_vs_ccxt": round(ccxt_time / hbrt_time, 2),
        "message_path_diffs_per_s": round(N_DIFFS / message_time),
        "get_price_ns": round(get_price_ns),
        "ccxt_get_price_ns": round(ccxt_get_price_ns),
        "price_for_volume_ns": round(pfv_ns),
        "ccxt_price_for_volume_ns": round(ccxt_pfv_ns),
        "interleaved_diffs_per_s": round(N_INTERLEAVED / inter_hbrt),
        "ccxt_interleaved_diffs_per_s": round(N_INTERLEAVED / inter_ccxt),
        "repeat": REPEAT,
        "wall_s": round(time.perf_counter() - wall, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""Benchmark: hbrt's pure-Python ``OrderBook`` against CCXT's pure-Python websocket order book, same workload.

Workload: ``bench/_book_workload.py`` (fixed seed, generated before timing): a snapshot of 1,000 bid and 1,000 ask
levels, then 200,000 diff messages with 1-10 levels per side near the mid, ~20% deletes.

Timed with ``time.process_time`` (CPU time of this process: on a machine shared with other work, wall time also
measures who else wanted the core), best of ``REPEAT`` runs each, pre-generated objects frozen out of the garbage
collector:

* ``diffs_per_s`` / ``levels_per_s``: ``OrderBook.apply_diffs`` fed the exchange's ``[price, amount]`` string rows.
* ``ccxt_diffs_per_s``: ``ccxt.async_support.base.ws.order_book.OrderBook``; every level goes through
  ``book['bids'|'asks'].store(price, amount)`` with floats (converted before timing, as CCXT expects).
* ``message_path_diffs_per_s``: raw Binance ``depthUpdate`` dicts (as a JSON decoder returns them, string prices)
  turned into ``OrderBookMessage`` by a plain parser function and applied through
  ``OrderBookTracker.apply_diff_message`` with the ``FirstLastUpdateIdChain`` policy checking every message.
* ``get_price_ns``: mean of 10,000 ``get_price`` calls (alternating sides; result is a ``Decimal``);
  ``ccxt_get_price_ns`` reads ``book['asks'][0][0]``. ``best_bid_ns`` / ``ccxt_best_bid_ns``: the bid side only.
* ``price_for_volume_ns``: mean of 10,000 ``get_price_for_volume(is_buy, Decimal volume)`` calls with volumes drawn
  from 0.1-25 base units (walks of ~1-50 levels) on the final book; ``ccxt_price_for_volume_ns`` runs the same
  walk over CCXT's sorted ``[price, amount]`` lists with floats (CCXT has no such query; this is the natural one).
* ``vwap_ns``: ``get_vwap_for_volume(is_buy, Decimal(50))`` (about 100 levels deep), exact ``Decimal`` result;
  ``ccxt_vwap_ns``: the same VWAP walked over CCXT's lists with floats.
* ``interleaved_*``: 50,000 diffs with one ``get_price_for_volume`` after every 10 diffs, for both books. The book
  changes between queries, so this is where keeping the sorted index and the prefixes pays or costs.
* ``hummingbot_*`` (only when ``hummingbot.core.data_type.order_book`` can be imported, i.e. a local build of
  Hummingbot's Cython/C++ book is on ``PYTHONPATH``; it is never part of this project): the same diffs fed to
  Hummingbot's ``OrderBook.apply_diffs`` as ``OrderBookRow`` objects with float prices and amounts (built before
  timing, as Hummingbot's message classes build them), ``get_price`` on the bid side, VWAP(50) and
  ``get_price_for_volume`` with the same volumes as floats. ``ratio_vs_hummingbot`` is our diff throughput over its.

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
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _book_workload import Diff, Row, depth_updates, generate  # noqa: E402
from ccxt.async_support.base.ws.order_book import OrderBook as CcxtOrderBook  # noqa: E402
from hbrt.data_type.book_integrity import FirstLastUpdateIdChain  # noqa: E402
from hbrt.data_type.order_book import OrderBook  # noqa: E402
from hbrt.data_type.order_book_message import OrderBookMessage, OrderBookMessageType  # noqa: E402
from hbrt.data_type.order_book_tracker import OrderBookTracker  # noqa: E402
from hbrt.data_type.order_book_tracker_data_source import OrderBookTrackerDataSource  # noqa: E402

try:  # a local build of Hummingbot's compiled book, for a side-by-side measurement (see the docstring)
    from hummingbot.core.data_type.order_book import OrderBook as HummingbotOrderBook
    from hummingbot.core.data_type.order_book_row import OrderBookRow as HummingbotRow
except ImportError:
    HummingbotOrderBook = HummingbotRow = None

N_DIFFS = 200_000
N_INTERLEAVED = 50_000
N_QUERIES = 10_000
VWAP_VOLUME = 50
REPEAT = 3
PAIR = "BTC-USDT"
clock = time.process_time


def best_of(fn: Callable[[], float]) -> float:
    return min(fn() for _ in range(REPEAT))


def per_call_ns(call: Callable[[int], Any], n: int = N_QUERIES) -> float:
    start = clock()
    for i in range(n):
        call(i)
    return (clock() - start) / n * 1e9


# ---------------------------------------------------------------------------------------------------- hbrt


def run_hbrt(snap_bids: list[Row], snap_asks: list[Row], diffs: list[Diff]) -> tuple[float, OrderBook]:
    book = OrderBook()
    book.apply_snapshot(snap_bids, snap_asks, 0)
    apply = book.apply_diffs
    start = clock()
    for uid, (bids, asks) in enumerate(diffs, 1):
        apply(bids, asks, uid)
    return clock() - start, book


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
    start = clock()
    for bids, asks in diffs:
        for price, amount in bids:
            bids_side.store(price, amount)
        for price, amount in asks:
            asks_side.store(price, amount)
    return clock() - start, book


def ccxt_price_for_volume(book: Any, is_buy: bool, volume: float) -> float:
    cumulative = 0.0
    for price, amount in book["asks"] if is_buy else book["bids"]:
        cumulative += amount
        if cumulative >= volume:
            return float(price)
    return float("nan")


def ccxt_vwap(book: Any, is_buy: bool, volume: float) -> float:
    filled = cost = 0.0
    for price, amount in book["asks"] if is_buy else book["bids"]:
        if filled + amount >= volume:
            return (cost + (volume - filled) * price) / volume
        filled += amount
        cost += amount * price
    return float("nan")


# ---------------------------------------------------------------------------------------------------- Hummingbot


def hummingbot_rows(rows: list[Row], uid: int) -> list[Any]:
    return [HummingbotRow(float(price), float(amount), uid) for price, amount in rows]


def run_hummingbot(snap_bids: list[Any], snap_asks: list[Any], diffs: list[Any]) -> tuple[float, Any]:
    book = HummingbotOrderBook()
    book.apply_snapshot(snap_bids, snap_asks, 0)
    apply = book.apply_diffs
    start = clock()
    for uid, (bids, asks) in enumerate(diffs, 1):
        apply(bids, asks, uid)
    return clock() - start, book


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
    start = clock()
    for raw in raws:
        apply(parse_depth_update(raw))
    elapsed = clock() - start
    stats = tracker.integrity_stats(PAIR)
    if stats["gaps"] or stats["ignored"] or not tracker.is_consistent(PAIR):
        raise AssertionError(f"message path lost sync: {stats}")
    return elapsed


# ---------------------------------------------------------------------------------------------------- interleaved


def interleaved_hbrt(snap_bids: list[Row], snap_asks: list[Row], diffs: list[Diff], volumes: list[Decimal]) -> float:
    book = OrderBook()
    book.apply_snapshot(snap_bids, snap_asks, 0)
    apply = book.apply_diffs
    query = book.get_price_for_volume
    start = clock()
    for uid, (bids, asks) in enumerate(diffs, 1):
        apply(bids, asks, uid)
        if uid % 10 == 0:
            query(uid & 16 == 0, volumes[uid % len(volumes)])
    return clock() - start


def interleaved_ccxt(snap_bids: list[Any], snap_asks: list[Any], diffs: list[Any], volumes: list[float]) -> float:
    book = CcxtOrderBook({"bids": [list(r) for r in snap_bids], "asks": [list(r) for r in snap_asks]})
    bids_side = book["bids"]
    asks_side = book["asks"]
    start = clock()
    for uid, (bids, asks) in enumerate(diffs, 1):
        for price, amount in bids:
            bids_side.store(price, amount)
        for price, amount in asks:
            asks_side.store(price, amount)
        if uid % 10 == 0:
            ccxt_price_for_volume(book, uid & 16 == 0, volumes[uid % len(volumes)])
    return clock() - start


def check_same_answers(book: OrderBook, cbook: Any, volumes: list[Decimal]) -> None:
    """Both books hold the same levels and give the same answers, so the timings compare like with like."""
    ours = [(float(r.price), float(r.amount)) for r in book.bid_entries()]
    if ours != [(p, a) for p, a in cbook["bids"]] or book.get_price(True) != Decimal(repr(cbook["asks"][0][0])):
        raise AssertionError("hbrt and CCXT disagree on the final book")
    for is_buy, volume in ((True, volumes[0]), (False, volumes[1])):
        got = book.get_price_for_volume(is_buy, volume).result_price
        if float(got) != ccxt_price_for_volume(cbook, is_buy, float(volume)):
            raise AssertionError("hbrt and CCXT disagree on get_price_for_volume")
        vwap = book.get_vwap_for_volume(is_buy, Decimal(VWAP_VOLUME)).result_price
        if abs(float(vwap) - ccxt_vwap(cbook, is_buy, VWAP_VOLUME)) > 1e-9 * float(vwap):
            raise AssertionError("hbrt and CCXT disagree on the VWAP")


def main() -> None:
    wall = time.perf_counter()
    snap_bids, snap_asks, diffs = generate(n_diffs=N_DIFFS)
    levels = sum(len(b) + len(a) for b, a in diffs)
    cache: dict[str, float] = {}
    f_snap_bids = to_float_rows(snap_bids, cache)
    f_snap_asks = to_float_rows(snap_asks, cache)
    f_diffs = [(to_float_rows(b, cache), to_float_rows(a, cache)) for b, a in diffs]
    raws = depth_updates(diffs)
    rnd = random.Random(20240602)
    volumes = [Decimal(rnd.randint(10, 2500)) / 100 for _ in range(N_QUERIES)]
    f_volumes = [float(v) for v in volumes]
    hb_diffs: list[Any] = []
    if HummingbotOrderBook is not None:
        hb_diffs = [(hummingbot_rows(b, uid), hummingbot_rows(a, uid)) for uid, (b, a) in enumerate(diffs, 1)]
    gc.collect()
    gc.freeze()

    hbrt_time = best_of(lambda: run_hbrt(snap_bids, snap_asks, diffs)[0])
    ccxt_time = best_of(lambda: run_ccxt(f_snap_bids, f_snap_asks, f_diffs)[0])
    message_time = best_of(lambda: run_message_path(snap_bids, snap_asks, raws))

    _, book = run_hbrt(snap_bids, snap_asks, diffs)
    _, cbook = run_ccxt(f_snap_bids, f_snap_asks, f_diffs)
    check_same_answers(book, cbook, volumes)
    fifty = Decimal(VWAP_VOLUME)
    result: dict[str, Any] = {
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
        "get_price_ns": round(best_of(lambda: per_call_ns(lambda i: book.get_price(i & 1 == 0)))),
        "ccxt_get_price_ns": round(
            best_of(lambda: per_call_ns(lambda i: cbook["asks" if i & 1 == 0 else "bids"][0][0]))
        ),
        "best_bid_ns": round(best_of(lambda: per_call_ns(lambda i: book.get_price(False)))),
        "ccxt_best_bid_ns": round(best_of(lambda: per_call_ns(lambda i: cbook["bids"][0][0]))),
        "price_for_volume_ns": round(
            best_of(lambda: per_call_ns(lambda i: book.get_price_for_volume(i & 1 == 0, volumes[i])))
        ),
        "ccxt_price_for_volume_ns": round(
            best_of(lambda: per_call_ns(lambda i: ccxt_price_for_volume(cbook, i & 1 == 0, f_volumes[i])))
        ),
        "vwap_ns": round(best_of(lambda: per_call_ns(lambda i: book.get_vwap_for_volume(i & 1 == 0, fifty)))),
        "ccxt_vwap_ns": round(best_of(lambda: per_call_ns(lambda i: ccxt_vwap(cbook, i & 1 == 0, VWAP_VOLUME), 2_000))),
    }
    inter_hbrt = best_of(lambda: interleaved_hbrt(snap_bids, snap_asks, diffs[:N_INTERLEAVED], volumes))
    inter_ccxt = best_of(lambda: interleaved_ccxt(f_snap_bids, f_snap_asks, f_diffs[:N_INTERLEAVED], f_volumes))
    result["interleaved_diffs_per_s"] = round(N_INTERLEAVED / inter_hbrt)
    result["ccxt_interleaved_diffs_per_s"] = round(N_INTERLEAVED / inter_ccxt)
    if HummingbotOrderBook is not None:
        hb_snap_bids, hb_snap_asks = hummingbot_rows(snap_bids, 0), hummingbot_rows(snap_asks, 0)
        hb_time = best_of(lambda: run_hummingbot(hb_snap_bids, hb_snap_asks, hb_diffs)[0])
        _, hbook = run_hummingbot(hb_snap_bids, hb_snap_asks, hb_diffs)
        if hbook.get_price(False) != float(book.get_price(False)):
            raise AssertionError("hbrt and Hummingbot disagree on the final book")
        result["hummingbot_diffs_per_s"] = round(N_DIFFS / hb_time)
        result["ratio_vs_hummingbot"] = round(hb_time / hbrt_time, 2)
        result["hummingbot_best_bid_ns"] = round(best_of(lambda: per_call_ns(lambda i: hbook.get_price(False))))
        result["hummingbot_vwap_ns"] = round(
            best_of(lambda: per_call_ns(lambda i: hbook.get_vwap_for_volume(i & 1 == 0, float(VWAP_VOLUME)), 2_000))
        )
        result["hummingbot_price_for_volume_ns"] = round(
            best_of(lambda: per_call_ns(lambda i: hbook.get_price_for_volume(i & 1 == 0, f_volumes[i])))
        )
    gc.unfreeze()
    result["goals"] = {
        "ratio_vs_ccxt_ge_3": result["ratio_vs_ccxt"] >= 3,
        "best_bid_ns_le_100": result["best_bid_ns"] <= 100,
        "vwap_not_slower_than_ccxt": result["vwap_ns"] <= result["ccxt_vwap_ns"],
        "price_for_volume_faster_than_ccxt": result["price_for_volume_ns"] < result["ccxt_price_for_volume_ns"],
    }
    if "ratio_vs_hummingbot" in result:
        result["goals"]["ratio_vs_hummingbot_ge_0_7"] = result["ratio_vs_hummingbot"] >= 0.7
    result["repeat"] = REPEAT
    result["wall_s"] = round(time.perf_counter() - wall, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()

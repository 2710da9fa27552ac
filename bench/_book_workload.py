"""The order-book workload shared by ``bench/order_book.py`` and ``bench/e2e_book.py`` (not a benchmark itself).

A snapshot of ``depth`` bid and ``depth`` ask levels on a 0.01 tick grid around 30,000.00, then ``n_diffs`` diff
messages, each with 1-10 levels per side within 40 ticks of the mid, ~20% of them deletes (amount "0.00000000"); the
mid walks by one tick in ~4% of the messages, and such a message also deletes the level the mid moved onto, so the
book never crosses. Amounts come from a pool of 5,000 8-decimal strings. Fixed seed: every run sees the same data.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

SEED = 20240601
SYMBOL = "BTCUSDT"

Row = tuple[str, str]
Diff = tuple[list[Row], list[Row]]


def price_str(ticks: int) -> str:
    return f"{ticks // 100}.{ticks % 100:02d}"


def generate(depth: int = 1_000, n_diffs: int = 200_000, seed: int = SEED) -> tuple[list[Row], list[Row], list[Diff]]:
    """``(snapshot bids, snapshot asks, diffs)``; rows are ``(price, amount)`` strings, as exchanges send them."""
    rnd = random.Random(seed)
    pool = [f"{rnd.randint(1, 100_000_000) / 1e8:.8f}" for _ in range(5_000)]
    zero = "0.00000000"
    prices: dict[int, str] = {}

    def p(ticks: int) -> str:
        text = prices.get(ticks)
        if text is None:
            text = prices[ticks] = price_str(ticks)
        return text

    mid = 3_000_000
    snap_bids = [(p(mid - i), rnd.choice(pool)) for i in range(1, depth + 1)]
    snap_asks = [(p(mid + i), rnd.choice(pool)) for i in range(1, depth + 1)]
    diffs: list[Diff] = []
    for _ in range(n_diffs):
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


def depth_updates(diffs: list[Diff], symbol: str = SYMBOL) -> list[dict[str, Any]]:
    """The diffs as Binance ``depthUpdate`` events (string prices, as ``json.loads`` returns them).

    Update ids advance by 1-3 per event and each event's ``U`` is the previous ``u`` + 1, so the chain is unbroken.
    """
    events = []
    update_id = 0
    for i, (bids, asks) in enumerate(diffs):
        first = update_id + 1
        update_id += 1 + (i % 3)
        events.append({"e": "depthUpdate", "E": 1_700_000_000_000 + i, "s": symbol, "U": first, "u": update_id,
                       "b": [list(r) for r in bids], "a": [list(r) for r in asks]})  # fmt: skip
    return events


class TruthBook:
    """The reference book: one ``dict`` of ``Decimal`` price -> ``Decimal`` amount per side, no cleverness."""

    def __init__(self, bids: list[Row], asks: list[Row]) -> None:
        self.bids = {Decimal(p): Decimal(a) for p, a in bids if Decimal(a)}
        self.asks = {Decimal(p): Decimal(a) for p, a in asks if Decimal(a)}

    def apply(self, bids: list[Any], asks: list[Any]) -> None:
        for side, rows in ((self.bids, bids), (self.asks, asks)):
            for price, amount in rows:
                if Decimal(amount):
                    side[Decimal(price)] = Decimal(amount)
                else:
                    side.pop(Decimal(price), None)

    def levels(self) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        """``(bids, asks)`` best first."""
        return sorted(self.bids.items(), reverse=True), sorted(self.asks.items())

    def rows(self) -> tuple[list[list[str]], list[list[str]]]:
        """``(bids, asks)`` best first, as exchange-style string rows (``[price, amount]``)."""
        bids, asks = self.levels()
        return [[str(p), str(a)] for p, a in bids], [[str(p), str(a)] for p, a in asks]

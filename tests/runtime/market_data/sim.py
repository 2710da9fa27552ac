"""A deterministic simulated exchange book that emits diffs and snapshots in any integrity style (test helper)."""

from __future__ import annotations

import random
import zlib
from decimal import Decimal

from hbrt.data_type.book_checksum import ChecksumContext
from hbrt.data_type.order_book import OrderBook
from hbrt.data_type.order_book_message import OrderBookMessage, OrderBookMessageType

PAIR = "BTC-USDT"


def crc_of_rows(bids: list, asks: list) -> int:
    """An OKX-like checksum: CRC32 of interleaved "price:amount" of the top levels, as signed int32."""
    parts: list[str] = []
    for i in range(max(len(bids), len(asks))):
        if i < len(bids):
            parts.append(f"{bids[i][0]}:{bids[i][1]}")
        if i < len(asks):
            parts.append(f"{asks[i][0]}:{asks[i][1]}")
    value = zlib.crc32(":".join(parts).encode())
    return value - (1 << 32) if value >= 1 << 31 else value


TOP = 10


def book_checksum(book: OrderBook, context: ChecksumContext) -> int:
    bids, asks = book.raw_top_levels(TOP)
    return crc_of_rows(bids, asks)


class SimExchange:
    """Keeps the true book (price string -> amount string) and the message stream that produced it."""

    def __init__(self, style: str, seed: int = 99) -> None:
        self.style = style  # "first_last", "prev", "seq", "checksum", "none"
        self.rnd = random.Random(seed)
        self.bids: dict[str, str] = {}
        self.asks: dict[str, str] = {}
        self.mid = 50_000
        for i in range(1, 30):
            self.bids[self._p(self.mid - i)] = self._q()
            self.asks[self._p(self.mid + i)] = self._q()
        self.update_id = 1000  # last id contained in the book
        self.diffs: list[OrderBookMessage] = []

    @staticmethod
    def _p(ticks: int) -> str:
        return f"{ticks // 100}.{ticks % 100:02d}"

    def _q(self) -> str:
        return f"{self.rnd.randint(1, 10**8) / 1e6:.6f}"

    def top_rows(self, side: dict[str, str], reverse: bool, n: int) -> list[list[str]]:
        return [[p, side[p]] for p in sorted(side, key=Decimal, reverse=reverse)[:n]]

    def checksum(self) -> int:
        return crc_of_rows(self.top_rows(self.bids, True, TOP), self.top_rows(self.asks, False, TOP))

    def step(self) -> OrderBookMessage:
        """Mutate the true book and return the diff message that describes the change."""
        bids: list[list[str]] = []
        asks: list[list[str]] = []
        for side, out, sign in ((self.bids, bids, -1), (self.asks, asks, 1)):
            best = sorted(side, key=Decimal, reverse=sign < 0)[0]
            changes = {best: self._q()}  # always touch the top so a lost diff changes the checksum
            for _ in range(self.rnd.randint(1, 5)):
                price = self._p(self.mid + sign * self.rnd.randint(1, 35))
                changes[price] = "0" if self.rnd.random() < 0.2 and price != best else self._q()
            for price, qty in changes.items():
                if qty == "0":
                    side.pop(price, None)
                else:
                    side[price] = qty
                out.append([price, qty])
        prev = self.update_id
        width = self.rnd.randint(1, 3) if self.style == "first_last" else 1
        first = prev + 1
        self.update_id = prev + width
        content: dict = {"trading_pair": PAIR, "update_id": self.update_id, "bids": bids, "asks": asks}
        if self.style == "first_last":
            content["first_update_id"] = first
        if self.style == "prev":
            content["prev_update_id"] = prev
        if self.style == "checksum":
            content["checksum"] = self.checksum()
        message = OrderBookMessage(OrderBookMessageType.DIFF, content, float(self.update_id))
        self.diffs.append(message)
        return message

    def snapshot(self) -> OrderBookMessage:
        content: dict = {
            "trading_pair": PAIR,
            "update_id": self.update_id,
            "bids": self.top_rows(self.bids, True, 10_000),
            "asks": self.top_rows(self.asks, False, 10_000),
        }
        if self.style == "checksum":
            content["checksum"] = self.checksum()
        return OrderBookMessage(OrderBookMessageType.SNAPSHOT, content, float(self.update_id))

    def expected(self) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        return (
            [(Decimal(p), Decimal(q)) for p, q in self.top_rows(self.bids, True, 10_000)],
            [(Decimal(p), Decimal(q)) for p, q in self.top_rows(self.asks, False, 10_000)],
        )

"""Order-book checksums as exchanges compute them, as configurable built-in algorithms.

An exchange that sends a checksum of its top levels with each book message (OKX, Kraken) lets a connector prove its
book is right after every update. :class:`~hbrt.data_type.book_integrity.Checksum` compares the exchange's value with
a function of the local book; :class:`Crc32Checksum` is that function for the CRC-32 family, described by data:

* ``levels``: how many of the best levels of each side are covered;
* ``sides``: ``interleaved`` (bid, ask, bid, ask..., the longer side's remaining levels after: OKX),
  ``asks_then_bids`` (Kraken) or ``bids_then_asks``;
* ``joiner``: the text between numbers (OKX ``":"``, Kraken none);
* ``numbers``: ``as_sent`` (the level's price and size exactly as the exchange sent them: OKX) or
  ``pair_precision`` (re-formatted with the pair's price and size decimals: Kraken, whose websocket sends JSON
  numbers); the decimals come with the :class:`ChecksumContext`;
* ``digits_only``: drop the decimal point and the leading zeros of each number (Kraken: ``0.00100000`` ->
  ``100000``).

The CRC-32 is zlib's (unsigned); the policy compares values modulo 2**32, so an exchange publishing it as a signed
32-bit integer (OKX) matches as well. A hand-written checksum function has the same signature as the built-in one:
``fn(book, context) -> int``.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    from hbrt.data_type.order_book import OrderBook

__all__ = ["ChecksumContext", "Crc32Checksum", "decimals_of"]

SIDES: Final = ("interleaved", "asks_then_bids", "bids_then_asks")
NUMBERS: Final = ("as_sent", "pair_precision")


@dataclass(frozen=True)
class ChecksumContext:
    """What a checksum may need besides the book: the pair, and its price and size decimals (None when unknown)."""

    trading_pair: str
    price_decimals: int | None = None
    size_decimals: int | None = None


def decimals_of(increment: Decimal | None) -> int | None:
    """The decimals a price or size increment allows (``0.01`` -> 2, ``1`` -> 0); None for none or a bad value."""
    if increment is None:
        return None
    try:
        exponent = increment.normalize().as_tuple().exponent
    except InvalidOperation:
        return None
    return max(0, -exponent) if isinstance(exponent, int) else None


class Crc32Checksum:
    """The CRC-32 of the text of a book's top levels, as described in the module docstring."""

    def __init__(
        self,
        levels: int,
        sides: Literal["interleaved", "asks_then_bids", "bids_then_asks"] = "interleaved",
        joiner: str = "",
        numbers: Literal["as_sent", "pair_precision"] = "as_sent",
        digits_only: bool = False,
    ) -> None:
        if sides not in SIDES:
            raise ValueError(f"sides must be one of {', '.join(SIDES)}, not {sides!r}")
        if numbers not in NUMBERS:
            raise ValueError(f"numbers must be one of {', '.join(NUMBERS)}, not {numbers!r}")
        self.levels = levels
        self.sides = sides
        self.joiner = joiner
        self.numbers = numbers
        self.digits_only = digits_only

    def __call__(self, book: OrderBook, context: ChecksumContext) -> int:
        bids, asks = book.raw_top_levels(self.levels)
        return self.of_levels(bids, asks, context)

    def of_levels(self, bids: Sequence[Sequence[Any]], asks: Sequence[Sequence[Any]], context: ChecksumContext) -> int:
        """The checksum of levels given best first (rows ``[price, size, ...]``)."""
        return zlib.crc32(self.text(bids, asks, context).encode())

    def text(self, bids: Sequence[Sequence[Any]], asks: Sequence[Sequence[Any]], context: ChecksumContext) -> str:
        """The text the checksum is computed over."""
        bids, asks = bids[: self.levels], asks[: self.levels]
        if self.sides == "interleaved":
            ordered: list[Sequence[Any]] = []
            for index in range(max(len(bids), len(asks))):
                if index < len(bids):
                    ordered.append(bids[index])
                if index < len(asks):
                    ordered.append(asks[index])
        elif self.sides == "asks_then_bids":
            ordered = [*asks, *bids]
        else:
            ordered = [*bids, *asks]
        numbers: list[str] = []
        for row in ordered:
            numbers.append(self._number(row[0], context.price_decimals))
            numbers.append(self._number(row[1], context.size_decimals))
        return self.joiner.join(numbers)

    def _number(self, value: Any, decimals: int | None) -> str:
        if self.numbers == "pair_precision" and decimals is not None:
            text = format(Decimal(str(value)), f".{decimals}f")
        else:
            text = value if isinstance(value, str) else str(value)
        if self.digits_only:
            text = text.replace(".", "").lstrip("0") or "0"
        return text

    def __repr__(self) -> str:
        return (
            f"Crc32Checksum(levels={self.levels}, sides={self.sides!r}, joiner={self.joiner!r}, "
            f"numbers={self.numbers!r}, digits_only={self.digits_only})"
        )

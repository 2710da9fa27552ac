"""Row types of an order book.

Hummingbot's ``OrderBookRow`` holds floats and a separate ``ClientOrderBookRow`` holds Decimals. In hbrt money is
``Decimal`` at every public API, so both rows carry ``Decimal`` price and amount; ``ClientOrderBookRow`` is kept as its
own type only so code written against Hummingbot's names keeps working.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple


def to_decimal(value: Decimal | str | int | float) -> Decimal:
    """Convert a raw price or amount (``str``, ``Decimal``, ``int`` or ``float``) to ``Decimal`` without float noise.

    Floats go through ``repr`` (the shortest string that round-trips), so ``0.1`` becomes ``Decimal("0.1")``.
    """
    if type(value) is Decimal:
        return value
    if type(value) is float:
        return Decimal(repr(value))
    return Decimal(value)


class OrderBookRow(NamedTuple):
    """One price level: ``price`` and ``amount`` as ``Decimal``, and the update id that last set the level."""

    price: Decimal
    amount: Decimal
    update_id: int


class ClientOrderBookRow(NamedTuple):
    """Hummingbot's Decimal row type; same fields and meaning as :class:`OrderBookRow`."""

    price: Decimal
    amount: Decimal
    update_id: int

"""Result type of the order book depth queries (``get_price_for_volume`` and friends)."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple


class OrderBookQueryResult(NamedTuple):
    """What a depth query asked for and what it found.

    Fields that a query does not use are ``Decimal("NaN")``; for example ``get_price_for_volume`` sets
    ``query_price`` to NaN, ``query_volume`` to the requested volume, ``result_price`` to the price of the level at
    which the cumulative volume reaches the request (NaN if the side is too thin) and ``result_volume`` to the
    volume actually available up to that level (at most the request).
    """

    query_price: Decimal
    query_volume: Decimal
    result_price: Decimal
    result_volume: Decimal


# Hummingbot's ExchangeBase wraps query results in a Decimal twin; here the result is Decimal already.
ClientOrderBookQueryResult = OrderBookQueryResult

"""Per-pair trading constraints published by an exchange (Hummingbot's ``TradingRule``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

_HUGE = Decimal("1e56")
_TINY = Decimal("1e-56")

_FIELDS: tuple[str, ...] = (
    "trading_pair",
    "min_order_size",
    "max_order_size",
    "min_price_increment",
    "min_base_amount_increment",
    "min_quote_amount_increment",
    "min_notional_size",
    "min_order_value",
    "max_price_significant_digits",
    "supports_limit_orders",
    "supports_market_orders",
    "buy_order_collateral_token",
    "sell_order_collateral_token",
)


def _to_decimal(value: Any) -> Decimal:
    """Coerce ``value`` to Decimal; floats go through ``str`` so ``0.1`` stays ``0.1``."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    return Decimal(value)


class TradingRule:
    """Limits and increments that orders on one trading pair must respect.

    ``min_price_increment`` and ``min_base_amount_increment`` drive quantisation; ``min_order_size`` and
    ``min_notional_size`` drive order validation; the other fields are advisory. The collateral tokens default to
    the quote asset of ``trading_pair`` (the part after the first ``-``).

    Two rules are equal when every field is equal (Decimals compare numerically). ``repr`` lists every field in a
    fixed order, so the shared connector test suite can compare rules by ``repr``.
    """

    __slots__ = _FIELDS

    def __init__(
        self,
        trading_pair: str,
        min_order_size: Decimal = Decimal(0),
        max_order_size: Decimal = _HUGE,
        min_price_increment: Decimal = _TINY,
        min_base_amount_increment: Decimal = _TINY,
        min_quote_amount_increment: Decimal = _TINY,
        min_notional_size: Decimal = Decimal(0),
        min_order_value: Decimal = Decimal(0),
        max_price_significant_digits: Decimal = _HUGE,
        supports_limit_orders: bool = True,
        supports_market_orders: bool = True,
        buy_order_collateral_token: str | None = None,
        sell_order_collateral_token: str | None = None,
    ) -> None:
        self.trading_pair: str = trading_pair
        self.min_order_size: Decimal = _to_decimal(min_order_size)
        self.max_order_size: Decimal = _to_decimal(max_order_size)
        self.min_price_increment: Decimal = _to_decimal(min_price_increment)
        self.min_base_amount_increment: Decimal = _to_decimal(min_base_amount_increment)
        self.min_quote_amount_increment: Decimal = _to_decimal(min_quote_amount_increment)
        self.min_notional_size: Decimal = _to_decimal(min_notional_size)
        self.min_order_value: Decimal = _to_decimal(min_order_value)
        self.max_price_significant_digits: Decimal = _to_decimal(max_price_significant_digits)
        self.supports_limit_orders: bool = supports_limit_orders
        self.supports_market_orders: bool = supports_market_orders
        quote = trading_pair.split("-", 1)[1] if "-" in trading_pair else trading_pair
        self.buy_order_collateral_token: str = buy_order_collateral_token or quote
        self.sell_order_collateral_token: str = sell_order_collateral_token or quote

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in _FIELDS)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TradingRule):
            return NotImplemented
        return self._values() == other._values()

    # Mutable, so unhashable: equal rules must not be used as set members. Python already sets __hash__ to None
    # for a class defining __eq__; stating it tells type checkers too.
    __hash__ = None  # type: ignore[assignment]  # typeshed types object.__hash__ as a method, not as a None-able value

    def __repr__(self) -> str:
        parts = []
        for name in _FIELDS:
            value = getattr(self, name)
            parts.append(f"{name}='{value}'" if isinstance(value, str) else f"{name}={value}")
        return f"TradingRule({', '.join(parts)})"

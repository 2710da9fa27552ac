"""Collateral estimates of a perpetual connector that has no websocket balance events.

Between two REST balance polls such a connector corrects the polled available balance with what its own orders and
fills did since the poll (``ExchangePyBase.get_available_balance``). For a perpetual market the asset that moves is
the order's collateral token, and what moves is margin, not the traded asset: an order that opens a position holds
``remaining amount x price / leverage``; an order that closes one holds nothing; an opening fill turns held margin
into position margin and a closing fill releases position margin. Fees and realised PnL wait for the next poll.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal

from hbrt.data_type.common import PositionAction, TradeType
from hbrt.data_type.in_flight_order import InFlightOrder
from hbrt.event.events import OrderFilledEvent

#: ``(trading pair, side) -> collateral token`` (the connector's buy/sell collateral getters).
CollateralTokenOf = Callable[[str, TradeType], str]

_ZERO = Decimal(0)


def _leverage(value: int | None) -> Decimal:
    return Decimal(max(value or 1, 1))


def margin_held_by_orders(
    orders: Iterable[InFlightOrder], collateral_token_of: CollateralTokenOf
) -> dict[str, Decimal]:
    """Margin per collateral token that the open, position-opening ``orders`` hold."""
    held: dict[str, Decimal] = defaultdict(lambda: _ZERO)
    for order in orders:
        if not order.is_open or order.position == PositionAction.CLOSE:
            continue
        remaining = order.amount - order.executed_amount_base
        price = order.price
        if remaining <= 0 or price is None or price.is_nan() or price <= 0:
            continue
        held[collateral_token_of(order.trading_pair, order.trade_type)] += remaining * price / _leverage(order.leverage)
    return dict(held)


def margin_moved_by_fills(
    fills: Iterable[OrderFilledEvent], collateral_token_of: CollateralTokenOf
) -> dict[str, Decimal]:
    """Change of available collateral per token caused by ``fills``: opening fills take margin, closing ones free it."""
    moved: dict[str, Decimal] = defaultdict(lambda: _ZERO)
    for fill in fills:
        margin = fill.amount * fill.price / _leverage(fill.leverage)
        closing = fill.position == PositionAction.CLOSE.value
        moved[collateral_token_of(fill.trading_pair, fill.trade_type)] += margin if closing else -margin
    return dict(moved)

"""An open position of a perpetual connector (Hummingbot's ``Position``), and what exchanges report about one.

``amount`` is signed: negative for a short position. Positions are read-only to their users; the connector changes
them with :meth:`Position.update_position`, which keeps every field passed as None.

:class:`PositionEntry` and :class:`MarginCallEntry` are what a connector's parsers produce from a positions answer,
a position event or a margin call; the perpetual base class turns them into positions and events.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from hbrt.data_type.common import PositionSide, TradeType


def signed_amount(amount: Decimal, direction: TradeType | None) -> Decimal:
    """``amount`` signed as positions are: an exchange that reports a short position's size unsigned, with a SELL
    direction, gets it negated; a size already signed (or of a long position) is returned as it is."""
    return -amount if direction == TradeType.SELL and amount > 0 else amount


class Position:
    """One position: a pair, its side, the signed amount, the entry price, unrealised PnL and leverage."""

    __slots__ = ("_amount", "_entry_price", "_leverage", "_position_side", "_trading_pair", "_unrealized_pnl")

    def __init__(
        self,
        trading_pair: str,
        position_side: PositionSide,
        unrealized_pnl: Decimal,
        entry_price: Decimal,
        amount: Decimal,
        leverage: Decimal,
    ) -> None:
        self._trading_pair = trading_pair
        self._position_side = position_side
        self._unrealized_pnl = unrealized_pnl
        self._entry_price = entry_price
        self._amount = amount
        self._leverage = leverage

    def __repr__(self) -> str:
        return (
            f"Position(trading_pair={self._trading_pair}, position_side={self._position_side}, "
            f"unrealized_pnl={self._unrealized_pnl}, entry_price={self._entry_price}, amount={self._amount}, "
            f"leverage={self._leverage})"
        )

    __hash__ = None  # type: ignore[assignment]  # typeshed types object.__hash__ as a method; positions are mutable

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Position):
            return NotImplemented
        return self._key() == other._key()

    def _key(self) -> tuple[str, PositionSide, Decimal, Decimal, Decimal, Decimal]:
        return (
            self._trading_pair,
            self._position_side,
            self._unrealized_pnl,
            self._entry_price,
            self._amount,
            self._leverage,
        )

    @property
    def trading_pair(self) -> str:
        return self._trading_pair

    @property
    def position_side(self) -> PositionSide:
        return self._position_side

    @property
    def unrealized_pnl(self) -> Decimal:
        return self._unrealized_pnl

    @property
    def entry_price(self) -> Decimal:
        return self._entry_price

    @property
    def amount(self) -> Decimal:
        """Signed amount: positive long, negative short."""
        return self._amount

    @property
    def leverage(self) -> Decimal:
        return self._leverage

    def update_position(
        self,
        position_side: PositionSide | None = None,
        unrealized_pnl: Decimal | None = None,
        entry_price: Decimal | None = None,
        amount: Decimal | None = None,
        leverage: Decimal | None = None,
    ) -> None:
        """Replace the fields given; a None argument keeps the current value."""
        if position_side is not None:
            self._position_side = position_side
        if unrealized_pnl is not None:
            self._unrealized_pnl = unrealized_pnl
        if entry_price is not None:
            self._entry_price = entry_price
        if amount is not None:
            self._amount = amount
        if leverage is not None:
            self._leverage = leverage


class PositionEntry(NamedTuple):
    """One position as an exchange reports it (REST answer or user-stream event).

    ``amount`` is signed (negative short); zero means the position is closed. ``position_side`` may be None or
    BOTH for one-way accounts: the side then follows the sign of the amount. Fields the report lacks are None.
    """

    trading_pair: str
    position_side: PositionSide | None
    amount: Decimal
    entry_price: Decimal | None = None
    unrealized_pnl: Decimal | None = None
    leverage: Decimal | None = None


class MarginCallEntry(NamedTuple):
    """One position named by a margin call; fields the exchange does not report are None."""

    trading_pair: str
    position_side: PositionSide | None = None
    amount: Decimal | None = None
    unrealized_pnl: Decimal | None = None
    maintenance_margin: Decimal | None = None

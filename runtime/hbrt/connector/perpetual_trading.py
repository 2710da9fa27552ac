"""Perpetual trading state of one connector (Hummingbot's ``PerpetualTrading``).

Holds the open positions, the position mode, the leverage per pair and the funding information, and runs the task
that applies streamed :class:`~hbrt.data_type.funding_info.FundingInfoUpdate`\\ s. It is state only: REST calls and
events belong to :class:`~hbrt.connector.perpetual_derivative_py_base.PerpetualDerivativePyBase`.

Positions are keyed by :meth:`PerpetualTrading.position_key`: the pair alone in one-way mode, the pair followed by
the side's name (``BTC-USDTLONG``) in hedge mode, where a pair can hold a long and a short position at once.
"""

from __future__ import annotations

import asyncio
import copy
from decimal import Decimal
from typing import NamedTuple

from hbrt.connector.derivative.position import Position, PositionEntry
from hbrt.data_type.common import PositionMode, PositionSide
from hbrt.data_type.funding_info import FundingInfo, FundingInfoUpdate
from hbrt.logger import HummingbotLogger, get_logger

DEFAULT_LEVERAGE = 1


class PositionChange(NamedTuple):
    """What :meth:`PerpetualTrading.apply_position_entry` did.

    ``key`` is the position's key while it stays open (None once closed or when it could not be opened);
    ``position`` is the position that changed, opened or closed (None when nothing changed); ``closed`` says it was
    removed; ``unknown`` says a new position was reported without an entry price, so nothing was opened.
    """

    key: str | None
    position: Position | None
    closed: bool = False
    unknown: bool = False


class PerpetualTrading:
    """Positions, position mode, leverage and funding information of one perpetual connector.

    ``trading_pairs`` is the connector's own list, shared by reference (Hummingbot's convention): a pair added to the
    connector is seen here too.
    """

    def __init__(self, trading_pairs: list[str]) -> None:
        self._trading_pairs = trading_pairs
        self._account_positions: dict[str, Position] = {}
        self._position_mode: PositionMode = PositionMode.ONEWAY
        self._leverage: dict[str, int] = {}
        self._funding_info: dict[str, FundingInfo] = {}
        self._funding_info_stream: asyncio.Queue[FundingInfoUpdate] = asyncio.Queue()
        self._funding_payment_span: list[int] = [0, 0]
        self._funding_info_updater_task: asyncio.Task[None] | None = None

    @classmethod
    def logger(cls) -> HummingbotLogger:
        return get_logger(__name__)

    # ---- positions ----------------------------------------------------------------------------------------------

    @property
    def account_positions(self) -> dict[str, Position]:
        """Open positions by :meth:`position_key` (the live dict: callers must not change it)."""
        return self._account_positions

    def position_key(
        self, trading_pair: str, side: PositionSide | None = None, mode: PositionMode | None = None
    ) -> str:
        """The key of a position: the pair in one-way mode, pair + side name in hedge mode (``mode`` defaults to the
        current mode). A hedge-mode key needs a LONG or SHORT side."""
        mode = self._position_mode if mode is None else mode
        if mode == PositionMode.ONEWAY:
            return trading_pair
        if side is None or side == PositionSide.BOTH:
            raise ValueError(f"A hedge-mode position of {trading_pair} needs a LONG or SHORT side, not {side}.")
        return f"{trading_pair}{side.name}"

    def get_position(self, trading_pair: str, side: PositionSide | None = None) -> Position | None:
        """The open position of ``trading_pair`` (and ``side`` in hedge mode), or None."""
        if self._position_mode == PositionMode.HEDGE and (side is None or side == PositionSide.BOTH):
            return None
        return self._account_positions.get(self.position_key(trading_pair, side))

    @staticmethod
    def side_of(reported_side: PositionSide | None, amount: Decimal) -> PositionSide:
        """LONG or SHORT: the reported side, or the amount's sign for one-way reports (side BOTH or none)."""
        if reported_side in (PositionSide.LONG, PositionSide.SHORT):
            return reported_side
        return PositionSide.SHORT if amount < 0 else PositionSide.LONG

    def apply_position_entry(self, entry: PositionEntry, default_leverage: Decimal) -> PositionChange:
        """Open, change or close (zero amount) the position ``entry`` reports.

        A new position takes ``default_leverage`` when the report has none. Fields the report lacks keep their
        value on an existing position.
        """
        side = self.side_of(entry.position_side, entry.amount)
        key = self.position_key(entry.trading_pair, side)
        position = self._account_positions.get(key)
        if entry.amount == 0:
            return PositionChange(None, self.remove_position(key), closed=True)
        if position is None:
            if entry.entry_price is None:
                return PositionChange(None, None, unknown=True)
            position = Position(
                trading_pair=entry.trading_pair,
                position_side=side,
                unrealized_pnl=entry.unrealized_pnl if entry.unrealized_pnl is not None else Decimal(0),
                entry_price=entry.entry_price,
                amount=entry.amount,
                leverage=entry.leverage if entry.leverage is not None else default_leverage,
            )
            self.set_position(key, position)
            return PositionChange(key, position)
        before = repr(position)
        position.update_position(
            position_side=side,
            unrealized_pnl=entry.unrealized_pnl,
            entry_price=entry.entry_price,
            amount=entry.amount,
            leverage=entry.leverage,
        )
        return PositionChange(key, position if repr(position) != before else None)

    def set_position(self, pos_key: str, position: Position) -> None:
        self._account_positions[pos_key] = position

    def remove_position(self, pos_key: str) -> Position | None:
        return self._account_positions.pop(pos_key, None)

    # ---- mode and leverage --------------------------------------------------------------------------------------

    @property
    def position_mode(self) -> PositionMode:
        return self._position_mode

    def set_position_mode(self, value: PositionMode) -> None:
        """Record the mode the exchange account is in (the connector switches it on the exchange first)."""
        self._position_mode = value

    def get_leverage(self, trading_pair: str) -> int:
        """Leverage of ``trading_pair``: the last one set, else 1."""
        return self._leverage.get(trading_pair, DEFAULT_LEVERAGE)

    def set_leverage(self, trading_pair: str, leverage: int = DEFAULT_LEVERAGE) -> None:
        """Record the leverage of ``trading_pair`` (the connector sets it on the exchange first)."""
        self._leverage[trading_pair] = leverage

    # ---- funding ------------------------------------------------------------------------------------------------

    @property
    def funding_info(self) -> dict[str, FundingInfo]:
        """A deep copy of the funding information per pair (changing it changes nothing here)."""
        return copy.deepcopy(self._funding_info)

    @property
    def funding_info_stream(self) -> asyncio.Queue[FundingInfoUpdate]:
        """Where the order book data source puts streamed funding updates; :meth:`start` applies them."""
        return self._funding_info_stream

    @property
    def funding_payment_span(self) -> list[int]:
        """Seconds before and after a funding time during which a position takes part in the payment."""
        return self._funding_payment_span

    def initialize_funding_info(self, funding_info: FundingInfo) -> None:
        """Install the full funding information of one pair (from REST)."""
        self._funding_info[funding_info.trading_pair] = funding_info

    def get_funding_info(self, trading_pair: str) -> FundingInfo:
        """Funding information of ``trading_pair``; KeyError before it was initialised."""
        return self._funding_info[trading_pair]

    def has_funding_info(self, trading_pair: str) -> bool:
        return trading_pair in self._funding_info

    def is_funding_info_initialized(self) -> bool:
        """True once every traded pair has funding information."""
        return all(trading_pair in self._funding_info for trading_pair in self._trading_pairs)

    # ---- pairs --------------------------------------------------------------------------------------------------

    def add_trading_pair(self, trading_pair: str) -> None:
        if trading_pair not in self._trading_pairs:
            self._trading_pairs.append(trading_pair)

    def remove_trading_pair(self, trading_pair: str) -> None:
        """Forget a pair: its place in the list, its funding information and its leverage."""
        if trading_pair in self._trading_pairs:
            self._trading_pairs.remove(trading_pair)
        self._funding_info.pop(trading_pair, None)
        self._leverage.pop(trading_pair, None)

    # ---- the funding updater ------------------------------------------------------------------------------------

    def start(self) -> None:
        """(Re)start the task that applies :attr:`funding_info_stream` to the funding information."""
        self.stop()
        self._funding_info_updater_task = asyncio.create_task(self._funding_info_updater())

    def stop(self) -> None:
        """Stop the updater and forget the funding information (it is fetched again on the next start)."""
        if self._funding_info_updater_task is not None:
            self._funding_info_updater_task.cancel()
            self._funding_info_updater_task = None
        self._funding_info.clear()

    async def _funding_info_updater(self) -> None:
        while True:
            update = await self._funding_info_stream.get()
            try:
                self.apply_funding_info_update(update)
            except Exception:
                self.logger().error("Unexpected error updating funding info.", exc_info=True)

    def apply_funding_info_update(self, update: FundingInfoUpdate) -> bool:
        """Apply one streamed update; False (and nothing changed) for a pair without funding information yet."""
        funding_info = self._funding_info.get(update.trading_pair)
        if funding_info is None:
            self.logger().debug(f"Funding update for {update.trading_pair} before its funding info; skipped.")
            return False
        funding_info.update(update)
        return True

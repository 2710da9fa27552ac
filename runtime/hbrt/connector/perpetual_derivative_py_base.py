"""``PerpetualDerivativePyBase``: the template every perpetual connector inherits (Hummingbot's names, our code).

It is :class:`~hbrt.connector.exchange_py_base.ExchangePyBase` plus what perpetual markets add: positions (by
REST and from the user stream), the position mode, leverage per pair, funding information (REST at start, then
streamed updates) and funding payments (polled). A concrete connector supplies Hummingbot's eleven perpetual members
(``funding_fee_poll_interval``, ``supported_position_modes``, ``get_buy_collateral_token``,
``get_sell_collateral_token``, ``_create_order_book_data_source`` returning a
:class:`~hbrt.data_type.perpetual_api_order_book_data_source.PerpetualAPIOrderBookDataSource`, ``_place_order``
with ``position_action``, ``_update_positions``, ``_trading_pair_position_mode_set``, ``_set_trading_pair_leverage``,
``_fetch_last_fee_payment`` and ``_get_fee`` with ``position_action``) and, optionally,
``_fetch_account_position_mode``.

Its deliberate differences from Hummingbot (orders without a position action refused by ``buy``/``sell``, a silent
first funding-payment baseline per pair, funding information retried until every pair has it, positions always LONG
or SHORT, position and margin-call events, collateral estimated without websocket balance events) are listed in
``docs/runtime.md`` ("Perpetual connectors") and marked where they happen.
"""

from __future__ import annotations

import asyncio
from abc import abstractmethod
from collections.abc import Iterable
from decimal import Decimal
from functools import cached_property
from typing import Any, ClassVar

from hbrt.connector.client_order_tracker import ClientOrderTracker
from hbrt.connector.derivative.collateral import margin_held_by_orders, margin_moved_by_fills
from hbrt.connector.derivative.position import MarginCallEntry, Position, PositionEntry
from hbrt.connector.exchange_py_base import ExchangePyBase, s_decimal_0, s_decimal_NaN
from hbrt.connector.perpetual_trading import PerpetualTrading
from hbrt.data_type.common import OrderType, PositionAction, PositionMode, TradeType
from hbrt.data_type.funding_info import FundingInfo
from hbrt.data_type.in_flight_order import InFlightOrder, PerpetualDerivativeInFlightOrder
from hbrt.data_type.perpetual_api_order_book_data_source import PerpetualAPIOrderBookDataSource
from hbrt.data_type.trade_fee import TradeFeeBase
from hbrt.event.events import (
    AccountEvent,
    FundingPaymentCompletedEvent,
    MarginCallEvent,
    MarketEvent,
    OrderFilledEvent,
    PositionModeChangeEvent,
    PositionUpdateEvent,
)


class PerpetualOrderTracker(ClientOrderTracker):
    """The order tracker of a perpetual connector: saved orders are restored with their position action."""

    ORDER_CLASS = PerpetualDerivativeInFlightOrder


class PerpetualDerivativePyBase(ExchangePyBase):
    """Base class of perpetual derivative connectors. See the module docstring for the members to supply."""

    VALID_POSITION_ACTIONS: ClassVar[tuple[PositionAction, ...]] = (PositionAction.OPEN, PositionAction.CLOSE)
    #: Seconds between attempts to fetch funding information that failed at start.
    FUNDING_INFO_RETRY_INTERVAL: ClassVar[float] = 5.0
    #: Seconds stop_network waits for a cancelled funding task before cancelling it again.
    TASK_STOP_WAIT: ClassVar[float] = 1.0
    #: False: the exchange switches the position mode of the whole account, through the first trading pair
    #: (Hummingbot's behaviour). True: it keeps a mode per pair (Bybit), so every pair is switched and the mode
    #: changes only when all switches succeed.
    POSITION_MODE_PER_PAIR: ClassVar[bool] = False

    def __init__(
        self,
        balance_asset_limit: dict[str, dict[str, Decimal]] | None = None,
        rate_limits_share_pct: Decimal = Decimal("100"),
    ) -> None:
        super().__init__(balance_asset_limit=balance_asset_limit, rate_limits_share_pct=rate_limits_share_pct)
        self._last_funding_fee_payment_ts: dict[str, float] = {}
        self._funding_info_listener_task: asyncio.Task[None] | None = None
        self._funding_fee_polling_task: asyncio.Task[None] | None = None
        self._funding_fee_poll_notifier = asyncio.Event()
        self._set_position_mode_lock = asyncio.Lock()

    # ------------------------------------------------------------------------------------------------------------
    # Abstract members (Hummingbot's perpetual ones)

    @property
    @abstractmethod
    def funding_fee_poll_interval(self) -> int:
        """Seconds between funding-payment polls."""

    @abstractmethod
    def supported_position_modes(self) -> list[PositionMode]:
        """The position modes the exchange offers."""

    @abstractmethod
    def get_buy_collateral_token(self, trading_pair: str) -> str:
        """The asset a buy order of ``trading_pair`` is margined in."""

    @abstractmethod
    def get_sell_collateral_token(self, trading_pair: str) -> str:
        """The asset a sell order of ``trading_pair`` is margined in."""

    @abstractmethod
    def _create_order_book_data_source(self) -> PerpetualAPIOrderBookDataSource:
        """Build the market-data source (order books, trades and funding information)."""

    @abstractmethod
    async def _place_order(
        self,
        order_id: str,
        trading_pair: str,
        amount: Decimal,
        trade_type: TradeType,
        order_type: OrderType,
        price: Decimal,
        position_action: PositionAction = PositionAction.NIL,
        **kwargs: Any,
    ) -> tuple[str, float]:
        """Send the order (opening or closing a position); return ``(exchange order id, timestamp in seconds)``."""

    @abstractmethod
    async def _update_positions(self) -> None:
        """Fetch every open position over REST and pass them to :meth:`_apply_position_snapshot`."""

    @abstractmethod
    async def _trading_pair_position_mode_set(self, mode: PositionMode, trading_pair: str) -> tuple[bool, str]:
        """Switch the account to ``mode``; return ``(success, the exchange's message on failure)``."""

    @abstractmethod
    async def _set_trading_pair_leverage(self, trading_pair: str, leverage: int) -> tuple[bool, str]:
        """Set the leverage of ``trading_pair``; return ``(success, the exchange's message on failure)``."""

    @abstractmethod
    async def _fetch_last_fee_payment(self, trading_pair: str) -> tuple[float, Decimal, Decimal]:
        """The latest funding payment of ``trading_pair``: ``(timestamp s, funding rate, amount)``, or
        ``(0, Decimal(-1), Decimal(-1))`` when there is none. A negative amount was paid, a positive one received."""

    @abstractmethod
    def _get_fee(  # type: ignore[override]  # Hummingbot's perpetual signature puts position_action before amount
        self,
        base_currency: str,
        quote_currency: str,
        order_type: OrderType,
        order_side: TradeType,
        position_action: PositionAction,
        amount: Decimal,
        price: Decimal = s_decimal_NaN,
        is_maker: bool | None = None,
    ) -> TradeFeeBase:
        """Estimated fee of an order that opens or closes a position."""

    async def _fetch_account_position_mode(self) -> PositionMode | None:
        """The position mode the exchange account is in, or None when the exchange cannot tell (the default)."""
        return None

    # ------------------------------------------------------------------------------------------------------------
    # Collaborators and state

    @cached_property
    def _perpetual_trading(self) -> PerpetualTrading:
        return PerpetualTrading(self.trading_pairs)

    @cached_property
    def _orderbook_ds(self) -> PerpetualAPIOrderBookDataSource:
        return self._create_order_book_data_source()

    def _create_order_tracker(self) -> ClientOrderTracker:
        return PerpetualOrderTracker(connector=self, lost_order_count_limit=self.LOST_ORDER_COUNT_LIMIT)

    @property
    def status_dict(self) -> dict[str, bool]:
        """The spot readiness conditions plus ``funding_info``: every pair has its funding information."""
        status = super().status_dict
        status["funding_info"] = self._perpetual_trading.is_funding_info_initialized()
        return status

    @property
    def position_mode(self) -> PositionMode:
        return self._perpetual_trading.position_mode

    @property
    def account_positions(self) -> dict[str, Position]:
        """Open positions by position key (the pair, or pair + side in hedge mode)."""
        return self._perpetual_trading.account_positions

    def get_leverage(self, trading_pair: str) -> int:
        return self._perpetual_trading.get_leverage(trading_pair)

    def get_funding_info(self, trading_pair: str) -> FundingInfo:
        return self._perpetual_trading.get_funding_info(trading_pair)

    # ------------------------------------------------------------------------------------------------------------
    # Clock and network lifecycle

    def tick(self, timestamp: float) -> None:
        """The spot tick, plus waking the funding-payment poller on every ``funding_fee_poll_interval`` boundary."""
        interval = self.funding_fee_poll_interval
        last_tick = int(self._last_timestamp / interval)
        current_tick = int(timestamp / interval)
        super().tick(timestamp)
        if current_tick > last_tick:
            self._funding_fee_poll_notifier.set()

    async def start_network(self) -> None:
        """The spot tasks, plus the funding updater and listener; when trading, the account's position mode is read
        (if the exchange offers more than one) and funding payments are polled."""
        await super().start_network()
        self._perpetual_trading.start()
        self._funding_info_listener_task = asyncio.create_task(self._listen_for_funding_info())
        if self.is_trading_required:
            if len(self.supported_position_modes()) > 1:
                await self._initialize_position_mode()
            self._funding_fee_polling_task = asyncio.create_task(self._funding_payment_polling_loop())

    async def stop_network(self) -> None:
        self._funding_fee_poll_notifier = asyncio.Event()
        if "_perpetual_trading" in self.__dict__:
            self._perpetual_trading.stop()
        cancelled: list[asyncio.Task[None]] = []
        for attribute in ("_funding_info_listener_task", "_funding_fee_polling_task"):
            task: asyncio.Task[None] | None = getattr(self, attribute)
            if task is not None:
                task.cancel()
                cancelled.append(task)
                setattr(self, attribute, None)
        self._last_funding_fee_payment_ts.clear()
        await super().stop_network()
        # A poller cancelled in the middle of its REST calls needs a few loop turns to unwind; wait for it, so that
        # no funding task is still running when stop_network returns. A task that swallowed its cancellation (as
        # Python 3.11's asyncio.wait_for can when the awaited call completes at the same moment) is cancelled again
        # after TASK_STOP_WAIT instead of being waited for forever.
        pending = set(cancelled)
        for _ in range(3):
            if not pending:
                break
            _, pending = await asyncio.wait(pending, timeout=self.TASK_STOP_WAIT)
            for task in pending:
                task.cancel()

    async def _status_polling_loop_fetch_updates(self) -> None:
        """Positions, balances (with the in-flight snapshot when needed) and orders, concurrently."""
        await asyncio.gather(self._update_positions(), self._update_all_balances(), self._update_order_status())

    # ------------------------------------------------------------------------------------------------------------
    # Orders

    def _start_order(
        self,
        trade_type: TradeType,
        trading_pair: str,
        amount: Decimal,
        order_type: OrderType,
        price: Decimal,
        **kwargs: Any,
    ) -> str:
        """Refuse at once an order without a valid ``position_action`` (deliberate fix, see the module docstring)."""
        position_action = kwargs.get("position_action", PositionAction.NIL)
        if position_action not in self.VALID_POSITION_ACTIONS:
            valid = ", ".join(action.name for action in self.VALID_POSITION_ACTIONS)
            raise ValueError(
                f"Invalid position action {position_action}: a {trade_type.name.lower()} order of {trading_pair} "
                f"must say whether it opens or closes a position (position_action one of {valid})."
            )
        return super()._start_order(trade_type, trading_pair, amount, order_type, price, **kwargs)

    async def _create_order(
        self,
        trade_type: TradeType,
        order_id: str,
        trading_pair: str,
        amount: Decimal,
        order_type: OrderType,
        price: Decimal | None = None,
        position_action: PositionAction = PositionAction.NIL,
        **kwargs: Any,
    ) -> None:
        """The spot flow; an order reaching here without a valid position action is tracked and failed."""
        if position_action not in self.VALID_POSITION_ACTIONS:
            self._track_and_fail_order(
                f"Invalid position action {position_action}.",
                order_id,
                trading_pair,
                trade_type=trade_type,
                price=price,
                amount=amount,
                order_type=order_type,
                position=position_action,
            )
            return
        await super()._create_order(
            trade_type, order_id, trading_pair, amount, order_type, price, position_action=position_action, **kwargs
        )

    async def _place_order_and_process_update(self, order: InFlightOrder, **kwargs: Any) -> str:
        return await super()._place_order_and_process_update(order, position_action=order.position, **kwargs)

    def _new_order_leverage(self, trading_pair: str) -> int:
        """A new order is tracked with the pair's current leverage."""
        return self.get_leverage(trading_pair)

    def get_fee(  # type: ignore[override]  # Hummingbot's perpetual signature (position_action before amount)
        self,
        base_currency: str,
        quote_currency: str,
        order_type: OrderType,
        order_side: TradeType,
        position_action: PositionAction,
        amount: Decimal,
        price: Decimal = s_decimal_NaN,
        is_maker: bool | None = None,
    ) -> TradeFeeBase:
        return self._get_fee(
            base_currency, quote_currency, order_type, order_side, position_action, amount, price, is_maker
        )

    # ------------------------------------------------------------------------------------------------------------
    # Position mode and leverage

    def set_position_mode(self, mode: PositionMode) -> None:
        """Switch the account to ``mode`` in the background; the outcome is an event and a log line."""
        if mode not in self.supported_position_modes():
            self.logger().error(f"Position mode {mode} is not supported. Mode not set.")
            return
        self._spawn(self._execute_set_position_mode(mode))

    async def _initialize_position_mode(self) -> None:
        """Read the account's position mode from the exchange so local state matches it."""
        async with self._set_position_mode_lock:
            try:
                mode = await self._fetch_account_position_mode()
            except asyncio.CancelledError:
                raise
            except Exception:
                self.logger().warning(
                    "Could not fetch the position mode from the exchange. Using default.", exc_info=True
                )
                return
            if mode is not None:
                self._perpetual_trading.set_position_mode(mode)
                self.logger().info(f"Position mode initialized to {mode} from exchange.")

    async def _execute_set_position_mode(self, mode: PositionMode) -> None:
        """Read the current mode first: switch only when it differs, using the first trading pair."""
        async with self._set_position_mode_lock:
            try:
                current = await self._fetch_account_position_mode()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.logger().warning(f"Could not fetch the position mode from the exchange: {error}")
                current = None
            if current == mode:
                self._perpetual_trading.set_position_mode(mode)
                self._fire_position_mode_events(mode, success=True)
                self.logger().info(f"Position mode already set to {mode} on exchange.")
                return
            if not self.trading_pairs:
                self.logger().warning("No trading pairs configured, cannot set position mode.")
                return
            pairs = list(self.trading_pairs) if self.POSITION_MODE_PER_PAIR else self.trading_pairs[:1]
            success, message = True, ""
            for trading_pair in pairs:
                try:
                    success, message = await self._trading_pair_position_mode_set(mode, trading_pair)
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    success, message = False, str(error)
                if not success:
                    break
            if success:
                self._perpetual_trading.set_position_mode(mode)
                self._fire_position_mode_events(mode, success=True)
                self.logger().info(f"Position mode switched to {mode}.")
            else:
                self._fire_position_mode_events(mode, success=False, message=message)
                self.logger().error(f"Failed to set position mode to {mode}: {message}")

    def _fire_position_mode_events(self, mode: PositionMode, success: bool, message: str = "") -> None:
        tag = AccountEvent.PositionModeChangeSucceeded if success else AccountEvent.PositionModeChangeFailed
        for trading_pair in self.trading_pairs:
            self.trigger_event(tag, PositionModeChangeEvent(self.current_timestamp, trading_pair, mode, message))

    def set_leverage(self, trading_pair: str, leverage: int = 1) -> None:
        """Set the leverage of ``trading_pair`` on the exchange in the background; :meth:`get_leverage` reads it
        back once the exchange accepted it."""
        self._spawn(self._execute_set_leverage(trading_pair, leverage))

    async def _execute_set_leverage(self, trading_pair: str, leverage: int) -> None:
        try:
            success, message = await self._set_trading_pair_leverage(trading_pair, leverage)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            success, message = False, str(error)
        if success:
            self._perpetual_trading.set_leverage(trading_pair, leverage)
            self.logger().info(f"Leverage for {trading_pair} successfully set to {leverage}.")
        else:
            self.logger().network(f"Error setting leverage {leverage} for {trading_pair}: {message}")

    # ------------------------------------------------------------------------------------------------------------
    # Funding information and payments

    async def _listen_for_funding_info(self) -> None:
        """Fetch every pair's funding information, then apply the streamed updates forever."""
        await self._init_funding_info()
        await self._orderbook_ds.listen_for_funding_info(output=self._perpetual_trading.funding_info_stream)

    async def _init_funding_info(self) -> None:
        """REST funding information for every pair lacking it, retried until all have it."""
        while True:
            missing = [pair for pair in self.trading_pairs if not self._perpetual_trading.has_funding_info(pair)]
            for trading_pair in missing:
                try:
                    funding_info = await self._orderbook_ds.get_funding_info(trading_pair)
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    self.logger().network(f"Error fetching the funding info of {trading_pair}: {error}")
                    continue
                self._perpetual_trading.initialize_funding_info(funding_info)
            if self._perpetual_trading.is_funding_info_initialized():
                return
            await self._sleep(self.FUNDING_INFO_RETRY_INTERVAL)

    async def _funding_payment_polling_loop(self) -> None:
        """A silent first pass that records each pair's latest payment, then one pass per notifier wake-up."""
        await self._update_all_funding_payments(fire_event_on_new=False)
        while True:
            await self._funding_fee_poll_notifier.wait()
            self._funding_fee_poll_notifier.clear()
            await self._update_all_funding_payments(fire_event_on_new=True)

    async def _update_all_funding_payments(self, fire_event_on_new: bool) -> None:
        await asyncio.gather(
            *(self._update_funding_payment(pair, fire_event_on_new) for pair in list(self.trading_pairs))
        )

    async def _update_funding_payment(self, trading_pair: str, fire_event_on_new: bool) -> bool:
        try:
            timestamp, funding_rate, payment = await self._fetch_last_fee_payment(trading_pair=trading_pair)
        except asyncio.CancelledError:
            raise
        except Exception:
            self.logger().network(
                f"Unexpected error while fetching last fee payment for {trading_pair}.", exc_info=True
            )
            return False
        self._emit_funding_payment_event(trading_pair, timestamp, funding_rate, payment, fire_event_on_new)
        return True

    def _emit_funding_payment_event(
        self, trading_pair: str, timestamp: float, funding_rate: Decimal, payment: Decimal, fire_event_on_new: bool
    ) -> None:
        """One ``FundingPaymentCompleted`` per payment newer than the last one seen; a pair's first look is silent."""
        previous = self._last_funding_fee_payment_ts.get(trading_pair)
        if previous is None or not fire_event_on_new:
            self._last_funding_fee_payment_ts[trading_pair] = max(timestamp, previous or 0)
            return
        if timestamp <= previous:
            return
        self._last_funding_fee_payment_ts[trading_pair] = timestamp
        action = "paid" if payment < s_decimal_0 else "received"
        self.logger().info(f"Funding payment of {abs(payment)} {action} on {trading_pair} market.")
        self.trigger_event(
            MarketEvent.FundingPaymentCompleted,
            FundingPaymentCompletedEvent(
                timestamp=timestamp,
                market=self.name,
                trading_pair=trading_pair,
                amount=payment,
                funding_rate=funding_rate,
            ),
        )

    # ------------------------------------------------------------------------------------------------------------
    # Positions

    def _apply_position_entry(self, entry: PositionEntry) -> str | None:
        """Open, change or close (zero amount) one position and publish the change; return its key while open. A
        new position reported without an entry price makes the connector refresh positions by REST."""
        change = self._perpetual_trading.apply_position_entry(entry, Decimal(self.get_leverage(entry.trading_pair)))
        if change.unknown:
            self._spawn(self._refresh_positions())
        elif change.position is not None:
            self._trigger_position_event(change.position, closed=change.closed)
        return change.key

    def _apply_position_snapshot(self, entries: Iterable[PositionEntry]) -> None:
        """Install a full positions answer: apply every entry, then drop open positions it no longer lists."""
        seen = {key for key in (self._apply_position_entry(entry) for entry in entries) if key is not None}
        for key in [key for key in self._perpetual_trading.account_positions if key not in seen]:
            removed = self._perpetual_trading.remove_position(key)
            if removed is not None:
                self._trigger_position_event(removed, closed=True)

    async def _refresh_positions(self) -> None:
        try:
            await self._update_positions()
        except asyncio.CancelledError:
            raise
        except Exception:
            self.logger().network("Unexpected error while refreshing positions.", exc_info=True)

    def _trigger_position_event(self, position: Position, closed: bool = False) -> None:
        self.trigger_event(
            AccountEvent.PositionUpdate,
            PositionUpdateEvent(
                timestamp=self.current_timestamp,
                trading_pair=position.trading_pair,
                position_side=None if closed else position.position_side,
                unrealized_pnl=s_decimal_0 if closed else position.unrealized_pnl,
                entry_price=position.entry_price,
                amount=s_decimal_0 if closed else position.amount,
                leverage=position.leverage,
            ),
        )

    def _process_margin_call(self, entries: Iterable[MarginCallEntry]) -> None:
        """Update the positions a margin call names, warn, and publish one ``MarginCall`` event per position."""
        named: list[str] = []
        for entry in entries:
            side = PerpetualTrading.side_of(entry.position_side, entry.amount or s_decimal_0)
            position = self._perpetual_trading.get_position(entry.trading_pair, side)
            if position is not None:
                position.update_position(unrealized_pnl=entry.unrealized_pnl, amount=entry.amount)
            named.append(f"{entry.trading_pair} (unrealized PnL {entry.unrealized_pnl})")
            self.trigger_event(
                AccountEvent.MarginCall,
                MarginCallEvent(
                    timestamp=self.current_timestamp,
                    trading_pair=entry.trading_pair,
                    position_side=side,
                    amount=entry.amount,
                    unrealized_pnl=entry.unrealized_pnl,
                    maintenance_margin=entry.maintenance_margin,
                ),
            )
        self.logger().warning(
            "Margin call: your position risk is too high and you are at risk of liquidation. Close positions or add "
            f"margin. Positions named: {', '.join(named) or 'none'}."
        )

    # ------------------------------------------------------------------------------------------------------------
    # Available collateral without websocket balance events (hbrt.connector.derivative.collateral)

    def _locked_amounts(self, orders: Iterable[InFlightOrder]) -> dict[str, Decimal]:
        return margin_held_by_orders(orders, self._collateral_token)

    def _net_fill_amounts(self, fills: Iterable[OrderFilledEvent]) -> dict[str, Decimal]:
        return margin_moved_by_fills(fills, self._collateral_token)

    def _collateral_token(self, trading_pair: str, trade_type: TradeType) -> str:
        if trade_type == TradeType.BUY:
            return self.get_buy_collateral_token(trading_pair)
        return self.get_sell_collateral_token(trading_pair)

    # ------------------------------------------------------------------------------------------------------------
    # Dynamic pairs

    async def add_trading_pair(self, trading_pair: str) -> bool:
        """Fetch the pair's funding information, then start its order book; undone when either fails."""
        try:
            funding_info = await self._orderbook_ds.get_funding_info(trading_pair)
            self._perpetual_trading.initialize_funding_info(funding_info)
            self._perpetual_trading.add_trading_pair(trading_pair)
            if await super().add_trading_pair(trading_pair):
                return True
        except asyncio.CancelledError:
            raise
        except Exception:
            self.logger().exception(f"Error adding trading pair {trading_pair}.")
        self._perpetual_trading.remove_trading_pair(trading_pair)
        return False

    async def remove_trading_pair(self, trading_pair: str) -> bool:
        """Stop the pair's order book and forget its funding information and leverage."""
        removed = await super().remove_trading_pair(trading_pair)
        self._perpetual_trading.remove_trading_pair(trading_pair)
        return removed

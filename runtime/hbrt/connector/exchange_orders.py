"""Orders of a spot connector: tracking in-flight orders, placing them (validation, quantisation, failures) and
cancelling them, one by one or all at once."""

from __future__ import annotations

import asyncio
import math
from decimal import Decimal
from typing import Any

from hbrt.connector.exchange_balances import ExchangeBalances
from hbrt.connector.exchange_core import s_decimal_0, s_decimal_NaN
from hbrt.connector.utils import get_new_client_order_id
from hbrt.data_type.cancellation_result import CancellationResult
from hbrt.data_type.common import OrderType, PositionAction, TradeType
from hbrt.data_type.in_flight_order import InFlightOrder, OrderState, OrderUpdate
from hbrt.data_type.trading_rule import TradingRule


class ExchangeOrders(ExchangeBalances):
    """Order tracking, placement and cancellation."""

    # ------------------------------------------------------------------------------------------------------------
    # Order tracking

    def start_tracking_order(
        self,
        order_id: str,
        exchange_order_id: str | None,
        trading_pair: str,
        trade_type: TradeType,
        price: Decimal | None,
        amount: Decimal,
        order_type: OrderType,
        **kwargs: Any,
    ) -> None:
        """Track a new order in PENDING_CREATE, stamped with :attr:`current_timestamp`.

        The order is of the tracker's ``ORDER_CLASS`` (the perpetual tracker's keeps the position action).
        ``leverage`` (else :meth:`_new_order_leverage`) and ``position`` (or ``position_action``) are taken from
        ``kwargs`` when present; other keyword arguments are exchange-specific order options, not stored.
        """
        self._order_tracker.start_tracking_order(
            self._order_tracker.ORDER_CLASS(
                client_order_id=order_id,
                exchange_order_id=exchange_order_id,
                trading_pair=trading_pair,
                order_type=order_type,
                trade_type=trade_type,
                amount=amount,
                price=price,
                creation_timestamp=self.current_timestamp,
                leverage=kwargs.get("leverage", self._new_order_leverage(trading_pair)),
                position=kwargs.get("position", kwargs.get("position_action", PositionAction.NIL)),
            )
        )

    def _new_order_leverage(self, trading_pair: str) -> int:
        """The leverage a new order of ``trading_pair`` is tracked with: 1 (the perpetual base: the pair's)."""
        return 1

    def _track_and_fail_order(self, reason: str, order_id: str, trading_pair: str, **order: Any) -> None:
        """Track an order that cannot be created and fail it at once: a WARNING with ``reason``, a FAILED update and
        a ``MarketOrderFailureEvent``. ``order`` holds :meth:`start_tracking_order`'s other arguments."""
        self.start_tracking_order(order_id=order_id, exchange_order_id=None, trading_pair=trading_pair, **order)
        error = ValueError(f"{reason} The order will not be created.")
        self.logger().warning(str(error))
        self._update_order_after_failure(order_id=order_id, trading_pair=trading_pair, exception=error)

    def stop_tracking_order(self, order_id: str) -> None:
        self._order_tracker.stop_tracking_order(client_order_id=order_id)

    @property
    def tracking_states(self) -> dict[str, Any]:
        """JSON of every order that may still change (active and lost), for persistence."""
        return {key: order.to_json() for key, order in self._order_tracker.all_updatable_orders.items()}

    def restore_tracking_states(self, saved_states: dict[str, Any]) -> None:
        """Re-track persisted orders: open ones become active, failed ones lost."""
        self._order_tracker.restore_tracking_states(tracking_states=saved_states)

    # ------------------------------------------------------------------------------------------------------------
    # Placing orders

    def buy(
        self,
        trading_pair: str,
        amount: Decimal,
        order_type: OrderType = OrderType.LIMIT,
        price: Decimal = s_decimal_NaN,
        **kwargs: Any,
    ) -> str:
        """Create a buy order in the background; return its client order id at once."""
        return self._start_order(TradeType.BUY, trading_pair, amount, order_type, price, **kwargs)

    def sell(
        self,
        trading_pair: str,
        amount: Decimal,
        order_type: OrderType = OrderType.LIMIT,
        price: Decimal = s_decimal_NaN,
        **kwargs: Any,
    ) -> str:
        """Create a sell order in the background; return its client order id at once."""
        return self._start_order(TradeType.SELL, trading_pair, amount, order_type, price, **kwargs)

    def _start_order(
        self,
        trade_type: TradeType,
        trading_pair: str,
        amount: Decimal,
        order_type: OrderType,
        price: Decimal,
        **kwargs: Any,
    ) -> str:
        order_id = get_new_client_order_id(
            is_buy=trade_type == TradeType.BUY,
            trading_pair=trading_pair,
            hbot_order_id_prefix=self.client_order_id_prefix,
            max_id_len=self.client_order_id_max_length,
        )
        self._spawn(
            self._create_order(
                trade_type=trade_type,
                order_id=order_id,
                trading_pair=trading_pair,
                amount=amount,
                order_type=order_type,
                price=price,
                **kwargs,
            )
        )
        return order_id

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
        """Quantise, track (PENDING_CREATE), validate, then place the order.

        As in Hummingbot the order is tracked *before* validation, so a rejected order is visible as a FAILED
        update (carrying ``error_message``/``error_type``) and a ``MarketOrderFailureEvent``.
        """
        if price is None:
            price = s_decimal_NaN
        trading_rule = self._trading_rules.get(trading_pair)
        if trading_rule is None:
            # Hummingbot raises KeyError inside the background task, so the returned id is never tracked and no
            # event tells the caller; here the order is tracked and fails like any other rejected order.
            self._track_and_fail_order(
                f"No trading rule is known for {trading_pair}.",
                order_id,
                trading_pair,
                order_type=order_type,
                trade_type=trade_type,
                price=price,
                amount=amount,
                position=position_action,
                **kwargs,
            )
            return
        if order_type.is_limit_type():
            price = self.quantize_order_price(trading_pair, price)
            amount = self.quantize_order_amount(
                trading_pair=trading_pair, amount=amount, price=s_decimal_0 if price.is_nan() else price
            )
        else:
            amount = self.quantize_order_amount(trading_pair=trading_pair, amount=amount)

        self.start_tracking_order(
            order_id=order_id,
            exchange_order_id=None,
            trading_pair=trading_pair,
            order_type=order_type,
            trade_type=trade_type,
            price=price,
            amount=amount,
            position=position_action,
            **kwargs,
        )
        order = self._order_tracker.active_orders[order_id]

        rejection = self._validate_order(trading_pair, trading_rule, trade_type, order_type, amount, price)
        if rejection is not None:
            self.logger().warning(str(rejection))
            self._update_order_after_failure(order_id=order_id, trading_pair=trading_pair, exception=rejection)
            return
        try:
            await self._place_order_and_process_update(order=order, **kwargs)
        except asyncio.CancelledError:
            raise
        except Exception as exception:
            self._on_order_failure(
                order_id=order_id,
                trading_pair=trading_pair,
                amount=amount,
                trade_type=trade_type,
                order_type=order_type,
                price=price,
                exception=exception,
                **kwargs,
            )

    def _validate_order(
        self,
        trading_pair: str,
        trading_rule: TradingRule,
        trade_type: TradeType,
        order_type: OrderType,
        amount: Decimal,
        price: Decimal,
    ) -> ValueError | None:
        """Return why the order must not be sent, or None. Override to add exchange-specific checks."""
        if order_type not in self.supported_order_types():
            return ValueError(f"{order_type.name} order type is not supported by {self.name_cap}.")
        if amount < trading_rule.min_order_size:
            return ValueError(
                f"{trade_type.name.title()} order amount {amount} is lower than the minimum order size "
                f"{trading_rule.min_order_size} for {trading_pair}. The order will not be created."
            )
        reference_price = price if not price.is_nan() and price > 0 else self._notional_reference_price(trading_pair)
        if not reference_price.is_nan():
            notional = amount * reference_price
            if notional < trading_rule.min_notional_size:
                return ValueError(
                    f"{trade_type.name.title()} order notional {notional} is lower than the minimum notional size "
                    f"{trading_rule.min_notional_size} for {trading_pair}. The order will not be created."
                )
        return None

    def _notional_reference_price(self, trading_pair: str) -> Decimal:
        """Best bid used to value orders without a price; NaN (check skipped) when no order book is available.

        Hummingbot raises inside the order task when there is no book; skipping the notional check instead lets
        the exchange judge the order.
        """
        try:
            return self.get_price(trading_pair, False)
        except Exception:
            return s_decimal_NaN

    async def _place_order_and_process_update(self, order: InFlightOrder, **kwargs: Any) -> str:
        exchange_order_id, update_timestamp = await self._place_order(
            order_id=order.client_order_id,
            trading_pair=order.trading_pair,
            amount=order.amount,
            trade_type=order.trade_type,
            order_type=order.order_type,
            price=s_decimal_NaN if order.price is None else order.price,
            **kwargs,
        )
        self._order_tracker.process_order_update(
            OrderUpdate(
                client_order_id=order.client_order_id,
                exchange_order_id=str(exchange_order_id),
                trading_pair=order.trading_pair,
                update_timestamp=update_timestamp,
                new_state=OrderState.OPEN,
            )
        )
        return str(exchange_order_id)

    def _on_order_failure(
        self,
        order_id: str,
        trading_pair: str,
        amount: Decimal,
        trade_type: TradeType,
        order_type: OrderType,
        price: Decimal | None,
        exception: Exception,
        **kwargs: Any,
    ) -> None:
        self.logger().network(
            f"Error submitting {trade_type.name.lower()} {order_type.name.upper()} order to {self.name_cap} for "
            f"{amount} {trading_pair} {price}.",
            exc_info=True,
        )
        self._update_order_after_failure(order_id=order_id, trading_pair=trading_pair, exception=exception)

    def _update_order_after_failure(self, order_id: str, trading_pair: str, exception: Exception | None = None) -> None:
        misc_updates = (
            {"error_message": str(exception), "error_type": exception.__class__.__name__}
            if exception is not None
            else None
        )
        self._order_tracker.process_order_update(
            OrderUpdate(
                trading_pair=trading_pair,
                update_timestamp=self.current_timestamp,
                new_state=OrderState.FAILED,
                client_order_id=order_id,
                misc_updates=misc_updates,
            )
        )

    # ------------------------------------------------------------------------------------------------------------
    # Cancelling orders

    def cancel(self, trading_pair: str, client_order_id: str) -> str:
        """Cancel in the background; return the client order id at once."""
        self._spawn(self._execute_cancel(trading_pair, client_order_id))
        return client_order_id

    async def _execute_cancel(self, trading_pair: str, order_id: str) -> str | None:
        """Cancel an *active* order; return its id when the exchange accepted the cancel, else None."""
        tracked_order = self._order_tracker.fetch_tracked_order(order_id)
        if tracked_order is None:
            return None
        return await self._execute_order_cancel(order=tracked_order)

    async def _execute_order_cancel(self, order: InFlightOrder) -> str | None:
        cancelled = False
        try:
            cancelled = await self._execute_order_cancel_and_process_update(order=order)
        except asyncio.CancelledError:
            raise
        except TimeoutError:
            self.logger().warning(
                f"Failed to cancel order {order.client_order_id}: the exchange order id is not known yet."
            )
            await self._order_tracker.process_order_not_found(order.client_order_id)
        except Exception as exception:
            if self._is_order_not_found_during_cancelation_error(cancelation_exception=exception):
                self.logger().warning(f"Failed to cancel order {order.client_order_id} (order not found).")
                await self._order_tracker.process_order_not_found(order.client_order_id)
            else:
                self.logger().error(f"Failed to cancel order {order.client_order_id}", exc_info=True)
        return order.client_order_id if cancelled else None

    async def _execute_order_cancel_and_process_update(self, order: InFlightOrder) -> bool:
        cancelled = await self._place_cancel(order.client_order_id, order)
        if cancelled:
            update_timestamp = self.current_timestamp
            if update_timestamp is None or math.isnan(update_timestamp):
                update_timestamp = self._time()
            self._order_tracker.process_order_update(
                OrderUpdate(
                    client_order_id=order.client_order_id,
                    trading_pair=order.trading_pair,
                    update_timestamp=update_timestamp,
                    new_state=(
                        OrderState.CANCELED
                        if self.is_cancel_request_in_exchange_synchronous
                        else OrderState.PENDING_CANCEL
                    ),
                )
            )
        return bool(cancelled)

    def _state_after_accepted_cancel(self) -> OrderState:
        if self.is_cancel_request_in_exchange_synchronous:
            return OrderState.CANCELED
        return OrderState.PENDING_CANCEL

    async def cancel_all(self, timeout_seconds: float) -> list[CancellationResult]:
        """Cancel every active, unfinished order concurrently; successes first, then failures (and timeouts)."""
        incomplete = [order for order in self.in_flight_orders.values() if not order.is_done]
        pending_ids = [order.client_order_id for order in incomplete]
        successes: list[CancellationResult] = []
        try:
            async with asyncio.timeout(timeout_seconds):
                results = await asyncio.gather(
                    *(self._execute_cancel(order.trading_pair, order.client_order_id) for order in incomplete),
                    return_exceptions=True,
                )
            for result in results:
                if isinstance(result, str) and result in pending_ids:
                    pending_ids.remove(result)
                    successes.append(CancellationResult(result, True))
        except asyncio.CancelledError:
            raise
        except Exception:
            self.logger().network("Unexpected error cancelling orders.", exc_info=True)
        return successes + [CancellationResult(order_id, False) for order_id in pending_ids]

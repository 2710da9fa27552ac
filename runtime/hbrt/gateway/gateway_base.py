"""``GatewayBase``: a Gateway connector's orders, each one transaction followed through Gateway's poll route.

On top of :class:`~hbrt.gateway.gateway_network.GatewayNetwork`, orders are kept by the shared
:class:`ClientOrderTracker` (the transaction hash is the exchange order id) and settled by ``POST chains/{chain}/
poll``. Fills carry their fee as a flat fee in the native currency.

Deliberate differences from Hummingbot's ``GatewayBase`` (each fixes a hazard listed in gateway.md §5):

* **Poll replies are matched by hash.** Each poll names the hash it was asked about and a reply is applied only to
  the order with that hash; Hummingbot zips replies against a list that may have lost entries, shifting results
  onto the wrong orders.
* **Poll-path fees are in the native currency** (Hummingbot labels them with the base asset); when the poll does not
  report the fee (Ethereum sends null) the fee the execute reply reported is used, else the gas estimate.
* **A transaction that stays unknown is failed**: after ``TRANSACTION_UNKNOWN_TIMEOUT`` seconds and at least
  ``TRANSACTION_UNKNOWN_MIN_POLLS`` polls answering "not found" (txStatus 0), the order fails. Hummingbot's Solana
  orders whose signature never lands stay open for ever.
* **A failed transaction fails at once** (OrderFailure plus TransactionFailure events) instead of after ten
  "not found" rounds of the lost-order counter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from hbrt.connector.client_order_tracker import ClientOrderTracker
from hbrt.connector.utils import get_tracking_nonce
from hbrt.data_type.cancellation_result import CancellationResult
from hbrt.data_type.common import OrderType, TradeType
from hbrt.data_type.in_flight_order import OrderState, OrderUpdate, TradeUpdate
from hbrt.data_type.trade_fee import AddedToCostTradeFee, TokenAmount
from hbrt.event.events import MarketEvent, MarketTransactionFailureEvent
from hbrt.gateway.common import TxStatus
from hbrt.gateway.gateway_in_flight_order import GatewayInFlightOrder
from hbrt.gateway.gateway_network import GatewayNetwork, s_decimal_0, s_decimal_NaN

__all__ = ["GatewayBase", "GatewayOrderTracker", "s_decimal_0", "s_decimal_NaN"]


class GatewayOrderTracker(ClientOrderTracker):
    """The shared tracker, restoring saved orders as :class:`GatewayInFlightOrder`."""

    ORDER_CLASS = GatewayInFlightOrder


class GatewayBase(GatewayNetwork):
    """Base of Gateway connectors: network, balances, and orders settled by their transactions."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._order_tracker: ClientOrderTracker = GatewayOrderTracker(self, self.LOST_ORDER_COUNT_LIMIT)
        self._orphans: set[str] = set()  # restored orders without a transaction hash: nothing to follow

    def _start_polling(self) -> None:
        super()._start_polling()
        self._status_polling_task = asyncio.create_task(self._status_polling_loop())

    # ---- order tracking -----------------------------------------------------------------------------------------

    @property
    def in_flight_orders(self) -> dict[str, GatewayInFlightOrder]:
        return {
            key: order
            for key, order in self._order_tracker.active_orders.items()
            if isinstance(order, GatewayInFlightOrder)
        }

    @property
    def gateway_orders(self) -> list[GatewayInFlightOrder]:
        """Active orders still waiting for their transaction."""
        return [order for order in self.in_flight_orders.values() if order.awaits_transaction]

    def get_order(self, client_order_id: str) -> GatewayInFlightOrder | None:
        order = self._order_tracker.fetch_order(client_order_id)
        return order if isinstance(order, GatewayInFlightOrder) else None

    @property
    def tracking_states(self) -> dict[str, Any]:
        return {key: order.to_json() for key, order in self.in_flight_orders.items()}

    def restore_tracking_states(self, saved_states: Mapping[str, Any]) -> None:
        """Re-track saved orders: open ones (swaps, liquidity) as the shared tracker does, and **pending approvals**
        too, so their transaction is followed to APPROVED and ``is_approval_pending`` keeps a strategy from sending a
        second approval (Hummingbot's tracker drops them: PENDING_APPROVAL is not "open").

        A restored order whose transaction hash was never learnt (the process stopped during its execute) cannot be
        followed: it fails at the next status poll, with a message saying the transaction may have been sent.
        Allowances themselves are on-chain state, read with ``get_allowances``; nothing about them is saved.
        """
        self._order_tracker.restore_tracking_states(saved_states)
        for serialized in saved_states.values():
            order = GatewayInFlightOrder.from_json(serialized)
            if order.is_pending_approval and order.client_order_id not in self._order_tracker.active_orders:
                self._order_tracker.start_tracking_order(order)
        for order in self.gateway_orders:
            if order.client_order_id in saved_states and not order.exchange_order_id:
                self._orphans.add(order.client_order_id)

    def start_tracking_order(
        self,
        order_id: str,
        trading_pair: str,
        trade_type: TradeType,
        amount: Decimal,
        price: Decimal | None = None,
        order_type: OrderType = OrderType.AMM_SWAP,
        exchange_order_id: str | None = None,
        initial_state: OrderState = OrderState.PENDING_CREATE,
    ) -> GatewayInFlightOrder:
        order = GatewayInFlightOrder(
            client_order_id=order_id,
            trading_pair=trading_pair,
            order_type=order_type,
            trade_type=trade_type,
            amount=amount,
            price=price,
            exchange_order_id=exchange_order_id,
            creation_timestamp=self.current_timestamp,
            initial_state=initial_state,
            fee_asset=self._native_currency,
            nonce=get_tracking_nonce(),
        )
        self._order_tracker.start_tracking_order(order)
        return order

    def stop_tracking_order(self, order_id: str) -> None:
        self._order_tracker.stop_tracking_order(order_id)

    async def cancel_all(self, timeout_seconds: float) -> list[CancellationResult]:
        """Nothing to cancel: a submitted transaction cannot be withdrawn (Hummingbot returns the same)."""
        return []

    def _process_update(self, order: GatewayInFlightOrder, state: OrderState, **misc: Any) -> asyncio.Task[None]:
        return self._order_tracker.process_order_update(
            OrderUpdate(
                trading_pair=order.trading_pair,
                update_timestamp=self.current_timestamp,
                new_state=state,
                client_order_id=order.client_order_id,
                exchange_order_id=order.exchange_order_id,
                misc_updates=misc or None,
            )
        )

    def _record_transaction(self, order: GatewayInFlightOrder, signature: str, state: OrderState) -> None:
        """The transaction hash becomes the exchange order id; the unknown-transaction clock starts."""
        order.update_exchange_order_id(signature)
        order.submitted_timestamp = self.current_timestamp
        self._process_update(order, state)

    def _fail_order(self, order: GatewayInFlightOrder, message: str, error_type: str, on_chain: bool = False) -> None:
        """FAILED with the reason; a transaction that failed on chain also gets a TransactionFailure event."""
        self.logger().warning(f"Order {order.client_order_id} failed: {message}")
        self._process_update(order, OrderState.FAILED, error_message=message, error_type=error_type)
        if on_chain:
            self.trigger_event(
                MarketEvent.TransactionFailure,
                MarketTransactionFailureEvent(self.current_timestamp, order.client_order_id),
            )
        self._schedule_balance_update()

    # ---- transaction status -------------------------------------------------------------------------------------

    async def _wait_for_poll(self) -> None:
        """Wait for a tick to ask for a poll, or ``POLL_INTERVAL`` at most (so a connector nobody ticks polls too)."""
        try:
            async with asyncio.timeout(self.POLL_INTERVAL):
                await self._poll_notifier.wait()
        except TimeoutError:
            pass
        self._poll_notifier = asyncio.Event()

    async def _status_polling_loop(self) -> None:
        while True:
            await self._wait_for_poll()
            try:
                await self.update_order_status(self.gateway_orders)
                self._last_poll_timestamp = self.current_timestamp
            except asyncio.CancelledError:
                raise
            except Exception:
                self.logger().error("Unexpected error while polling transaction statuses.", exc_info=True)

    async def update_order_status(self, tracked_orders: Iterable[GatewayInFlightOrder]) -> None:
        """Poll each order's transaction and apply each reply to the order whose hash it names.

        Orders without a hash yet (their execute is still running) are skipped: their execute reply settles them;
        restored ones without a hash fail (see :meth:`restore_tracking_states`).
        """
        tracked_orders = list(tracked_orders)
        for order in tracked_orders:
            if order.client_order_id in self._orphans:
                self._orphans.discard(order.client_order_id)
                if not order.exchange_order_id:
                    self._fail_order(
                        order,
                        "Restored without a transaction hash (the process stopped while sending it): it cannot be "
                        "followed. The transaction may have been sent; check the balances.",
                        "TransactionUnknown",
                    )
        by_hash = {order.exchange_order_id: order for order in tracked_orders if order.exchange_order_id}
        if not by_hash:
            return
        chain, network = self._require(self._chain, "chain"), self._require(self._network, "network")
        hashes = list(by_hash)
        replies = await asyncio.gather(
            *(self._gateway.get_transaction_status(chain, network, tx_hash) for tx_hash in hashes),
            return_exceptions=True,
        )
        for tx_hash, reply in zip(hashes, replies, strict=True):
            order = by_hash[tx_hash]
            if isinstance(reply, BaseException):
                if isinstance(reply, asyncio.CancelledError):
                    raise reply
                self.logger().network(f"Could not poll transaction {tx_hash} of {order.client_order_id}: {reply}")
                continue
            if reply.get("signature") != tx_hash:
                self.logger().error(f"Poll reply for {tx_hash} names {reply.get('signature')!r}; ignored: {reply}")
                continue
            await self._process_transaction_status(order, reply)

    async def _process_transaction_status(self, order: GatewayInFlightOrder, reply: Mapping[str, Any]) -> None:
        try:
            status = TxStatus(int(reply.get("txStatus", 0)))
        except ValueError:
            self.logger().warning(f"Unexpected txStatus in {reply}; {order.client_order_id} stays open.")
            return
        if status == TxStatus.CONFIRMED:
            order.unknown_since = None
            fee = reply.get("fee")
            await self._on_transaction_confirmed(order, Decimal(str(fee)) if fee is not None else None, None)
        elif status == TxStatus.FAILED:
            reason = reply.get("error") or "the transaction failed on chain"
            self._on_transaction_failed(order, f"Transaction {order.exchange_order_id} failed: {reason}")
        elif status == TxStatus.PENDING:
            self._note_unknown(order)
        else:
            order.unknown_since, order.unknown_polls = None, 0
            if status == TxStatus.MEMPOOL_STUCK:
                self.logger().warning(f"Transaction {order.exchange_order_id} is in the mempool with a low gas price.")

    def _note_unknown(self, order: GatewayInFlightOrder) -> None:
        now = self.current_timestamp
        if order.unknown_since is None:
            order.unknown_since, order.unknown_polls = now, 0
        order.unknown_polls += 1
        if (
            now - order.unknown_since >= self.TRANSACTION_UNKNOWN_TIMEOUT
            and order.unknown_polls >= self.TRANSACTION_UNKNOWN_MIN_POLLS
        ):
            self._fail_order(
                order,
                f"Transaction {order.exchange_order_id} was not found on chain for "
                f"{now - order.unknown_since:.0f} s; it is considered dropped.",
                "TransactionNotFound",
                on_chain=True,
            )

    def _on_transaction_failed(self, order: GatewayInFlightOrder, message: str) -> None:
        self._fail_order(order, message, "TransactionFailed", on_chain=True)

    def _fee_of(self, order: GatewayInFlightOrder, reported: Decimal | None) -> AddedToCostTradeFee:
        """A flat fee in the native currency: the reported fee, else the execute reply's, else the gas estimate."""
        native = self._native_currency or order.fee_asset or order.quote_asset
        amount = reported if reported is not None else order.gas_cost
        if amount is None:
            estimate = self._network_transaction_fee
            amount = estimate.amount if estimate is not None and estimate.token == native else s_decimal_0
        return AddedToCostTradeFee(flat_fees=[TokenAmount(native, amount)])

    async def _on_transaction_confirmed(
        self, order: GatewayInFlightOrder, fee: Decimal | None, amounts: tuple[Decimal, Decimal] | None
    ) -> None:
        """Settle a confirmed transaction: approvals become APPROVED, swaps are filled (``amounts`` = base, quote
        moved, when the reply says; the order's own amount and price otherwise)."""
        if order.is_approval:
            self._process_update(order, OrderState.APPROVED)
            return
        base_amount, quote_amount = amounts or (order.amount, order.amount * (order.price or s_decimal_0))
        if amounts is not None and base_amount > 0:
            order.amount = base_amount  # a swap executes whole: the order's amount is what the transaction moved
        price = quote_amount / base_amount if base_amount > 0 else order.price or s_decimal_0
        self._order_tracker.process_trade_update(
            TradeUpdate(
                trade_id=str(order.exchange_order_id),
                client_order_id=order.client_order_id,
                exchange_order_id=str(order.exchange_order_id),
                trading_pair=order.trading_pair,
                fill_timestamp=self.current_timestamp,
                fill_price=price,
                fill_base_amount=base_amount,
                fill_quote_amount=quote_amount,
                fee=self._fee_of(order, fee),
            )
        )
        self._process_update(order, OrderState.FILLED)
        self._schedule_balance_update()

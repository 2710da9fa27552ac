"""Keeps every order a connector has placed, applies order and trade updates, and emits the market events.

Names and event semantics follow Hummingbot's ``ClientOrderTracker``. Deliberate differences, all fixes:

* **Updates of one order are applied in arrival order.** ``process_order_update`` schedules a task (and returns
  it, so callers can await it) like Hummingbot, but each task first waits for the previous update of the same order
  to finish. A FILLED update waiting for its fills can therefore never be overtaken by a later update of the same
  order; updates of different orders still run concurrently. :meth:`ClientOrderTracker.wait_for_pending_updates`
  awaits everything scheduled so far. An update whose order is not yet waiting behind another runs to completion
  in the task's first step.
* **Only real "order not found" answers count towards losing an order.** The not-found counter of an order is
  incremented only by :meth:`ClientOrderTracker.process_order_not_found` (callers call it only for a genuine
  not-found answer; Hummingbot's base class also counted transient errors), and it counts *consecutive* answers:
  any order update or fill of that order resets it. When the counter exceeds ``lost_order_count_limit`` the order
  is marked FAILED (failure event), and moved to the lost orders, which can still receive fills.
* **Terminal states are final.** See :mod:`hbrt.data_type.in_flight_order`: a stale update can no longer re-open
  a finished order.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from hbrt.data_type.common import TradeType
from hbrt.data_type.in_flight_order import InFlightOrder, OrderState, OrderUpdate, TradeUpdate
from hbrt.event.events import (
    BuyOrderCompletedEvent,
    BuyOrderCreatedEvent,
    MarketEvent,
    MarketOrderFailureEvent,
    OrderCancelledEvent,
    OrderFilledEvent,
    SellOrderCompletedEvent,
    SellOrderCreatedEvent,
)
from hbrt.logger import HummingbotLogger, get_logger

_V = TypeVar("_V")
#: The price an order-created event reports for an order without one (a market order), as in Hummingbot.
_NO_PRICE = Decimal("NaN")


class TrackerConnector(Protocol):
    """What the tracker needs from its connector."""

    @property
    def current_timestamp(self) -> float: ...

    def trigger_event(self, event_tag: Any, message: Any) -> None: ...


class TTLCache(MutableMapping[str, _V]):
    """A small insertion-ordered dict whose entries expire ``ttl`` seconds after being set.

    At most ``maxsize`` entries are kept; inserting beyond that evicts the oldest. ``timer`` returns seconds
    (``time.monotonic`` by default) and may be replaced in tests.
    """

    def __init__(self, maxsize: int, ttl: float, timer: Callable[[], float] = time.monotonic) -> None:
        if maxsize <= 0:
            raise ValueError("maxsize must be positive")
        self.maxsize = maxsize
        self.ttl = ttl
        self.timer = timer
        self._data: OrderedDict[str, tuple[float, _V]] = OrderedDict()

    def expire(self) -> None:
        """Drop every expired entry (entries are kept in expiry order)."""
        now = self.timer()
        while self._data:
            key, (expires_at, _) = next(iter(self._data.items()))
            if expires_at > now:
                break
            del self._data[key]

    def __getitem__(self, key: str) -> _V:
        self.expire()
        return self._data[key][1]

    def __setitem__(self, key: str, value: _V) -> None:
        self.expire()
        self._data.pop(key, None)
        self._data[key] = (self.timer() + self.ttl, value)
        while len(self._data) > self.maxsize:
            self._data.popitem(last=False)

    def __delitem__(self, key: str) -> None:
        self.expire()
        del self._data[key]

    def __iter__(self) -> Iterator[str]:
        self.expire()
        return iter(list(self._data))

    def __len__(self) -> int:
        self.expire()
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        self.expire()
        return key in self._data


class ClientOrderTracker:
    """Tracks active, recently finished (cached) and lost orders of one connector.

    The connector must provide ``current_timestamp`` (every event carries it) and ``trigger_event(tag, event)``.
    """

    TRADE_FILLS_WAIT_TIMEOUT: float = 5.0  # seconds a FILLED update waits for the fills that complete the order
    CACHED_ORDERS_MAXSIZE: int = 1000
    CACHED_ORDERS_TTL: float = 30.0  # seconds

    #: The order class :meth:`restore_tracking_states` rebuilds saved orders with (Gateway connectors use theirs).
    ORDER_CLASS: type[InFlightOrder] = InFlightOrder

    def __init__(self, connector: TrackerConnector, lost_order_count_limit: int = 3) -> None:
        self._connector = connector
        self._lost_order_count_limit = lost_order_count_limit
        self._in_flight_orders: dict[str, InFlightOrder] = {}
        self._cached_orders: TTLCache[InFlightOrder] = TTLCache(self.CACHED_ORDERS_MAXSIZE, self.CACHED_ORDERS_TTL)
        self._lost_orders: dict[str, InFlightOrder] = {}
        self._order_not_found_records: dict[str, int] = {}
        # The last scheduled update task per ordering key; later updates of the same order wait for it.
        self._pending_update_tasks: dict[str, asyncio.Task[None]] = {}
        self._all_update_tasks: set[asyncio.Task[None]] = set()

    @classmethod
    def logger(cls) -> HummingbotLogger:
        return get_logger(__name__)

    # ---- views --------------------------------------------------------------------------------------------------

    @property
    def current_timestamp(self) -> float:
        return self._connector.current_timestamp

    @property
    def active_orders(self) -> dict[str, InFlightOrder]:
        return self._in_flight_orders

    @property
    def cached_orders(self) -> dict[str, InFlightOrder]:
        return dict(self._cached_orders.items())

    @property
    def lost_orders(self) -> dict[str, InFlightOrder]:
        return dict(self._lost_orders)

    @property
    def all_orders(self) -> dict[str, InFlightOrder]:
        """Active and cached orders."""
        return {**self.cached_orders, **self._in_flight_orders}

    @property
    def all_fillable_orders(self) -> dict[str, InFlightOrder]:
        """Orders that can still receive fills: active, cached and lost."""
        return {**self.cached_orders, **self._lost_orders, **self._in_flight_orders}

    @property
    def all_fillable_orders_by_exchange_order_id(self) -> dict[str, InFlightOrder]:
        return _by_exchange_order_id(self.all_fillable_orders)

    @property
    def all_updatable_orders(self) -> dict[str, InFlightOrder]:
        """Orders whose status is still worth asking for: active and lost."""
        return {**self._lost_orders, **self._in_flight_orders}

    @property
    def all_updatable_orders_by_exchange_order_id(self) -> dict[str, InFlightOrder]:
        return _by_exchange_order_id(self.all_updatable_orders)

    # ---- tracking -----------------------------------------------------------------------------------------------

    def start_tracking_order(self, order: InFlightOrder) -> None:
        self._in_flight_orders[order.client_order_id] = order

    def stop_tracking_order(self, client_order_id: str) -> None:
        """Move an active order to the cache (where late fills still find it) and forget its not-found count."""
        order = self._in_flight_orders.pop(client_order_id, None)
        if order is not None:
            self._cached_orders[client_order_id] = order
        self._order_not_found_records.pop(client_order_id, None)

    def restore_tracking_states(self, tracking_states: Mapping[str, Any]) -> None:
        """Re-track orders saved with ``InFlightOrder.to_json``: open ones become active, FAILED ones lost."""
        for serialized in tracking_states.values():
            order = self.ORDER_CLASS.from_json(serialized)
            if order.is_open:
                self.start_tracking_order(order)
            elif order.is_failure:
                self._lost_orders[order.client_order_id] = order

    def fetch_tracked_order(self, client_order_id: str) -> InFlightOrder | None:
        return self._in_flight_orders.get(client_order_id)

    def fetch_cached_order(self, client_order_id: str) -> InFlightOrder | None:
        return self._cached_orders.get(client_order_id)

    def fetch_order(
        self, client_order_id: str | None = None, exchange_order_id: str | None = None
    ) -> InFlightOrder | None:
        """Find an active or cached order by client id, else by exchange id."""
        if client_order_id is not None:
            order = self._in_flight_orders.get(client_order_id) or self._cached_orders.get(client_order_id)
            if order is not None:
                return order
        if exchange_order_id is None:
            return None
        return _find(self._in_flight_orders, None, exchange_order_id) or _find(
            self._cached_orders, None, exchange_order_id
        )

    def fetch_lost_order(
        self, client_order_id: str | None = None, exchange_order_id: str | None = None
    ) -> InFlightOrder | None:
        return _find(self._lost_orders, client_order_id, exchange_order_id)

    # ---- order updates ------------------------------------------------------------------------------------------

    def process_order_update(self, order_update: OrderUpdate) -> asyncio.Task[None]:
        """Schedule ``order_update`` and return its task (must be called with a running loop).

        Updates of the same order are applied strictly in the order this method was called.
        """
        key = self._ordering_key(order_update)
        previous = self._pending_update_tasks.get(key)
        task = asyncio.get_running_loop().create_task(self._process_order_update_in_turn(previous, order_update))
        self._pending_update_tasks[key] = task
        self._all_update_tasks.add(task)
        task.add_done_callback(functools.partial(self._forget_update_task, key))
        return task

    async def wait_for_pending_updates(self) -> None:
        """Wait until every order update scheduled so far (and any scheduled meanwhile) has been applied."""
        while self._all_update_tasks:
            await asyncio.wait(set(self._all_update_tasks))

    def _forget_update_task(self, key: str, task: asyncio.Task[None]) -> None:
        self._all_update_tasks.discard(task)
        if self._pending_update_tasks.get(key) is task:
            del self._pending_update_tasks[key]
        if not task.cancelled() and task.exception() is not None:
            self.logger().error("Unexpected error processing an order update.", exc_info=task.exception())

    def _ordering_key(self, order_update: OrderUpdate) -> str:
        order = self.fetch_order(order_update.client_order_id, order_update.exchange_order_id) or self.fetch_lost_order(
            order_update.client_order_id, order_update.exchange_order_id
        )
        if order is not None:
            return order.client_order_id
        if order_update.client_order_id is not None:
            return order_update.client_order_id
        return f"exchange:{order_update.exchange_order_id}"

    async def _process_order_update_in_turn(self, previous: asyncio.Task[None] | None, update: OrderUpdate) -> None:
        if previous is not None and not previous.done():
            await asyncio.wait({previous})
        await self._process_order_update(update)

    async def _process_order_update(self, order_update: OrderUpdate) -> None:
        if not order_update.client_order_id and not order_update.exchange_order_id:
            self.logger().error(f"OrderUpdate has neither a client_order_id nor an exchange_order_id: {order_update}")
            return

        order = self.fetch_order(order_update.client_order_id, order_update.exchange_order_id)
        if order is None:
            lost_order = self.fetch_lost_order(order_update.client_order_id, order_update.exchange_order_id)
            if lost_order is None:
                self.logger().debug(f"Order is not/no longer being tracked ({order_update})")
            elif order_update.new_state in (OrderState.CANCELED, OrderState.FILLED, OrderState.FAILED):
                # The exchange finally settled the lost order: stop following it, without events.
                self._lost_orders.pop(lost_order.client_order_id, None)
            return

        if order.is_stale_update(order_update):
            self.logger().debug(
                f"Ignoring an update of order {order.client_order_id} older than the last one applied "
                f"(sequence {order_update.sequence} < {order.last_update_sequence}): {order_update}"
            )
            return

        if order_update.new_state != OrderState.FAILED:
            self._order_not_found_records.pop(order.client_order_id, None)

        if order_update.new_state == OrderState.FILLED and not order.is_done:
            try:
                async with asyncio.timeout(self.TRADE_FILLS_WAIT_TIMEOUT):
                    await order.wait_until_completely_filled()
            except TimeoutError:
                self.logger().warning(
                    f"The order fill updates did not arrive on time for {order.client_order_id}. "
                    f"The complete update will be processed with incomplete information."
                )

        previous_state = order.current_state
        if order.update_with_order_update(order_update) and order.current_state != previous_state:
            # A change of the exchange id alone (e.g. learnt from a duplicate terminal update) emits nothing.
            self._trigger_order_creation(order, previous_state, order.current_state)
            self._trigger_order_completion(order, order_update)

    async def process_order_not_found(self, client_order_id: str) -> None:
        """Record one "order not found" answer from the exchange for ``client_order_id``.

        An active order whose count exceeds ``lost_order_count_limit`` (and is not done) is marked FAILED — one
        failure event — and moved to the lost orders. A not-found answer for a lost order removes it silently.
        """
        order = self.fetch_tracked_order(client_order_id)
        if order is not None:
            count = self._order_not_found_records.get(client_order_id, 0) + 1
            self._order_not_found_records[client_order_id] = count
            if count > self._lost_order_count_limit and not order.is_done:
                update = OrderUpdate(
                    trading_pair=order.trading_pair,
                    update_timestamp=self.current_timestamp,
                    new_state=OrderState.FAILED,
                    client_order_id=client_order_id,
                )
                await self.process_order_update(update)
                if order.is_failure:
                    self._cached_orders.pop(client_order_id, None)
                    self._in_flight_orders.pop(client_order_id, None)
                    self._lost_orders[client_order_id] = order
            return
        lost_order = self.fetch_lost_order(client_order_id)
        if lost_order is not None:
            await self.process_order_update(
                OrderUpdate(
                    trading_pair=lost_order.trading_pair,
                    update_timestamp=self.current_timestamp,
                    new_state=OrderState.FAILED,
                    client_order_id=client_order_id,
                )
            )

    # ---- trade updates ------------------------------------------------------------------------------------------

    def process_trade_update(self, trade_update: TradeUpdate) -> None:
        """Apply a fill to the active, cached or lost order with its client id; emit ``OrderFilledEvent`` once."""
        client_order_id = trade_update.client_order_id
        order = (
            self._in_flight_orders.get(client_order_id)
            or self._lost_orders.get(client_order_id)
            or self._cached_orders.get(client_order_id)
        )
        if order is None:
            self.logger().debug(f"Ignoring a fill for an order that is not tracked: {trade_update}")
            return
        previous_executed = order.executed_amount_base
        if order.update_with_trade_update(trade_update):
            self._order_not_found_records.pop(order.client_order_id, None)
            if order.executed_amount_base > previous_executed:
                self._trigger_order_fill(order, trade_update)

    # ---- events -------------------------------------------------------------------------------------------------

    def _trigger(self, tag: MarketEvent, event: Any) -> None:
        self._connector.trigger_event(tag, event)

    def _trigger_order_creation(self, order: InFlightOrder, previous: OrderState, new: OrderState) -> None:
        if previous != OrderState.PENDING_CREATE or new in (
            OrderState.CANCELED,
            OrderState.FAILED,
            OrderState.PENDING_CANCEL,
            OrderState.PENDING_CREATE,
        ):
            return
        self.logger().info(order.build_order_created_message())
        is_buy = order.trade_type == TradeType.BUY
        event_cls = BuyOrderCreatedEvent if is_buy else SellOrderCreatedEvent
        event = event_cls(
            self.current_timestamp,
            order.order_type,
            order.trading_pair,
            order.amount,
            _NO_PRICE if order.price is None else order.price,
            order.client_order_id,
            order.creation_timestamp,
            exchange_order_id=order.exchange_order_id,
            leverage=order.leverage,
            position=order.position.value,
        )
        self._trigger(MarketEvent.BuyOrderCreated if is_buy else MarketEvent.SellOrderCreated, event)

    def _trigger_order_completion(self, order: InFlightOrder, order_update: OrderUpdate) -> None:
        if order.is_open:
            return
        if order.is_cancelled:
            self.logger().info(f"Successfully canceled order {order.client_order_id}.")
            self._trigger(
                MarketEvent.OrderCancelled,
                OrderCancelledEvent(self.current_timestamp, order.client_order_id, order.exchange_order_id),
            )
        elif order.is_filled:
            self.logger().info(f"{order.trade_type.name.upper()} order {order.client_order_id} completely filled.")
            is_buy = order.trade_type == TradeType.BUY
            event_cls = BuyOrderCompletedEvent if is_buy else SellOrderCompletedEvent
            self._trigger(
                MarketEvent.BuyOrderCompleted if is_buy else MarketEvent.SellOrderCompleted,
                event_cls(
                    self.current_timestamp,
                    order.client_order_id,
                    order.base_asset,
                    order.quote_asset,
                    order.executed_amount_base,
                    order.executed_amount_quote,
                    order.order_type,
                    order.exchange_order_id,
                ),
            )
        elif order.is_failure:
            self.logger().info(f"Order {order.client_order_id} has failed. Order Update: {order_update}")
            misc = order_update.misc_updates or {}
            self._trigger(
                MarketEvent.OrderFailure,
                MarketOrderFailureEvent(
                    self.current_timestamp,
                    order.client_order_id,
                    order.order_type,
                    misc.get("error_message"),
                    misc.get("error_type"),
                ),
            )
        self.stop_tracking_order(order.client_order_id)

    def _trigger_order_fill(self, order: InFlightOrder, trade_update: TradeUpdate) -> None:
        self.logger().info(
            f"The {order.trade_type.name.upper()} order {order.client_order_id} amounting to "
            f"{order.executed_amount_base}/{order.amount} {order.base_asset} has been filled "
            f"at {trade_update.fill_price} {order.quote_asset}."
        )
        self._trigger(
            MarketEvent.OrderFilled,
            OrderFilledEvent(
                self.current_timestamp,
                order.client_order_id,
                order.trading_pair,
                order.trade_type,
                order.order_type,
                trade_update.fill_price,
                trade_update.fill_base_amount,
                trade_update.fee,
                exchange_trade_id=str(trade_update.trade_id),
                exchange_order_id=order.exchange_order_id or "",
                leverage=order.leverage,
                position=order.position.value,
            ),
        )


def _by_exchange_order_id(orders: Mapping[str, InFlightOrder]) -> dict[str, InFlightOrder]:
    return {order.exchange_order_id: order for order in orders.values() if order.exchange_order_id is not None}


def _find(
    orders: Mapping[str, InFlightOrder], client_order_id: str | None, exchange_order_id: str | None
) -> InFlightOrder | None:
    if client_order_id is not None and client_order_id in orders:
        return orders[client_order_id]
    if exchange_order_id is not None:
        return next((order for order in orders.values() if order.exchange_order_id == exchange_order_id), None)
    return None

"""The running connector: the network lifecycle (starting and stopping its background tasks, the network check),
the tick, and the background loops (order status and fill polling with lost-order recovery, trading rules and
fees, the user-stream event loop)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Awaitable, Callable, Mapping
from typing import Any, Literal, Protocol

from hbrt.connector.exchange_orders import ExchangeOrders
from hbrt.data_type.in_flight_order import InFlightOrder, OrderState, OrderUpdate
from hbrt.network_base import NetworkStatus


class OrderRecord(Protocol):
    """What the runtime reads of a parsed record naming an order (a generated parser's order-update or fill record:
    every record of those kinds has both fields, None when its mapping does not read one)."""

    @property
    def client_order_id(self) -> str | None: ...

    @property
    def exchange_order_id(self) -> str | None: ...


class OrderUpdateRecord(OrderRecord, Protocol):
    """What the runtime reads of a parsed ``order_update`` record."""

    @property
    def state(self) -> OrderState: ...

    @property
    def timestamp(self) -> float | None: ...

    @property
    def sequence(self) -> int | None: ...


class ExchangeLifecycle(ExchangeOrders):
    """Network lifecycle, tick, and the background polling and user-stream loops."""

    #: How the exchange's open-orders endpoint lists orders, if the connector has one: ``"pair"`` (one request per
    #: trading pair with tracked orders), ``"account"`` (one request for every pair), or ``None`` (no such endpoint:
    #: the status poll sends one status request per order). A plain attribute, so a test may switch the list off.
    OPEN_ORDERS_SCOPE: Literal["pair", "account"] | None = None

    def tick(self, timestamp: float) -> None:
        """Advance the connector clock and wake the status poller when a poll boundary is crossed.

        The poll interval is ``SHORT_POLL_INTERVAL`` while the user stream has been silent for longer than
        ``TICK_INTERVAL_LIMIT`` (or was never heard from, or does not exist), otherwise ``LONG_POLL_INTERVAL``.
        """
        self._set_current_timestamp(timestamp)
        poll_interval = self._current_poll_interval(timestamp)
        last_tick = int(self._last_timestamp / poll_interval)
        current_tick = int(timestamp / poll_interval)
        if current_tick > last_tick:
            self._poll_notifier.set()
        self._last_timestamp = timestamp

    def _current_poll_interval(self, timestamp: float) -> float:
        tracker = self._user_stream_tracker if self.is_trading_required else None
        last_recv_time = tracker.last_recv_time if tracker is not None else 0.0
        if timestamp - last_recv_time > self.TICK_INTERVAL_LIMIT:
            return self.SHORT_POLL_INTERVAL
        return self.LONG_POLL_INTERVAL

    def _is_user_stream_initialized(self) -> bool:
        """True once the user stream has delivered a message; always True when there is nothing to wait for
        (trading not required, or no user stream at all)."""
        if not self.is_trading_required:
            return True
        tracker = self._user_stream_tracker
        return tracker is None or tracker.last_recv_time > 0

    @property
    def status_dict(self) -> dict[str, bool]:
        """The five readiness conditions; :attr:`ready` is their conjunction.

        ``order_books_initialized`` is True while every book is consistent (the tracker's ``ready``). A book that
        was consistent and is not now (stream interrupted, gap resync, waiting for request weight, diffs held out of
        order) also adds a ``"order book PAIR: why"`` key with the value False, so the status says why.
        """
        tracker = self._order_book_tracker
        status = {
            "symbols_mapping_initialized": self.trading_pair_symbol_map_ready(),
            "order_books_initialized": bool(tracker.ready),
            "account_balance": not self.is_trading_required or len(self._account_balances) > 0,
            "trading_rule_initialized": not self.is_trading_required or len(self._trading_rules) > 0,
            "user_stream_initialized": self._is_user_stream_initialized(),
        }
        for pair, reason in tracker.unavailable_books().items():
            status[f"order book {pair}: {reason}"] = False
        return status

    @property
    def ready(self) -> bool:
        return all(self.status_dict.values())

    # ------------------------------------------------------------------------------------------------------------
    # Network lifecycle

    async def _close_sessions(self) -> None:
        """Close the HTTP session and its websockets (a later :meth:`start` opens a new one)."""
        if "_web_assistants_factory" in self.__dict__:
            await self._web_assistants_factory.close()

    async def start_network(self) -> None:
        """(Re)start every background task; idempotent because it stops the previous ones first.

        Without a user stream (:attr:`has_user_stream` False) the tracker and listener tasks are not started; the
        polling loops are.
        """
        await self.stop_network()
        self._order_book_tracker.start()
        if self.is_trading_required:
            self._trading_rules_polling_task = asyncio.create_task(self._trading_rules_polling_loop())
            self._trading_fees_polling_task = asyncio.create_task(self._trading_fees_polling_loop())
            self._status_polling_task = asyncio.create_task(self._status_polling_loop())
            tracker = self._user_stream_tracker
            if tracker is not None:
                self._user_stream_tracker_task = asyncio.create_task(tracker.start())
                self._user_stream_event_listener_task = asyncio.create_task(self._user_stream_event_listener())
            self._lost_orders_update_task = asyncio.create_task(self._lost_orders_update_polling_loop())

    async def stop_network(self) -> None:
        """Stop every background task started by :meth:`start_network` and reset the poll state."""
        self._last_timestamp = 0.0
        self._last_poll_timestamp = 0.0
        self._last_order_status_poll_timestamp = 0.0
        self._poll_notifier = asyncio.Event()
        if "_order_book_tracker" in self.__dict__:
            self._order_book_tracker.stop()
        for attribute in (
            "_status_polling_task",
            "_user_stream_tracker_task",
            "_user_stream_event_listener_task",
            "_trading_rules_polling_task",
            "_trading_fees_polling_task",
            "_lost_orders_update_task",
        ):
            task: asyncio.Task[Any] | None = getattr(self, attribute)
            if task is not None:
                task.cancel()
                setattr(self, attribute, None)
        if "_user_stream_tracker" in self.__dict__ and self._user_stream_tracker is not None:
            result = self._user_stream_tracker.stop()
            if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
                await result

    async def check_network(self) -> NetworkStatus:
        """GET ``check_network_request_path`` (unsigned): CONNECTED if it answers, NOT_CONNECTED on any error."""
        try:
            await self._make_network_check_request()
        except asyncio.CancelledError:
            raise
        except Exception:
            return NetworkStatus.NOT_CONNECTED
        return NetworkStatus.CONNECTED

    async def _make_network_check_request(self) -> None:
        await self._api_get(path_url=self.check_network_request_path)

    # ------------------------------------------------------------------------------------------------------------
    # Background loops

    async def _status_polling_loop(self) -> None:
        """Wait for the tick-driven notifier, then resync time and poll balances and orders.

        A failed time resync is logged and does not hold back the balance and order polling (in Hummingbot it
        raises and the whole poll is retried every 0.5 s). The notifier is cleared when a poll starts, not replaced
        when it ends (as in Hummingbot), so a poll boundary crossed while a poll is running is not lost: another poll
        follows.
        """
        while True:
            try:
                await self._poll_notifier.wait()
                self._poll_notifier.clear()
                await self._update_time_synchronizer(pass_on_non_cancelled_error=True)
                await self._status_polling_loop_fetch_updates()
                self._last_poll_timestamp = self.current_timestamp
            except asyncio.CancelledError:
                raise
            except NotImplementedError:
                raise
            except Exception:
                self.logger().network("Unexpected error while fetching account updates.", exc_info=True)
                await self._sleep(self.ERROR_RETRY_INTERVAL)

    async def _status_polling_loop_fetch_updates(self) -> None:
        await asyncio.gather(self._update_all_balances(), self._update_order_status_when_due())

    async def _update_order_status_when_due(self) -> None:
        """``_update_order_status``, unless the last one of the polling loop was less than
        ``UPDATE_ORDER_STATUS_MIN_INTERVAL`` seconds ago (by the connector's clock)."""
        now = self.current_timestamp
        last = self._last_order_status_poll_timestamp
        if last and now - last < self.UPDATE_ORDER_STATUS_MIN_INTERVAL:
            return
        self._last_order_status_poll_timestamp = now
        await self._update_order_status()

    async def _run_periodically(self, step: Callable[[], Awaitable[None]], interval: float, what: str) -> None:
        """Run ``step`` every ``interval`` seconds forever.

        An error is logged at NETWORK level and retried after ``ERROR_RETRY_INTERVAL``. ``NotImplementedError``
        propagates on purpose, so a connector that forgot an override fails loudly instead of logging forever.
        """
        while True:
            try:
                await step()
                await self._sleep(interval)
            except asyncio.CancelledError:
                raise
            except NotImplementedError:
                raise
            except Exception:
                self.logger().network(f"Unexpected error while {what}.", exc_info=True)
                await self._sleep(self.ERROR_RETRY_INTERVAL)

    async def _trading_rules_polling_loop(self) -> None:
        await self._run_periodically(self._update_trading_rules, self.TRADING_RULES_INTERVAL, "fetching trading rules")

    async def _trading_fees_polling_loop(self) -> None:
        await self._run_periodically(self._update_trading_fees, self.TRADING_FEES_INTERVAL, "fetching trading fees")

    async def _lost_orders_update_polling_loop(self) -> None:
        async def step() -> None:
            await self._cancel_lost_orders()
            await self._update_lost_orders_status()

        await self._run_periodically(step, self.SHORT_POLL_INTERVAL, "updating lost orders")

    async def _iter_user_event_queue(self) -> AsyncIterable[Any]:
        """Yield user-stream events forever; RuntimeError at once for a connector without a user stream."""
        tracker = self._user_stream_tracker
        if tracker is None:
            raise RuntimeError(f"{self.name} has no user stream: its updates come from REST polling.")
        while True:
            try:
                yield await tracker.user_stream.get()
            except asyncio.CancelledError:
                raise
            except Exception:
                self.logger().network("Unknown error reading the user stream. Retrying after 1 second.", exc_info=True)
                await self._sleep(1.0)

    async def _user_stream_event_loop(self, process_event: Callable[[Any], Awaitable[None] | None]) -> None:
        """Helper for ``_user_stream_event_listener``: feed each event to ``process_event``, logging failures.

        An exception while processing one event is logged at ERROR as ``Unexpected error in user stream listener
        loop.`` and the loop goes on; cancellation propagates.
        """
        async for event in self._iter_user_event_queue():
            try:
                result = process_event(event)
                if result is not None:
                    await result
            except asyncio.CancelledError:
                raise
            except Exception:
                self.logger().error("Unexpected error in user stream listener loop.", exc_info=True)

    # ------------------------------------------------------------------------------------------------------------
    # REST fallbacks for orders

    async def _update_order_status(self) -> None:
        """Fills first (every fillable order), then statuses (every active order).

        With an open-orders endpoint (``OPEN_ORDERS_SCOPE``), the statuses come from one open-orders request per
        pair (or per account) for all the orders it covers; only the orders the list does not report are asked
        about one by one (``_request_order_status``).
        """
        await self._update_orders_fills(list(self._order_tracker.all_fillable_orders.values()))
        orders = list(self.in_flight_orders.values())
        if self.OPEN_ORDERS_SCOPE is not None and orders:
            orders = await self._update_orders_from_open_orders(orders)
        await self._update_orders(orders)

    async def _request_open_orders(self, trading_pair: str | None) -> list[Any]:
        """The parsed records (``order_update`` mapping) of the exchange's open orders: of ``trading_pair`` when
        ``OPEN_ORDERS_SCOPE`` is ``"pair"``, of every pair (``trading_pair`` is None) when it is ``"account"``."""
        raise NotImplementedError(f"{self.name} declares OPEN_ORDERS_SCOPE but does not list open orders")

    async def _update_orders_from_open_orders(self, orders: list[InFlightOrder]) -> list[InFlightOrder]:
        """Update ``orders`` from the open-orders lists; return the orders no list reported.

        An order the list reports gets its state (and exchange order id, timestamp and sequence, when the record
        has them) from the list. An order missing from it is not thereby filled or canceled: it may have closed
        either way, or not yet (or no longer) be visible to the list, or lie beyond a page the list truncated. So
        it is returned for its own status request, which states its terminal state. A list request that fails is
        logged, and its orders are returned for their status requests too.
        """
        groups: dict[str | None, list[InFlightOrder]] = {}
        for order in orders:
            groups.setdefault(order.trading_pair if self.OPEN_ORDERS_SCOPE == "pair" else None, []).append(order)

        async def fetch(trading_pair: str | None, group: list[InFlightOrder]) -> list[InFlightOrder]:
            try:
                records = await self._request_open_orders(trading_pair)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                where = f" of {trading_pair}" if trading_pair else ""
                self.logger().network(
                    f"Error fetching the open orders{where}: {error}. Requesting each order's status instead."
                )
                return group
            by_client_id = {order.client_order_id: order for order in group}
            by_exchange_id = {order.exchange_order_id: order for order in group if order.exchange_order_id}
            listed: set[str] = set()
            for record in records:
                order = self._order_of_record(by_client_id, by_exchange_id, record)
                if order is None or order.client_order_id in listed:
                    continue
                listed.add(order.client_order_id)
                if order.client_order_id in self.in_flight_orders:
                    self._order_tracker.process_order_update(self._order_update_of_record(order, record))
            return [order for order in group if order.client_order_id not in listed]

        unlisted = await asyncio.gather(*(fetch(pair, group) for pair, group in groups.items()))
        return [order for group in unlisted for order in group]

    @staticmethod
    def _order_of_record(
        by_client_id: Mapping[str, InFlightOrder], by_exchange_id: Mapping[str, InFlightOrder], record: OrderRecord
    ) -> InFlightOrder | None:
        """The order a parsed record (an order update or a fill, from REST or the user stream) names, among those
        given: by client order id first, then by exchange order id."""
        if record.client_order_id is not None and str(record.client_order_id) in by_client_id:
            return by_client_id[str(record.client_order_id)]
        return by_exchange_id.get(str(record.exchange_order_id)) if record.exchange_order_id is not None else None

    def _order_update_of_record(self, order: InFlightOrder, record: OrderUpdateRecord) -> OrderUpdate:
        """The ``OrderUpdate`` of ``order`` a parsed ``order_update`` record states (its state; its exchange order
        id, timestamp and sequence when it has them)."""
        return OrderUpdate(
            trading_pair=order.trading_pair,
            update_timestamp=record.timestamp if record.timestamp is not None else self.current_timestamp,
            new_state=record.state,
            client_order_id=order.client_order_id,
            exchange_order_id=(
                str(record.exchange_order_id) if record.exchange_order_id is not None else order.exchange_order_id
            ),
            sequence=record.sequence,
        )

    async def _update_lost_orders_status(self) -> None:
        lost_orders = list(self._order_tracker.lost_orders.values())
        await self._update_orders_fills(lost_orders)
        await self._update_orders(lost_orders)

    async def _update_orders_fills(self, orders: list[InFlightOrder]) -> None:
        async def fetch(order: InFlightOrder) -> None:
            try:
                trade_updates = await self._all_trade_updates_for_order(order)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.logger().network(f"Error fetching trade updates for the order {order.client_order_id}: {error}.")
                return
            for trade_update in trade_updates:
                self._order_tracker.process_trade_update(trade_update)

        await asyncio.gather(*(fetch(order) for order in orders))

    async def _update_orders(self, orders: list[InFlightOrder]) -> None:
        async def fetch(order: InFlightOrder) -> None:
            try:
                order_update = await self._request_order_status(tracked_order=order)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                await self._handle_update_error(order, error)
                return
            order_id = order.client_order_id
            if order_id in self.in_flight_orders or order_id in self._order_tracker.lost_orders:
                self._order_tracker.process_order_update(order_update)

        await asyncio.gather(*(fetch(order) for order in orders))

    async def _handle_update_error(self, order: InFlightOrder, error: Exception) -> None:
        """Count only real "order not found" answers toward lost; log everything else.

        Deliberate fix over Hummingbot, which counts *any* status error of an active order (timeouts, HTTP 5xx,
        expired keys...) and so declares healthy orders lost during an outage.
        """
        if self._is_order_not_found_during_status_update_error(status_update_exception=error):
            self.logger().network(f"Order {order.client_order_id} was not found by the exchange.")
            await self._order_tracker.process_order_not_found(order.client_order_id)
        else:
            self.logger().network(
                f"Error fetching status update for the order {order.client_order_id}: {error}.", exc_info=False
            )

    async def _cancel_lost_orders(self) -> None:
        for lost_order in list(self._order_tracker.lost_orders.values()):
            await self._execute_order_cancel(order=lost_order)

"""The machinery of the shared spot suite: set-up and tear-down (aioresponses, the connector, event loggers), log
assertions, registering and inspecting mocked requests, feeding user-stream events, tracking and placing orders,
and the default request validators and response configurators built from the data members."""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from aioresponses import aioresponses
from aioresponses.core import RequestCall

from hbrt.data_type.common import OrderType, TradeType
from hbrt.data_type.in_flight_order import InFlightOrder
from hbrt.data_type.trading_rule import TradingRule
from hbrt.event.events import MarketEvent
from hbrt.event.pubsub import EventLogger
from hbrt.testing.exchange_suite_members import (
    ExchangeSuiteMembers,
    RequestCallback,
    UrlLike,
    _RecordCollector,
    _same_value,
    as_mock_response,
    request_fields,
    url_pattern,
)


class ExchangeSuiteHarness:
    """Holder class, so test discovery does not collect the abstract case: :class:`ExchangeSuiteHarness.Harness`."""

    class Harness(ExchangeSuiteMembers.Members):
        """Set-up, helpers, request validators and response configurators the suite's tests use."""

        # ============================================================================================================
        # Set-up

        async def asyncSetUp(self) -> None:
            await super().asyncSetUp()
            self.log_records: list[logging.LogRecord] = []
            self._log_handler = _RecordCollector(self.log_records)
            root = logging.getLogger()
            self._previous_root_level = root.level
            root.setLevel(1)
            root.addHandler(self._log_handler)

            self.mock_api = aioresponses()
            self.mock_api.start()

            self.exchange = self.create_exchange_instance()
            self.exchange._set_current_timestamp(self.start_timestamp)
            self.exchange._time_synchronizer.add_time_offset_ms_sample(0)
            self.exchange._set_trading_pair_symbol_map({self.exchange_trading_pair: self.trading_pair})
            # The status tests test each order's status request; the open-orders tests switch the list back on.
            self.open_orders_scope = self.exchange.OPEN_ORDERS_SCOPE
            self.exchange.OPEN_ORDERS_SCOPE = None

            self.buy_order_created_logger = EventLogger()
            self.sell_order_created_logger = EventLogger()
            self.buy_order_completed_logger = EventLogger()
            self.sell_order_completed_logger = EventLogger()
            self.order_cancelled_logger = EventLogger()
            self.order_failure_logger = EventLogger()
            self.order_filled_logger = EventLogger()
            self.event_sequence: list[MarketEvent] = []
            for tag, listener in (
                (MarketEvent.BuyOrderCreated, self.buy_order_created_logger),
                (MarketEvent.SellOrderCreated, self.sell_order_created_logger),
                (MarketEvent.BuyOrderCompleted, self.buy_order_completed_logger),
                (MarketEvent.SellOrderCompleted, self.sell_order_completed_logger),
                (MarketEvent.OrderCancelled, self.order_cancelled_logger),
                (MarketEvent.OrderFailure, self.order_failure_logger),
                (MarketEvent.OrderFilled, self.order_filled_logger),
            ):
                self.exchange.add_listener(tag, listener)
                self.exchange.add_listener(tag, functools.partial(self._record_event_tag, tag))

        def _record_event_tag(self, tag: MarketEvent, event: Any) -> None:
            self.event_sequence.append(tag)

        async def asyncTearDown(self) -> None:
            for task in list(self.exchange._pending_tasks):
                task.cancel()
            await self.exchange.stop_network()
            if "_web_assistants_factory" in self.exchange.__dict__:
                await self.exchange._web_assistants_factory.close()
            self.mock_api.stop()
            root = logging.getLogger()
            root.removeHandler(self._log_handler)
            root.setLevel(self._previous_root_level)
            await super().asyncTearDown()

        # ============================================================================================================
        # Helpers

        def is_logged(self, log_level: str, message: str) -> bool:
            return any(r.levelname == log_level and r.getMessage() == message for r in self.log_records)

        def is_logged_that_starts_with(self, log_level: str, message_starts_with: str) -> bool:
            return any(
                r.levelname == log_level and r.getMessage().startswith(message_starts_with) for r in self.log_records
            )

        def is_logged_at_any_level_starting_with(self, message_starts_with: str) -> bool:
            return any(r.getMessage().startswith(message_starts_with) for r in self.log_records)

        def order_created_log_line(
            self,
            order_type: OrderType,
            trade_type: TradeType,
            order_id: str,
            amount: Decimal,
            price: Decimal | None,
            order: InFlightOrder,
        ) -> str:
            """The INFO line the runtime logs when ``order`` is accepted (the perpetual suite adds the position)."""
            pair = self.trading_pair
            return f"Created {order_type.name} {trade_type.name} order {order_id} for {amount} {pair} at {price}."

        def register_response(
            self,
            method: str,
            url: UrlLike,
            response: Any,
            callback: RequestCallback | None = None,
            repeat: bool = False,
        ) -> re.Pattern[str]:
            """Register one canned answer for ``method url``; return the URL pattern to inspect later."""
            mock = as_mock_response(response)
            pattern = url_pattern(url)
            self.mock_api.add(
                pattern, method=method.upper(), status=mock.status, body=mock.body, callback=callback, repeat=repeat
            )
            return pattern

        def executed_requests(self, url: UrlLike, method: str | None = None) -> list[RequestCall]:
            """Requests sent to ``url`` (any query string), in the order aioresponses recorded them."""
            pattern = url_pattern(url)
            calls: list[RequestCall] = []
            for (request_method, request_url), request_calls in self.mock_api.requests.items():
                if method is not None and request_method.upper() != method.upper():
                    continue
                if pattern.match(str(request_url)):
                    calls.extend(request_calls)
            return calls

        def assert_request_fields(self, expected: Mapping[str, Any], request_call: RequestCall) -> None:
            actual = request_fields(request_call)
            for key, value in expected.items():
                self.assertIn(key, actual, f"request is missing field {key!r}: {actual}")
                self.assertTrue(
                    _same_value(value, actual[key]), f"field {key!r}: expected {value!r}, sent {actual[key]!r}"
                )

        async def run_pending(self) -> None:
            """Wait until the connector's background order tasks and the tracker's updates have finished."""
            async with asyncio.timeout(self.settle_timeout):
                for _ in range(3):
                    await asyncio.sleep(0)
                while True:
                    pending = set(self.exchange._pending_tasks)
                    if pending:
                        await asyncio.wait(pending)
                    await self.exchange._order_tracker.wait_for_pending_updates()
                    await asyncio.sleep(0)
                    if not self.exchange._pending_tasks:
                        break

        async def process_user_stream_events(self, events: Iterable[Any]) -> None:
            """Push ``events`` (None entries skipped) into the user-stream queue and let the listener consume them."""
            tracker = self.exchange._user_stream_tracker
            if tracker is None:
                self.fail(f"{self.exchange.name} has no user stream: test its updates through the REST polls")
            queue: asyncio.Queue[Any] = tracker.user_stream
            for event in events:
                if event is not None:
                    queue.put_nowait(event)
            listener = asyncio.create_task(self.exchange._user_stream_event_listener())
            try:
                async with asyncio.timeout(self.settle_timeout):
                    while True:
                        await asyncio.sleep(0)
                        if listener.done():
                            break
                        waiting = getattr(queue, "_getters", None)
                        if queue.empty() and waiting:
                            break
                await self.run_pending()
            finally:
                listener.cancel()
                await asyncio.gather(listener, return_exceptions=True)
            error = listener.exception() if listener.done() and not listener.cancelled() else None
            if error is not None:
                raise error

        def track_order(
            self,
            order_number: int = 1,
            trade_type: TradeType = TradeType.BUY,
            price: Decimal = Decimal("10000"),
            amount: Decimal = Decimal("1"),
            order_type: OrderType = OrderType.LIMIT,
            with_exchange_order_id: bool = True,
        ) -> InFlightOrder:
            """Start tracking an order with client id ``<client prefix><n>`` (exchange id ``<exchange prefix><n>``)."""
            order_id = f"{self.client_order_id_prefix}{order_number}"
            self.exchange.start_tracking_order(
                order_id=order_id,
                exchange_order_id=f"{self.exchange_order_id_prefix}{order_number}" if with_exchange_order_id else None,
                trading_pair=self.trading_pair,
                trade_type=trade_type,
                price=price,
                amount=amount,
                order_type=order_type,
            )
            return self.exchange.in_flight_orders[order_id]

        async def make_order_lost(self, order: InFlightOrder) -> None:
            tracker = self.exchange._order_tracker
            for _ in range(tracker._lost_order_count_limit + 1):
                await tracker.process_order_not_found(order.client_order_id)
            await self.run_pending()
            self.assertNotIn(order.client_order_id, self.exchange.in_flight_orders)
            self.assertIn(order.client_order_id, tracker.lost_orders)
            self.order_failure_logger.clear()

        def use_open_orders_list(self) -> None:
            """Let the status poll list open orders, as the connector does; skip when it has no open-orders list."""
            if self.open_orders_scope is None or self.open_orders_url() is None:
                self.skipTest("the connector lists no open orders (the spec has no open_orders endpoint)")
            self.exchange.OPEN_ORDERS_SCOPE = self.open_orders_scope

        def skip_without_user_stream(self, covered_by: str) -> None:
            """Skip a test of user-stream events when the connector has none; ``covered_by`` says what tests the
            same update arriving by REST polling."""
            if not self.exchange.has_user_stream:
                self.skipTest(f"no user stream (the exchange has no private websocket); {covered_by}")

        def simulate_trading_rules_initialized(self) -> None:
            self.exchange._trading_rules = {
                self.trading_pair: TradingRule(
                    trading_pair=self.trading_pair,
                    min_order_size=Decimal("0.01"),
                    min_price_increment=Decimal("0.0001"),
                    min_base_amount_increment=Decimal("0.000001"),
                    min_notional_size=Decimal("1"),
                )
            }

        def default_order_options(self) -> dict[str, Any]:
            """Keyword arguments every order the suite places carries (the perpetual suite opens a position)."""
            return {}

        def place_buy_order(
            self,
            amount: Decimal = Decimal("100"),
            price: Decimal = Decimal("10000"),
            order_type: OrderType = OrderType.LIMIT,
            **options: Any,
        ) -> str:
            options = {**self.default_order_options(), **options}
            return self.exchange.buy(self.trading_pair, amount, order_type=order_type, price=price, **options)

        def place_sell_order(
            self,
            amount: Decimal = Decimal("100"),
            price: Decimal = Decimal("10000"),
            order_type: OrderType = OrderType.LIMIT,
            **options: Any,
        ) -> str:
            options = {**self.default_order_options(), **options}
            return self.exchange.sell(self.trading_pair, amount, order_type=order_type, price=price, **options)

        # ---- default request validators (override for exotic signing) -------------------------------------------
        def validate_auth_credentials_present(self, request_call: RequestCall) -> None:
            keys = list(self.auth_header_keys) + list(self.auth_param_keys)
            self.assertTrue(keys, "declare auth_header_keys and/or auth_param_keys")
            headers = {key.lower() for key in (request_call.kwargs.get("headers") or {})}
            for key in self.auth_header_keys:
                self.assertIn(key.lower(), headers, f"signed request lacks header {key}")
            fields = request_fields(request_call)
            for key in self.auth_param_keys:
                self.assertIn(key, fields, f"signed request lacks parameter {key}")

        def validate_order_creation_request(self, order: InFlightOrder, request_call: RequestCall) -> None:
            self.assert_request_fields(self.expected_order_creation_request_fields(order), request_call)

        def validate_order_cancelation_request(self, order: InFlightOrder, request_call: RequestCall) -> None:
            self.assert_request_fields(self.expected_order_cancelation_request_fields(order), request_call)

        def validate_order_status_request(self, order: InFlightOrder, request_call: RequestCall) -> None:
            self.assert_request_fields(self.expected_order_status_request_fields(order), request_call)

        def validate_trades_request(self, order: InFlightOrder, request_call: RequestCall) -> None:
            self.assert_request_fields(self.expected_trades_request_fields(order), request_call)

        # ---- default response configurators (override when one data member is not enough) -----------------------
        def configure_successful_cancelation_response(
            self, order: InFlightOrder, callback: RequestCallback | None = None
        ) -> UrlLike:
            return self.register_response(
                self.order_cancelation_method,
                self.order_cancelation_url(order),
                self.order_cancelation_request_successful_mock_response(order),
                callback,
            )

        def configure_erroneous_cancelation_response(
            self, order: InFlightOrder, callback: RequestCallback | None = None
        ) -> UrlLike:
            return self.register_response(
                self.order_cancelation_method,
                self.order_cancelation_url(order),
                self.order_cancelation_request_erroneous_mock_response(order),
                callback,
            )

        def configure_order_not_found_error_cancelation_response(
            self, order: InFlightOrder, callback: RequestCallback | None = None
        ) -> UrlLike:
            return self.register_response(
                self.order_cancelation_method,
                self.order_cancelation_url(order),
                self.order_cancelation_request_not_found_mock_response(order),
                callback,
            )

        def configure_one_successful_one_erroneous_cancel_all_response(
            self, successful_order: InFlightOrder, erroneous_order: InFlightOrder
        ) -> list[UrlLike]:
            return [
                self.configure_successful_cancelation_response(successful_order),
                self.configure_erroneous_cancelation_response(erroneous_order),
            ]

        def _configure_status(self, order: InFlightOrder, response: Any, callback: RequestCallback | None) -> UrlLike:
            return self.register_response(self.order_status_method, self.order_status_url(order), response, callback)

        def configure_open_orders_response(
            self, listed: Sequence[tuple[InFlightOrder, str]], callback: RequestCallback | None = None
        ) -> UrlLike:
            """Answer the next open-orders request with ``listed`` (orders and their ``OrderState`` names)."""
            url = self.open_orders_url()
            assert url is not None, "the connector lists no open orders"
            return self.register_response(
                self.open_orders_method, url, self.open_orders_request_mock_response(listed), callback
            )

        def configure_completely_filled_order_status_response(
            self, order: InFlightOrder, callback: RequestCallback | None = None
        ) -> UrlLike:
            return self._configure_status(
                order, self.order_status_request_completely_filled_mock_response(order), callback
            )

        def configure_canceled_order_status_response(
            self, order: InFlightOrder, callback: RequestCallback | None = None
        ) -> UrlLike:
            return self._configure_status(order, self.order_status_request_canceled_mock_response(order), callback)

        def configure_open_order_status_response(
            self, order: InFlightOrder, callback: RequestCallback | None = None
        ) -> UrlLike:
            return self._configure_status(order, self.order_status_request_open_mock_response(order), callback)

        def configure_partially_filled_order_status_response(
            self, order: InFlightOrder, callback: RequestCallback | None = None
        ) -> UrlLike:
            return self._configure_status(
                order, self.order_status_request_partially_filled_mock_response(order), callback
            )

        def configure_http_error_order_status_response(
            self, order: InFlightOrder, callback: RequestCallback | None = None
        ) -> UrlLike:
            return self._configure_status(order, self.order_status_request_erroneous_mock_response(order), callback)

        def configure_order_not_found_error_order_status_response(
            self, order: InFlightOrder, callback: RequestCallback | None = None
        ) -> UrlLike:
            return self._configure_status(order, self.order_status_request_not_found_mock_response(order), callback)

        def configure_partial_fill_trade_response(
            self, order: InFlightOrder, callback: RequestCallback | None = None
        ) -> UrlLike:
            return self.register_response(
                self.trades_method,
                self.trades_url(order),
                self.trades_request_partial_fill_mock_response(order),
                callback,
            )

        def configure_full_fill_trade_response(
            self, order: InFlightOrder, callback: RequestCallback | None = None
        ) -> UrlLike:
            return self.register_response(
                self.trades_method, self.trades_url(order), self.trades_request_full_fill_mock_response(order), callback
            )

        def configure_erroneous_http_fill_trade_response(
            self, order: InFlightOrder, callback: RequestCallback | None = None
        ) -> UrlLike:
            return self.register_response(
                self.trades_method, self.trades_url(order), self.trades_request_erroneous_mock_response(order), callback
            )

        def configure_balance_response(self, response: Any, callback: RequestCallback | None = None) -> UrlLike:
            return self.register_response(self.balance_method, self.balance_url, response, callback)

        def configure_trading_rules_response(self, response: Any | None = None) -> UrlLike:
            if response is None:
                response = self.trading_rules_request_mock_response
            return self.register_response(self.trading_rules_method, self.trading_rules_url, response)

        def configure_server_time_response(self) -> UrlLike:
            return self.register_response(
                self.server_time_method, self.server_time_url, self.server_time_request_mock_response, repeat=True
            )

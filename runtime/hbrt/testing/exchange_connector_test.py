"""The shared connector test suite: every spot connector's test case inherits its tests from here.

Shaped like Hummingbot's ``AbstractExchangeConnectorTests``: the test case is nested in a holder class, so test
discovery does not collect the abstract case itself::

    class FakexExchangeTests(AbstractExchangeConnectorTests.ExchangeConnectorTests):
        ...  # data members (URLs, canned payloads, expected values) and create_exchange_instance()

Unlike Hummingbot's suite, almost every member a concrete test supplies is *data*: URLs (plain strings or compiled
regular expressions), canned response payloads (optionally with an HTTP status, see :class:`MockResponse`),
expected parsed values, and the request fields each request must carry. The ``configure_*`` and ``validate_*``
methods Hummingbot makes abstract have default implementations built from those data members, so a generator can
fill a concrete test from a spec without writing mock code; a connector with unusual needs overrides them.

REST is mocked with aioresponses (``self.mock_api``, started in ``asyncSetUp``); user-stream events are pushed into
the connector's user-stream queue and consumed by the connector's real ``_user_stream_event_listener``. A connector
without a user stream (``has_user_stream`` False: the exchange has no private websocket) runs the REST-polling
equivalent of a user-stream test where the suite has no polling test of that update yet, and skips the others with
the name of the polling test that covers them. Every test runs without network access and without real waiting
beyond a few event-loop turns. ``docs/shared-suite.md`` lists every member and every test.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from unittest import IsolatedAsyncioTestCase
from urllib.parse import parse_qsl

from aioresponses import aioresponses
from aioresponses.core import RequestCall

from hbrt.connector.exchange_py_base import ExchangePyBase
from hbrt.data_type.cancellation_result import CancellationResult
from hbrt.data_type.common import OrderType, TradeType
from hbrt.data_type.in_flight_order import InFlightOrder, OrderState, OrderUpdate, TradeUpdate
from hbrt.data_type.trade_fee import AddedToCostTradeFee, TradeFeeBase
from hbrt.data_type.trading_rule import TradingRule
from hbrt.event.events import MarketEvent
from hbrt.event.pubsub import EventLogger
from hbrt.network_base import NetworkStatus

UrlLike = str | re.Pattern[str]
RequestCallback = Callable[..., Any]


@dataclass(frozen=True)
class MockResponse:
    """A canned HTTP answer: ``payload`` (JSON-encoded unless it is a str) with ``status``."""

    payload: Any = None
    status: int = 200

    @property
    def body(self) -> str:
        if isinstance(self.payload, str):
            return self.payload
        return json.dumps(self.payload)


def as_mock_response(response: Any) -> MockResponse:
    """A data member's value as a :class:`MockResponse` (a bare payload means HTTP 200)."""
    return response if isinstance(response, MockResponse) else MockResponse(payload=response)


def url_pattern(url: UrlLike) -> re.Pattern[str]:
    """A compiled pattern for ``url``: patterns pass through; a plain URL matches itself with any query string."""
    if isinstance(url, re.Pattern):
        return url
    return re.compile("^" + re.escape(url) + r"(\?.*)?$")


def request_fields(request_call: RequestCall) -> dict[str, Any]:
    """Query parameters and body fields of a recorded request, merged (body wins).

    The body may be a JSON object, a form-encoded string or a mapping; anything else is ignored.
    """
    fields: dict[str, Any] = {}
    params = request_call.kwargs.get("params")
    if isinstance(params, Mapping):
        fields.update(params)
    elif isinstance(params, Iterable) and not isinstance(params, str | bytes):
        fields.update(dict(params))
    for body in (request_call.kwargs.get("data"), request_call.kwargs.get("json")):
        if body is None:
            continue
        if isinstance(body, bytes):
            body = body.decode()
        if isinstance(body, str):
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = dict(parse_qsl(body))
            body = parsed
        if isinstance(body, Mapping):
            fields.update(body)
    return fields


def _same_value(expected: Any, actual: Any) -> bool:
    if isinstance(expected, Decimal):
        try:
            return Decimal(str(actual)) == expected
        except ArithmeticError:
            return False
    if isinstance(expected, bool) or isinstance(actual, bool):
        return str(expected).lower() == str(actual).lower()
    if isinstance(expected, int | float) and not isinstance(actual, int | float):
        return str(expected) == str(actual)
    if isinstance(actual, int | float) and isinstance(expected, str):
        return expected == str(actual)
    return bool(expected == actual)


class _RecordCollector(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__(level=1)
        self._records = records

    def emit(self, record: logging.LogRecord) -> None:
        self._records.append(record)


class AbstractExchangeConnectorTests:
    """Holder class; the test case is :class:`AbstractExchangeConnectorTests.ExchangeConnectorTests`."""

    class ExchangeConnectorTests(IsolatedAsyncioTestCase, ABC):
        """Tests every spot connector must pass. See ``docs/shared-suite.md`` for the members to provide."""

        # ---- fixtures (override only if the exchange cannot list these names) ---------------------------------
        base_asset: str = "COINALPHA"
        quote_asset: str = "HBOT"
        client_order_id_prefix: str = "1"
        exchange_order_id_prefix: str = "2"
        #: The timestamp every test starts at; events must carry the connector's current timestamp.
        start_timestamp: float = 1640780000.0
        #: Seconds a test waits at most for the connector's background work.
        settle_timeout: float = 5.0

        # ============================================================================================================
        # (a) URLs: plain strings (any query string matches) or compiled regular expressions

        @property
        @abstractmethod
        def all_symbols_url(self) -> UrlLike:
            """URL of the trading-pairs request (``trading_pairs_request_path``)."""

        @property
        @abstractmethod
        def latest_prices_url(self) -> UrlLike:
            """URL of the last-traded-price request for :attr:`trading_pair`."""

        @property
        @abstractmethod
        def network_status_url(self) -> UrlLike:
            """URL of the health check (``check_network_request_path``)."""

        @property
        @abstractmethod
        def trading_rules_url(self) -> UrlLike:
            """URL of the trading-rules request."""

        @property
        @abstractmethod
        def order_creation_url(self) -> UrlLike:
            """URL of the place-order request."""

        @property
        @abstractmethod
        def balance_url(self) -> UrlLike:
            """URL of the balances request."""

        @property
        @abstractmethod
        def server_time_url(self) -> UrlLike:
            """URL of the server-time request used by ``web_utils.get_current_server_time``."""

        @abstractmethod
        def order_cancelation_url(self, order: InFlightOrder) -> UrlLike:
            """URL of the cancel request for ``order``."""

        @abstractmethod
        def order_status_url(self, order: InFlightOrder) -> UrlLike:
            """URL of the order-status request for ``order``."""

        @abstractmethod
        def trades_url(self, order: InFlightOrder) -> UrlLike:
            """URL of the fills request for ``order``."""

        # HTTP verbs of the order endpoints (defaults are the common ones).
        order_creation_method: str = "POST"
        order_cancelation_method: str = "DELETE"
        order_status_method: str = "GET"
        trades_method: str = "GET"
        balance_method: str = "GET"

        # ============================================================================================================
        # (b) Canned responses. A value is a JSON payload (HTTP 200) or a MockResponse(payload, status).

        @property
        @abstractmethod
        def all_symbols_request_mock_response(self) -> Any:
            """Pairs answer listing exactly one valid pair: :attr:`trading_pair`."""

        @property
        @abstractmethod
        def all_symbols_including_invalid_pair_mock_response(self) -> tuple[str, Any]:
            """``(invalid trading pair, pairs answer)``: the answer also lists a pair the validity filter rejects."""

        @property
        @abstractmethod
        def latest_prices_request_mock_response(self) -> Any:
            """Last-price answer for :attr:`trading_pair` whose price is :attr:`expected_latest_price`."""

        @property
        @abstractmethod
        def network_status_request_successful_mock_response(self) -> Any:
            """Health-check answer."""

        @property
        @abstractmethod
        def trading_rules_request_mock_response(self) -> Any:
            """Rules answer whose rule for :attr:`trading_pair` equals :attr:`expected_trading_rule`."""

        @property
        @abstractmethod
        def trading_rules_request_erroneous_mock_response(self) -> Any:
            """Rules answer with one unparsable rule for :attr:`trading_pair` (it must be skipped and logged)."""

        @property
        @abstractmethod
        def order_creation_request_successful_mock_response(self) -> Any:
            """Place-order answer carrying :attr:`expected_exchange_order_id`."""

        @property
        def order_creation_request_erroneous_mock_response(self) -> Any:
            """Place-order rejection (default: HTTP 400)."""
            return MockResponse(payload={"error": "order rejected"}, status=400)

        @property
        @abstractmethod
        def balance_request_mock_response_for_base_and_quote(self) -> Any:
            """Balances: base 10 available / 15 total, quote 2000 available / 2000 total."""

        @property
        @abstractmethod
        def balance_request_mock_response_only_base(self) -> Any:
            """Balances: base 10 available / 15 total and no quote entry."""

        @property
        @abstractmethod
        def balance_event_websocket_update(self) -> Any:
            """User-stream balance event: base 10 available / 15 total."""

        @property
        @abstractmethod
        def server_time_request_mock_response(self) -> Any:
            """Server-time answer."""

        @property
        def time_synchronizer_error_mock_response(self) -> MockResponse | None:
            """An error answer the connector classifies as a time-synchronisation error; None when the exchange has
            none (its signatures do not depend on its clock, like Kraken's nonces)."""
            return None

        @property
        def rate_limited_mock_response(self) -> MockResponse | None:
            """An error answer the connector classifies as the exchange's rate limit; None (the default) when the
            exchange documents no rate-limit reply."""
            return None

        @abstractmethod
        def order_cancelation_request_successful_mock_response(self, order: InFlightOrder) -> Any:
            """Cancel answer accepting the cancel of ``order``."""

        def order_cancelation_request_erroneous_mock_response(self, order: InFlightOrder) -> Any:
            """Cancel failure that is *not* "order not found" (default: HTTP 400)."""
            return MockResponse(payload={"error": "cancel rejected"}, status=400)

        @abstractmethod
        def order_cancelation_request_not_found_mock_response(self, order: InFlightOrder) -> Any:
            """Cancel failure the connector classifies as "order not found"."""

        @abstractmethod
        def order_status_request_open_mock_response(self, order: InFlightOrder) -> Any:
            """Status answer: ``order`` is open with no fill."""

        @abstractmethod
        def order_status_request_partially_filled_mock_response(self, order: InFlightOrder) -> Any:
            """Status answer: ``order`` is partially filled."""

        @abstractmethod
        def order_status_request_completely_filled_mock_response(self, order: InFlightOrder) -> Any:
            """Status answer: ``order`` is filled."""

        @abstractmethod
        def order_status_request_canceled_mock_response(self, order: InFlightOrder) -> Any:
            """Status answer: ``order`` is cancelled."""

        def order_status_request_failed_mock_response(self, order: InFlightOrder) -> Any | None:
            """Status answer mapping to FAILED (rejected/expired), or None when the exchange has no such state."""
            return None

        @abstractmethod
        def order_status_request_not_found_mock_response(self, order: InFlightOrder) -> Any:
            """Status failure the connector classifies as "order not found"."""

        def order_status_request_erroneous_mock_response(self, order: InFlightOrder) -> Any:
            """Status failure that is neither "not found" nor a time error (default: HTTP 503)."""
            return MockResponse(payload={"error": "service unavailable"}, status=503)

        @abstractmethod
        def trades_request_partial_fill_mock_response(self, order: InFlightOrder) -> Any:
            """Fills answer: one fill of :attr:`expected_partial_fill_amount` at :attr:`expected_partial_fill_price`,
            fee :attr:`expected_fill_fee`, trade id :attr:`expected_fill_trade_id`."""

        @abstractmethod
        def trades_request_full_fill_mock_response(self, order: InFlightOrder) -> Any:
            """Fills answer: one fill of ``order.amount`` at ``order.price``, fee :attr:`expected_fill_fee`,
            trade id :attr:`expected_fill_trade_id`."""

        def trades_request_erroneous_mock_response(self, order: InFlightOrder) -> Any:
            """Fills failure (default: HTTP 400)."""
            return MockResponse(payload={"error": "bad request"}, status=400)

        # ============================================================================================================
        # (c) Expected parsed values

        @property
        @abstractmethod
        def expected_latest_price(self) -> Decimal:
            """Price parsed from :attr:`latest_prices_request_mock_response`."""

        @property
        @abstractmethod
        def expected_supported_order_types(self) -> list[OrderType]:
            """``supported_order_types()``."""

        @property
        @abstractmethod
        def expected_trading_rule(self) -> TradingRule:
            """Rule parsed from :attr:`trading_rules_request_mock_response` (compared by ``repr``)."""

        @property
        @abstractmethod
        def expected_logged_error_for_erroneous_trading_rule(self) -> str:
            """Start of the ERROR line logged for the unparsable rule."""

        @property
        @abstractmethod
        def expected_exchange_order_id(self) -> str:
            """Exchange order id in :attr:`order_creation_request_successful_mock_response`."""

        @property
        @abstractmethod
        def expected_partial_fill_price(self) -> Decimal:
            """Price of the partial fill."""

        @property
        @abstractmethod
        def expected_partial_fill_amount(self) -> Decimal:
            """Base amount of the partial fill."""

        @property
        @abstractmethod
        def expected_fill_fee(self) -> TradeFeeBase:
            """Fee of every canned fill (class included: fees compare as dataclasses)."""

        @property
        def expected_user_stream_fill_fee(self) -> TradeFeeBase:
            """Fee of the canned user-stream fills: :attr:`expected_fill_fee`, unless the stream reports fees
            otherwise than REST does (KuCoin's order pushes carry none, so the connector estimates them)."""
            return self.expected_fill_fee

        @property
        @abstractmethod
        def expected_fill_trade_id(self) -> str:
            """Trade id of the canned fills."""

        # ============================================================================================================
        # (d) Behaviour flags

        @property
        @abstractmethod
        def is_order_fill_http_update_included_in_status_update(self) -> bool:
            """True when ``_update_order_status`` fetches fills over REST (``_all_trade_updates_for_order``)."""

        @property
        @abstractmethod
        def is_order_fill_http_update_executed_during_websocket_order_event_processing(self) -> bool:
            """True when the user-stream order event makes the connector fetch fills over REST."""

        # ============================================================================================================
        # (e) Factories

        @abstractmethod
        def exchange_symbol_for_tokens(self, base_token: str, quote_token: str) -> str:
            """The exchange's symbol for a pair of tokens."""

        @abstractmethod
        def create_exchange_instance(self) -> ExchangePyBase:
            """A connector trading :attr:`trading_pair` with ``trading_required=True`` and dummy keys."""

        # ============================================================================================================
        # (f) What requests must carry

        #: Header names every signed request carries.
        auth_header_keys: Collection[str] = ()
        #: Query/body parameter names every signed request carries.
        auth_param_keys: Collection[str] = ()

        @abstractmethod
        def expected_order_creation_request_fields(self, order: InFlightOrder) -> Mapping[str, Any]:
            """Fields (query or body) the place-order request for ``order`` must carry; Decimals compare by value."""

        @abstractmethod
        def expected_order_cancelation_request_fields(self, order: InFlightOrder) -> Mapping[str, Any]:
            """Fields the cancel request for ``order`` must carry (may be empty when the URL identifies it)."""

        @abstractmethod
        def expected_order_status_request_fields(self, order: InFlightOrder) -> Mapping[str, Any]:
            """Fields the status request for ``order`` must carry (may be empty when the URL identifies it)."""

        @abstractmethod
        def expected_trades_request_fields(self, order: InFlightOrder) -> Mapping[str, Any]:
            """Fields the fills request for ``order`` must carry (may be empty when the URL identifies it)."""

        # ============================================================================================================
        # (h) User-stream payload builders (return None when the exchange sends no such event)

        @abstractmethod
        def order_event_for_new_order_websocket_update(self, order: InFlightOrder) -> Any:
            """User-stream event: ``order`` was accepted (carries its exchange order id)."""

        @abstractmethod
        def order_event_for_canceled_order_websocket_update(self, order: InFlightOrder) -> Any:
            """User-stream event: ``order`` was cancelled."""

        @abstractmethod
        def order_event_for_full_fill_websocket_update(self, order: InFlightOrder) -> Any:
            """User-stream event: ``order`` is filled (status)."""

        @abstractmethod
        def trade_event_for_full_fill_websocket_update(self, order: InFlightOrder) -> Any:
            """User-stream fill of all of ``order`` at its price with :attr:`expected_user_stream_fill_fee`, or None
            when the order event above carries the fill."""

        #: False when the user stream's balance events report the total alone (Binance USD-M): the available
        #: amount then stays what the REST poll said.
        balance_event_reports_available: bool = True

        @property
        def malformed_user_stream_event(self) -> Any:
            """An event the listener cannot process; it must log ``Unexpected error in user stream listener loop.``"""
            return "Invalid message"

        # ============================================================================================================
        # Derived names

        @property
        def trading_pair(self) -> str:
            return f"{self.base_asset}-{self.quote_asset}"

        @property
        def exchange_trading_pair(self) -> str:
            return self.exchange_symbol_for_tokens(self.base_asset, self.quote_asset)

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
            return self.register_response("GET", self.trading_rules_url, response)

        def configure_server_time_response(self) -> UrlLike:
            return self.register_response(
                "GET", self.server_time_url, self.server_time_request_mock_response, repeat=True
            )

        # ============================================================================================================
        # Tests: pairs, rules, prices, readiness

        async def test_supported_order_types(self) -> None:
            self.assertEqual(self.expected_supported_order_types, self.exchange.supported_order_types())

        async def test_restore_tracking_states_only_registers_open_orders(self) -> None:
            orders = []
            for number, state in enumerate(
                (OrderState.OPEN, OrderState.CANCELED, OrderState.FILLED, OrderState.FAILED), start=1
            ):
                order = InFlightOrder(
                    client_order_id=f"{self.client_order_id_prefix}{number}",
                    exchange_order_id=f"{self.exchange_order_id_prefix}{number}",
                    trading_pair=self.trading_pair,
                    order_type=OrderType.LIMIT,
                    trade_type=TradeType.BUY,
                    amount=Decimal("1000"),
                    price=Decimal("1"),
                    creation_timestamp=self.start_timestamp,
                    initial_state=state,
                )
                orders.append(order)
            self.exchange.restore_tracking_states({order.client_order_id: order.to_json() for order in orders})
            self.assertIn(orders[0].client_order_id, self.exchange.in_flight_orders)
            for order in orders[1:]:
                self.assertNotIn(order.client_order_id, self.exchange.in_flight_orders)

        async def test_all_trading_pairs(self) -> None:
            self.exchange._set_trading_pair_symbol_map(None)
            self.register_response("GET", self.all_symbols_url, self.all_symbols_request_mock_response)
            all_trading_pairs = await self.exchange.all_trading_pairs()
            self.assertEqual([self.trading_pair], all_trading_pairs)

        async def test_invalid_trading_pair_not_in_all_trading_pairs(self) -> None:
            self.exchange._set_trading_pair_symbol_map(None)
            invalid_pair, response = self.all_symbols_including_invalid_pair_mock_response
            self.register_response("GET", self.all_symbols_url, response)
            all_trading_pairs = await self.exchange.all_trading_pairs()
            self.assertNotIn(invalid_pair, all_trading_pairs)
            self.assertIn(self.trading_pair, all_trading_pairs)

        async def test_all_trading_pairs_does_not_raise_exception(self) -> None:
            self.exchange._set_trading_pair_symbol_map(None)
            self.mock_api.get(url_pattern(self.all_symbols_url), exception=Exception("boom"))
            self.assertEqual([], await self.exchange.all_trading_pairs())
            self.assertTrue(self.is_logged("ERROR", "There was an error requesting exchange info."))

        async def test_symbol_translation_in_both_directions(self) -> None:
            self.assertEqual(
                self.exchange_trading_pair, await self.exchange.exchange_symbol_associated_to_pair(self.trading_pair)
            )
            self.assertEqual(
                self.trading_pair,
                await self.exchange.trading_pair_associated_to_exchange_symbol(self.exchange_trading_pair),
            )
            with self.assertRaises(KeyError):
                await self.exchange.exchange_symbol_associated_to_pair("UNKNOWN-PAIR")

        async def test_get_last_trade_prices(self) -> None:
            self.register_response("GET", self.latest_prices_url, self.latest_prices_request_mock_response)
            latest_prices = await self.exchange.get_last_traded_prices(trading_pairs=[self.trading_pair])
            self.assertEqual({self.trading_pair: self.expected_latest_price}, latest_prices)

        async def test_check_network_success(self) -> None:
            self.register_response("GET", self.network_status_url, self.network_status_request_successful_mock_response)
            self.assertEqual(NetworkStatus.CONNECTED, await self.exchange.check_network())

        async def test_check_network_failure(self) -> None:
            self.register_response("GET", self.network_status_url, MockResponse(payload={}, status=500))
            self.assertEqual(NetworkStatus.NOT_CONNECTED, await self.exchange.check_network())

        async def test_check_network_raises_cancel_exception(self) -> None:
            self.mock_api.get(url_pattern(self.network_status_url), exception=asyncio.CancelledError())
            with self.assertRaises(asyncio.CancelledError):
                await self.exchange.check_network()

        def expected_initial_status_dict(self) -> dict[str, bool]:
            """Readiness of a fresh connector (the perpetual suite adds ``funding_info``)."""
            return {
                "symbols_mapping_initialized": False,
                "order_books_initialized": False,
                "account_balance": False,
                "trading_rule_initialized": False,
                # Without a user stream there is nothing to wait for; readiness rests on the polled values.
                "user_stream_initialized": not self.exchange.has_user_stream,
            }

        async def test_initial_status_dict(self) -> None:
            self.exchange._set_trading_pair_symbol_map(None)
            self.assertEqual(self.expected_initial_status_dict(), self.exchange.status_dict)
            self.assertFalse(self.exchange.ready)

        async def test_update_trading_rules(self) -> None:
            self.configure_trading_rules_response()
            await self.exchange._update_trading_rules()
            self.assertIn(self.trading_pair, self.exchange.trading_rules)
            trading_rule = self.exchange.trading_rules[self.trading_pair]
            self.assertEqual(repr(self.expected_trading_rule), repr(trading_rule))
            defaults = TradingRule(trading_pair=self.trading_pair)
            self.assertNotEqual(defaults.min_base_amount_increment, trading_rule.min_base_amount_increment)
            self.assertNotEqual(defaults.min_price_increment, trading_rule.min_price_increment)

        async def test_update_trading_rules_ignores_rule_with_error(self) -> None:
            self.configure_trading_rules_response(self.trading_rules_request_erroneous_mock_response)
            await self.exchange._update_trading_rules()
            self.assertEqual(0, len(self.exchange.trading_rules))
            self.assertTrue(
                self.is_logged_that_starts_with("ERROR", self.expected_logged_error_for_erroneous_trading_rule)
            )

        # ============================================================================================================
        # Tests: balances

        async def test_update_balances(self) -> None:
            self.configure_balance_response(self.balance_request_mock_response_for_base_and_quote)
            await self.exchange._update_balances()
            available = self.exchange.available_balances
            total = self.exchange.get_all_balances()
            self.assertEqual(Decimal("10"), available[self.base_asset])
            self.assertEqual(Decimal("2000"), available[self.quote_asset])
            self.assertEqual(Decimal("15"), total[self.base_asset])
            self.assertEqual(Decimal("2000"), total[self.quote_asset])

            self.configure_balance_response(self.balance_request_mock_response_only_base)
            await self.exchange._update_balances()
            available = self.exchange.available_balances
            total = self.exchange.get_all_balances()
            self.assertNotIn(self.quote_asset, available)
            self.assertNotIn(self.quote_asset, total)
            self.assertEqual(Decimal("10"), available[self.base_asset])
            self.assertEqual(Decimal("15"), total[self.base_asset])

        async def test_user_stream_balance_update(self) -> None:
            if not self.exchange.has_user_stream:
                # Nothing pushes balance changes, so the connector must say so (the available balances are then
                # corrected with the in-flight order snapshot) and the poll is what updates them.
                self.assertFalse(
                    self.exchange.real_time_balance_update,
                    "a connector without a user stream must set real_time_balance_update = False",
                )
                self.configure_balance_response(self.balance_request_mock_response_for_base_and_quote)
                await self.exchange._update_all_balances()
            elif not self.exchange.real_time_balance_update:
                if self.balance_event_websocket_update is None:
                    self.skipTest("the connector has no websocket balance events")
                # Balance events exist but the spec turned real-time balances off: the poll is the estimate's base
                # and a pushed balance is ignored.
                self.configure_balance_response(self.balance_request_mock_response_for_base_and_quote)
                await self.exchange._update_all_balances()
                self.exchange._account_balances[self.base_asset] = Decimal(0)
                self.exchange._account_available_balances[self.base_asset] = Decimal(0)
                await self.process_user_stream_events([self.balance_event_websocket_update])
                self.assertEqual(Decimal(0), self.exchange.get_balance(self.base_asset))
                self.assertEqual(Decimal(0), self.exchange.get_available_balance(self.base_asset))
                return
            elif not self.balance_event_reports_available:
                # The event reports the total alone: it moves the total and leaves the polled available amount.
                self.configure_balance_response(self.balance_request_mock_response_for_base_and_quote)
                await self.exchange._update_balances()
                self.exchange._account_balances[self.base_asset] = Decimal(0)
                await self.process_user_stream_events([self.balance_event_websocket_update])
            else:
                await self.process_user_stream_events([self.balance_event_websocket_update])
            self.assertEqual(Decimal("10"), self.exchange.get_available_balance(self.base_asset))
            self.assertEqual(Decimal("15"), self.exchange.get_balance(self.base_asset))

        async def test_available_balance_without_websocket_balance_events_tracks_orders(self) -> None:
            self.exchange.real_time_balance_update = False
            buy_order = self.track_order(1, TradeType.BUY, price=Decimal("10000"), amount=Decimal("0.1"))
            self.configure_balance_response(self.balance_request_mock_response_for_base_and_quote)
            await self.exchange._update_all_balances()
            # The buy order was already open at the poll: the polled value stands.
            self.assertEqual(Decimal("2000"), self.exchange.get_available_balance(self.quote_asset))
            self.assertEqual(Decimal("10"), self.exchange.get_available_balance(self.base_asset))

            self.track_order(2, TradeType.SELL, price=Decimal("11000"), amount=Decimal("2"))
            self.assertEqual(Decimal("8"), self.exchange.get_available_balance(self.base_asset))

            self.exchange._order_tracker.process_order_update(
                OrderUpdate(
                    trading_pair=self.trading_pair,
                    update_timestamp=self.start_timestamp,
                    new_state=OrderState.CANCELED,
                    client_order_id=buy_order.client_order_id,
                )
            )
            await self.run_pending()
            self.assertEqual(Decimal("3000"), self.exchange.get_available_balance(self.quote_asset))

        async def test_available_balance_without_websocket_balance_events_accounts_for_fills(self) -> None:
            self.exchange.real_time_balance_update = False
            order = self.track_order(1, TradeType.BUY, price=Decimal("100"), amount=Decimal("1"))
            self.configure_balance_response(self.balance_request_mock_response_for_base_and_quote)
            await self.exchange._update_all_balances()
            self.exchange._order_tracker.process_trade_update(
                TradeUpdate(
                    trade_id="fill-1",
                    client_order_id=order.client_order_id,
                    exchange_order_id=order.exchange_order_id,
                    trading_pair=self.trading_pair,
                    fill_timestamp=self.start_timestamp,
                    fill_price=Decimal("100"),
                    fill_base_amount=Decimal("0.4"),
                    fill_quote_amount=Decimal("40"),
                    fee=AddedToCostTradeFee(),
                )
            )
            # The quote spent was locked already, so available quote does not move; the base received is usable.
            self.assertEqual(Decimal("2000"), self.exchange.get_available_balance(self.quote_asset))
            self.assertEqual(Decimal("10.4"), self.exchange.get_available_balance(self.base_asset))

            # A new poll replaces the correction by the exchange's own numbers.
            self.configure_balance_response(self.balance_request_mock_response_for_base_and_quote)
            await self.exchange._update_all_balances()
            self.assertEqual(Decimal("10"), self.exchange.get_available_balance(self.base_asset))

        # ============================================================================================================
        # Tests: order creation

        async def _assert_created(self, order_id: str, trade_type: TradeType, url: UrlLike) -> None:
            order_request = self.executed_requests(url, self.order_creation_method)[0]
            self.validate_auth_credentials_present(order_request)
            self.assertIn(order_id, self.exchange.in_flight_orders)
            order = self.exchange.in_flight_orders[order_id]
            self.validate_order_creation_request(order, order_request)
            created_logger = (
                self.buy_order_created_logger if trade_type == TradeType.BUY else self.sell_order_created_logger
            )
            self.assertEqual(1, len(created_logger.event_log))
            event = created_logger.event_log[0]
            self.assertEqual(self.exchange.current_timestamp, event.timestamp)
            self.assertEqual(self.trading_pair, event.trading_pair)
            self.assertEqual(OrderType.LIMIT, event.type)
            self.assertEqual(Decimal("100"), event.amount)
            self.assertEqual(Decimal("10000"), event.price)
            self.assertEqual(order_id, event.order_id)
            self.assertEqual(self.expected_exchange_order_id, event.exchange_order_id)
            self.assertEqual(order.leverage, event.leverage)
            self.assertEqual(order.position.value, event.position)
            self.assertTrue(
                self.is_logged(
                    "INFO",
                    self.order_created_log_line(
                        OrderType.LIMIT, trade_type, order_id, Decimal("100.000000"), Decimal("10000.0000"), order
                    ),
                )
            )

        async def test_create_buy_limit_order_successfully(self) -> None:
            self.simulate_trading_rules_initialized()
            url = self.register_response(
                self.order_creation_method,
                self.order_creation_url,
                self.order_creation_request_successful_mock_response,
            )
            order_id = self.place_buy_order()
            await self.run_pending()
            await self._assert_created(order_id, TradeType.BUY, url)

        async def test_create_sell_limit_order_successfully(self) -> None:
            self.simulate_trading_rules_initialized()
            url = self.register_response(
                self.order_creation_method,
                self.order_creation_url,
                self.order_creation_request_successful_mock_response,
            )
            order_id = self.place_sell_order()
            await self.run_pending()
            await self._assert_created(order_id, TradeType.SELL, url)

        async def test_create_order_fails_and_raises_failure_event(self) -> None:
            self.simulate_trading_rules_initialized()
            url = self.register_response(
                self.order_creation_method, self.order_creation_url, self.order_creation_request_erroneous_mock_response
            )
            order_id = self.place_buy_order()
            await self.run_pending()
            self.assertEqual(1, len(self.executed_requests(url, self.order_creation_method)))
            self.assertNotIn(order_id, self.exchange.in_flight_orders)
            self.assertEqual(0, len(self.buy_order_created_logger.event_log))
            failure_event = self.order_failure_logger.event_log[0]
            self.assertEqual(self.exchange.current_timestamp, failure_event.timestamp)
            self.assertEqual(OrderType.LIMIT, failure_event.order_type)
            self.assertEqual(order_id, failure_event.order_id)
            self.assertTrue(
                self.is_logged(
                    "NETWORK",
                    f"Error submitting buy LIMIT order to {self.exchange.name_cap} for {Decimal('100.000000')} "
                    f"{self.trading_pair} {Decimal('10000.0000')}.",
                )
            )

        async def _assert_rejected_before_sending(self, order_id: str, expected_in_message: str) -> None:
            self.assertNotIn(order_id, self.exchange.in_flight_orders)
            self.assertEqual(0, len(self.buy_order_created_logger.event_log))
            self.assertEqual(1, len(self.order_failure_logger.event_log))
            failure_event = self.order_failure_logger.event_log[0]
            self.assertEqual(self.exchange.current_timestamp, failure_event.timestamp)
            self.assertEqual(order_id, failure_event.order_id)
            self.assertEqual("ValueError", failure_event.error_type)
            self.assertIn(expected_in_message, failure_event.error_message)
            expected_update = OrderUpdate(
                trading_pair=self.trading_pair,
                update_timestamp=self.exchange.current_timestamp,
                new_state=OrderState.FAILED,
                client_order_id=order_id,
                exchange_order_id=None,
                misc_updates={"error_message": failure_event.error_message, "error_type": "ValueError"},
            )
            self.assertTrue(self.is_logged("INFO", f"Order {order_id} has failed. Order Update: {expected_update}"))
            self.assertEqual([], self.executed_requests(self.order_creation_url))

        async def test_create_order_fails_when_trading_rule_error_and_raises_failure_event(self) -> None:
            self.simulate_trading_rules_initialized()
            order_id = self.place_buy_order(amount=Decimal("0.0001"), price=Decimal("0.0001"))
            await self.run_pending()
            await self._assert_rejected_before_sending(order_id, "minimum order size")
            self.assertEqual(OrderType.LIMIT, self.order_failure_logger.event_log[0].order_type)

        async def test_create_order_below_min_notional_fails(self) -> None:
            self.simulate_trading_rules_initialized()
            order_id = self.place_buy_order(amount=Decimal("0.02"), price=Decimal("1"))
            await self.run_pending()
            await self._assert_rejected_before_sending(order_id, "minimum notional size")

        async def test_create_order_with_unsupported_order_type_fails(self) -> None:
            self.simulate_trading_rules_initialized()
            unsupported = next(t for t in OrderType if t not in self.exchange.supported_order_types())
            order_id = self.place_buy_order(order_type=unsupported)
            await self.run_pending()
            await self._assert_rejected_before_sending(order_id, unsupported.name)

        async def test_create_order_quantizes_price_and_amount(self) -> None:
            self.simulate_trading_rules_initialized()
            url = self.register_response(
                self.order_creation_method,
                self.order_creation_url,
                self.order_creation_request_successful_mock_response,
            )
            order_id = self.place_buy_order(amount=Decimal("100.0000009"), price=Decimal("10000.00009"))
            await self.run_pending()
            self.assertEqual(1, len(self.executed_requests(url, self.order_creation_method)))
            order = self.exchange.in_flight_orders[order_id]
            self.assertEqual(Decimal("100"), order.amount)
            self.assertEqual(Decimal("10000"), order.price)
            event = self.buy_order_created_logger.event_log[0]
            self.assertEqual(Decimal("100"), event.amount)
            self.assertEqual(Decimal("10000"), event.price)

        # ============================================================================================================
        # Tests: cancellation

        async def test_cancel_order_successfully(self) -> None:
            order = self.track_order(1, amount=Decimal("100"))
            url = self.configure_successful_cancelation_response(order)
            self.exchange.cancel(trading_pair=self.trading_pair, client_order_id=order.client_order_id)
            await self.run_pending()
            cancel_request = self.executed_requests(url, self.order_cancelation_method)[0]
            self.validate_auth_credentials_present(cancel_request)
            self.validate_order_cancelation_request(order, cancel_request)
            if self.exchange.is_cancel_request_in_exchange_synchronous:
                self.assertNotIn(order.client_order_id, self.exchange.in_flight_orders)
                self.assertTrue(order.is_cancelled)
                cancel_event = self.order_cancelled_logger.event_log[0]
                self.assertEqual(self.exchange.current_timestamp, cancel_event.timestamp)
                self.assertEqual(order.client_order_id, cancel_event.order_id)
                self.assertTrue(self.is_logged("INFO", f"Successfully canceled order {order.client_order_id}."))
            else:
                self.assertIn(order.client_order_id, self.exchange.in_flight_orders)
                self.assertTrue(order.is_pending_cancel_confirmation)

        async def test_cancel_order_raises_failure_event_when_request_fails(self) -> None:
            order = self.track_order(1, amount=Decimal("100"))
            url = self.configure_erroneous_cancelation_response(order)
            self.exchange.cancel(trading_pair=self.trading_pair, client_order_id=order.client_order_id)
            await self.run_pending()
            self.assertEqual(1, len(self.executed_requests(url, self.order_cancelation_method)))
            self.assertEqual(0, len(self.order_cancelled_logger.event_log))
            self.assertIn(order.client_order_id, self.exchange.in_flight_orders)
            self.assertTrue(
                self.is_logged_at_any_level_starting_with(f"Failed to cancel order {order.client_order_id}")
            )

        async def test_cancel_order_not_found_in_the_exchange(self) -> None:
            order = self.track_order(1, amount=Decimal("100"))
            self.configure_order_not_found_error_cancelation_response(order)
            self.exchange.cancel(trading_pair=self.trading_pair, client_order_id=order.client_order_id)
            await self.run_pending()
            self.assertFalse(order.is_done)
            self.assertFalse(order.is_failure)
            self.assertFalse(order.is_cancelled)
            self.assertIn(order.client_order_id, self.exchange._order_tracker.all_updatable_orders)
            self.assertEqual(1, self.exchange._order_tracker._order_not_found_records[order.client_order_id])

        async def test_cancel_two_orders_with_cancel_all_and_one_fails(self) -> None:
            first = self.track_order(1, TradeType.BUY, price=Decimal("10000"), amount=Decimal("1"))
            second = self.track_order(2, TradeType.SELL, price=Decimal("11000"), amount=Decimal("90"))
            self.configure_one_successful_one_erroneous_cancel_all_response(first, second)
            results = await self.exchange.cancel_all(10)
            await self.run_pending()
            self.assertEqual(
                [CancellationResult(first.client_order_id, True), CancellationResult(second.client_order_id, False)],
                results,
            )

        async def test_cancel_untracked_order_sends_nothing(self) -> None:
            self.exchange.cancel(trading_pair=self.trading_pair, client_order_id="never-placed")
            await self.run_pending()
            self.assertEqual({}, dict(self.mock_api.requests))
            self.assertEqual(0, len(self.order_cancelled_logger.event_log))

        # ============================================================================================================
        # Tests: order status and fills over REST

        async def test_update_order_status_when_filled(self) -> None:
            price = Decimal("10000")
            order = self.track_order(1, price=price)
            status_url = self.configure_completely_filled_order_status_response(order)
            if self.is_order_fill_http_update_included_in_status_update:
                trades_url = self.configure_full_fill_trade_response(order)
            else:
                order.completely_filled_event.set()
            await self.exchange._update_order_status()
            await self.run_pending()

            status_request = self.executed_requests(status_url, self.order_status_method)[0]
            self.validate_auth_credentials_present(status_request)
            self.validate_order_status_request(order, status_request)
            self.assertTrue(order.is_done)
            if self.is_order_fill_http_update_included_in_status_update:
                self.assertTrue(order.is_filled)
                trades_request = self.executed_requests(trades_url, self.trades_method)[0]
                self.validate_auth_credentials_present(trades_request)
                self.validate_trades_request(order, trades_request)
                fill_event = self.order_filled_logger.event_log[0]
                self.assertEqual(self.exchange.current_timestamp, fill_event.timestamp)
                self.assertEqual(order.client_order_id, fill_event.order_id)
                self.assertEqual(order.trading_pair, fill_event.trading_pair)
                self.assertEqual(order.trade_type, fill_event.trade_type)
                self.assertEqual(order.order_type, fill_event.order_type)
                self.assertEqual(order.price, fill_event.price)
                self.assertEqual(order.amount, fill_event.amount)
                self.assertEqual(self.expected_fill_fee, fill_event.trade_fee)
                self.assertEqual(self.expected_fill_trade_id, fill_event.exchange_trade_id)

            completed = self.buy_order_completed_logger.event_log[0]
            self.assertEqual(self.exchange.current_timestamp, completed.timestamp)
            self.assertEqual(order.client_order_id, completed.order_id)
            self.assertEqual(order.base_asset, completed.base_asset)
            self.assertEqual(order.quote_asset, completed.quote_asset)
            if self.is_order_fill_http_update_included_in_status_update:
                self.assertEqual(order.amount, completed.base_asset_amount)
                self.assertEqual(order.amount * price, completed.quote_asset_amount)
            self.assertEqual(order.order_type, completed.order_type)
            self.assertEqual(order.exchange_order_id, completed.exchange_order_id)
            self.assertNotIn(order.client_order_id, self.exchange.in_flight_orders)
            self.assertTrue(self.is_logged("INFO", f"BUY order {order.client_order_id} completely filled."))

        async def test_update_order_status_when_canceled(self) -> None:
            order = self.track_order(1)
            url = self.configure_canceled_order_status_response(order)
            await self.exchange._update_order_status()
            await self.run_pending()
            status_request = self.executed_requests(url, self.order_status_method)[0]
            self.validate_auth_credentials_present(status_request)
            self.validate_order_status_request(order, status_request)
            cancel_event = self.order_cancelled_logger.event_log[0]
            self.assertEqual(self.exchange.current_timestamp, cancel_event.timestamp)
            self.assertEqual(order.client_order_id, cancel_event.order_id)
            self.assertEqual(order.exchange_order_id, cancel_event.exchange_order_id)
            self.assertNotIn(order.client_order_id, self.exchange.in_flight_orders)
            self.assertTrue(self.is_logged("INFO", f"Successfully canceled order {order.client_order_id}."))

        async def test_update_order_status_when_order_has_not_changed(self) -> None:
            order = self.track_order(1)
            self.exchange._order_tracker.process_order_update(
                OrderUpdate(
                    trading_pair=self.trading_pair,
                    update_timestamp=self.start_timestamp,
                    new_state=OrderState.OPEN,
                    client_order_id=order.client_order_id,
                    exchange_order_id=order.exchange_order_id,
                )
            )
            await self.run_pending()
            url = self.configure_open_order_status_response(order)
            await self.exchange._update_order_status()
            await self.run_pending()
            self.assertEqual(1, len(self.executed_requests(url, self.order_status_method)))
            self.assertTrue(order.is_open)
            self.assertFalse(order.is_filled)
            self.assertFalse(order.is_done)
            self.assertIn(order.client_order_id, self.exchange.in_flight_orders)

        async def test_update_order_status_when_order_has_not_changed_and_one_partial_fill(self) -> None:
            order = self.track_order(1)
            self.configure_partially_filled_order_status_response(order)
            if self.is_order_fill_http_update_included_in_status_update:
                trades_url = self.configure_partial_fill_trade_response(order)
            await self.exchange._update_order_status()
            await self.run_pending()
            self.assertTrue(order.is_open)
            self.assertEqual(OrderState.PARTIALLY_FILLED, order.current_state)
            if self.is_order_fill_http_update_included_in_status_update:
                trades_request = self.executed_requests(trades_url, self.trades_method)[0]
                self.validate_trades_request(order, trades_request)
                fill_event = self.order_filled_logger.event_log[0]
                self.assertEqual(self.exchange.current_timestamp, fill_event.timestamp)
                self.assertEqual(order.client_order_id, fill_event.order_id)
                self.assertEqual(self.expected_partial_fill_price, fill_event.price)
                self.assertEqual(self.expected_partial_fill_amount, fill_event.amount)
                self.assertEqual(self.expected_fill_fee, fill_event.trade_fee)

        async def test_update_order_status_does_not_duplicate_fills(self) -> None:
            if not self.is_order_fill_http_update_included_in_status_update:
                self.skipTest("fills are not fetched over REST")
            order = self.track_order(1)
            for _ in range(2):
                self.configure_partially_filled_order_status_response(order)
                self.configure_partial_fill_trade_response(order)
                await self.exchange._update_order_status()
                await self.run_pending()
            self.assertEqual(1, len(self.order_filled_logger.event_log))
            self.assertEqual(self.expected_partial_fill_amount, order.executed_amount_base)

        async def test_update_order_status_when_failed(self) -> None:
            response = self.order_status_request_failed_mock_response(self.track_order(1))
            if response is None:
                self.skipTest("the exchange reports no failed order state")
            order = self.exchange.in_flight_orders[f"{self.client_order_id_prefix}1"]
            self._configure_status(order, response, None)
            await self.exchange._update_order_status()
            await self.run_pending()
            self.assertTrue(order.is_failure)
            self.assertNotIn(order.client_order_id, self.exchange.in_flight_orders)
            failure_event = self.order_failure_logger.event_log[0]
            self.assertEqual(self.exchange.current_timestamp, failure_event.timestamp)
            self.assertEqual(order.client_order_id, failure_event.order_id)
            self.assertTrue(self.is_logged_that_starts_with("INFO", f"Order {order.client_order_id} has failed."))

        async def test_update_order_status_when_order_not_found_counts_toward_lost(self) -> None:
            order = self.track_order(1)
            url = self.configure_order_not_found_error_order_status_response(order)
            await self.exchange._update_order_status()
            await self.run_pending()
            self.assertEqual(1, len(self.executed_requests(url, self.order_status_method)))
            self.assertTrue(order.is_open)
            self.assertFalse(order.is_failure)
            self.assertEqual(1, self.exchange._order_tracker._order_not_found_records[order.client_order_id])

        async def test_update_order_status_when_request_fails_does_not_count_as_not_found(self) -> None:
            order = self.track_order(1)
            url = self.configure_http_error_order_status_response(order)
            await self.exchange._update_order_status()
            await self.run_pending()
            self.assertEqual(1, len(self.executed_requests(url, self.order_status_method)))
            self.assertTrue(order.is_open)
            self.assertNotIn(order.client_order_id, self.exchange._order_tracker._order_not_found_records)
            self.assertTrue(
                self.is_logged_that_starts_with(
                    "NETWORK", f"Error fetching status update for the order {order.client_order_id}"
                )
            )

        async def test_order_declared_lost_after_repeated_not_found(self) -> None:
            order = self.track_order(1)
            limit = self.exchange._order_tracker._lost_order_count_limit
            for _ in range(limit + 1):
                self.configure_order_not_found_error_order_status_response(order)
                await self.exchange._update_order_status()
                await self.run_pending()
            self.assertNotIn(order.client_order_id, self.exchange.in_flight_orders)
            self.assertIn(order.client_order_id, self.exchange._order_tracker.lost_orders)
            self.assertTrue(order.is_failure)
            self.assertEqual(order.client_order_id, self.order_failure_logger.event_log[0].order_id)

        async def test_update_order_status_when_filled_correctly_processed_even_when_trade_fill_update_fails(
            self,
        ) -> None:
            order = self.track_order(1)
            self.configure_completely_filled_order_status_response(order)
            if self.is_order_fill_http_update_included_in_status_update:
                self.configure_erroneous_http_fill_trade_response(order)
            # Without fills the tracker would wait for them; let the final status through at once.
            order.completely_filled_event.set()
            await self.exchange._update_order_status()
            await self.run_pending()
            self.assertTrue(order.is_done)
            self.assertEqual(0, len(self.order_filled_logger.event_log))
            completed = self.buy_order_completed_logger.event_log[0]
            self.assertEqual(self.exchange.current_timestamp, completed.timestamp)
            self.assertEqual(order.client_order_id, completed.order_id)
            self.assertEqual(Decimal(0), completed.base_asset_amount)
            self.assertEqual(Decimal(0), completed.quote_asset_amount)
            self.assertNotIn(order.client_order_id, self.exchange.in_flight_orders)
            self.assertTrue(self.is_logged("INFO", f"BUY order {order.client_order_id} completely filled."))

        # ============================================================================================================
        # Tests: user stream

        async def test_user_stream_update_for_new_order(self) -> None:
            order = self.track_order(1)
            if self.exchange.has_user_stream:
                await self.process_user_stream_events([self.order_event_for_new_order_websocket_update(order)])
            else:
                # REST-polling equivalent: the status poll is what reports the accepted order.
                status_url = self.configure_open_order_status_response(order)
                await self.exchange._update_order_status()
                await self.run_pending()
                self.assertEqual(1, len(self.executed_requests(status_url, self.order_status_method)))
            event = self.buy_order_created_logger.event_log[0]
            self.assertEqual(self.exchange.current_timestamp, event.timestamp)
            self.assertEqual(order.order_type, event.type)
            self.assertEqual(order.trading_pair, event.trading_pair)
            self.assertEqual(order.amount, event.amount)
            self.assertEqual(order.price, event.price)
            self.assertEqual(order.client_order_id, event.order_id)
            self.assertEqual(order.exchange_order_id, event.exchange_order_id)
            self.assertTrue(order.is_open)
            self.assertTrue(
                self.is_logged(
                    "INFO",
                    self.order_created_log_line(
                        order.order_type, order.trade_type, order.client_order_id, order.amount, order.price, order
                    ),
                )
            )

        async def test_user_stream_update_for_canceled_order(self) -> None:
            self.skip_without_user_stream("polled: test_update_order_status_when_canceled")
            order = self.track_order(1)
            await self.process_user_stream_events([self.order_event_for_canceled_order_websocket_update(order)])
            cancel_event = self.order_cancelled_logger.event_log[0]
            self.assertEqual(self.exchange.current_timestamp, cancel_event.timestamp)
            self.assertEqual(order.client_order_id, cancel_event.order_id)
            self.assertEqual(order.exchange_order_id, cancel_event.exchange_order_id)
            self.assertNotIn(order.client_order_id, self.exchange.in_flight_orders)
            self.assertTrue(order.is_cancelled)
            self.assertTrue(order.is_done)
            self.assertTrue(self.is_logged("INFO", f"Successfully canceled order {order.client_order_id}."))

        def _assert_full_fill_events(self, order: InFlightOrder) -> None:
            fill_event = self.order_filled_logger.event_log[0]
            self.assertEqual(self.exchange.current_timestamp, fill_event.timestamp)
            self.assertEqual(order.client_order_id, fill_event.order_id)
            self.assertEqual(order.trading_pair, fill_event.trading_pair)
            self.assertEqual(order.trade_type, fill_event.trade_type)
            self.assertEqual(order.order_type, fill_event.order_type)
            self.assertEqual(order.price, fill_event.price)
            self.assertEqual(order.amount, fill_event.amount)
            self.assertEqual(self.expected_user_stream_fill_fee, fill_event.trade_fee)
            self.assertEqual(order.leverage, fill_event.leverage)
            self.assertEqual(order.position.value, fill_event.position)
            is_buy = order.trade_type == TradeType.BUY
            completed_logger = self.buy_order_completed_logger if is_buy else self.sell_order_completed_logger
            completed = completed_logger.event_log[0]
            self.assertEqual(self.exchange.current_timestamp, completed.timestamp)
            self.assertEqual(order.client_order_id, completed.order_id)
            self.assertEqual(order.amount, completed.base_asset_amount)
            self.assertEqual(order.amount * fill_event.price, completed.quote_asset_amount)
            self.assertEqual(order.order_type, completed.order_type)
            self.assertEqual(order.exchange_order_id, completed.exchange_order_id)
            self.assertNotIn(order.client_order_id, self.exchange.in_flight_orders)
            self.assertTrue(order.is_filled)
            self.assertTrue(order.is_done)
            self.assertTrue(
                self.is_logged("INFO", f"{order.trade_type.name} order {order.client_order_id} completely filled.")
            )
            # The fill always comes before completion, whatever order the events arrived in.
            self.assertLess(
                self.event_sequence.index(MarketEvent.OrderFilled),
                self.event_sequence.index(MarketEvent.BuyOrderCompleted if is_buy else MarketEvent.SellOrderCompleted),
            )

        async def test_user_stream_update_for_order_full_fill(self) -> None:
            self.skip_without_user_stream("polled: test_update_order_status_when_filled")
            order = self.track_order(1)
            if self.is_order_fill_http_update_executed_during_websocket_order_event_processing:
                self.configure_full_fill_trade_response(order)
            await self.process_user_stream_events(
                [
                    self.order_event_for_full_fill_websocket_update(order),
                    self.trade_event_for_full_fill_websocket_update(order),
                ]
            )
            self._assert_full_fill_events(order)

        async def test_user_stream_fill_arriving_before_filled_status(self) -> None:
            self.skip_without_user_stream(
                "the status poll always fetches fills before statuses: test_update_order_status_when_filled"
            )
            order = self.track_order(1)
            if self.is_order_fill_http_update_executed_during_websocket_order_event_processing:
                self.configure_full_fill_trade_response(order)
            await self.process_user_stream_events(
                [
                    self.trade_event_for_full_fill_websocket_update(order),
                    self.order_event_for_full_fill_websocket_update(order),
                ]
            )
            self._assert_full_fill_events(order)

        async def test_user_stream_duplicate_fill_is_ignored(self) -> None:
            self.skip_without_user_stream("polled: test_update_order_status_does_not_duplicate_fills")
            order = self.track_order(1)
            trade_event = self.trade_event_for_full_fill_websocket_update(order)
            if trade_event is None:
                self.skipTest("fills travel inside order events")
            await self.process_user_stream_events([trade_event, trade_event])
            self.assertEqual(1, len(self.order_filled_logger.event_log))
            self.assertEqual(order.amount, order.executed_amount_base)

        async def test_user_stream_raises_cancel_exception(self) -> None:
            self.skip_without_user_stream("no listener is started, so there is nothing to cancel")
            listener = asyncio.create_task(self.exchange._user_stream_event_listener())
            for _ in range(3):
                await asyncio.sleep(0)
            self.assertFalse(listener.done())
            listener.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await listener

        async def test_user_stream_logs_errors(self) -> None:
            self.skip_without_user_stream(
                "no listener; a failed poll is logged and survived: "
                "test_update_order_status_when_request_fails_does_not_count_as_not_found"
            )
            order = self.track_order(1)
            await self.process_user_stream_events(
                [self.malformed_user_stream_event, self.order_event_for_canceled_order_websocket_update(order)]
            )
            self.assertTrue(self.is_logged("ERROR", "Unexpected error in user stream listener loop."))
            # The listener survives a bad event and processes the next one.
            self.assertTrue(order.is_cancelled)

        # ============================================================================================================
        # Tests: lost orders

        async def test_lost_order_included_in_order_fills_update_and_not_in_order_status_update(self) -> None:
            order = self.track_order(1)
            await self.make_order_lost(order)
            status_url = self.configure_completely_filled_order_status_response(order)
            if self.is_order_fill_http_update_included_in_status_update:
                self.configure_full_fill_trade_response(order)
            else:
                order.completely_filled_event.set()
            await self.exchange._update_order_status()
            await self.run_pending()
            self.assertTrue(order.is_done)
            self.assertTrue(order.is_failure)
            if self.is_order_fill_http_update_included_in_status_update:
                fill_event = self.order_filled_logger.event_log[0]
                self.assertEqual(self.exchange.current_timestamp, fill_event.timestamp)
                self.assertEqual(order.client_order_id, fill_event.order_id)
                self.assertEqual(order.price, fill_event.price)
                self.assertEqual(order.amount, fill_event.amount)
                self.assertEqual(self.expected_fill_fee, fill_event.trade_fee)
            self.assertEqual([], self.executed_requests(status_url, self.order_status_method))
            self.assertEqual(0, len(self.buy_order_completed_logger.event_log))
            self.assertIn(order.client_order_id, self.exchange._order_tracker.lost_orders)

            await self.exchange._update_lost_orders_status()
            await self.run_pending()
            self.assertEqual(1, len(self.executed_requests(status_url, self.order_status_method)))
            self.assertTrue(order.is_done)
            self.assertTrue(order.is_failure)
            self.assertEqual(0, len(self.buy_order_completed_logger.event_log))
            self.assertNotIn(order.client_order_id, self.exchange._order_tracker.lost_orders)

        async def test_cancel_lost_order_successfully(self) -> None:
            order = self.track_order(1)
            await self.make_order_lost(order)
            url = self.configure_successful_cancelation_response(order)
            await self.exchange._cancel_lost_orders()
            await self.run_pending()
            cancel_request = self.executed_requests(url, self.order_cancelation_method)[0]
            self.validate_auth_credentials_present(cancel_request)
            self.validate_order_cancelation_request(order, cancel_request)
            if self.exchange.is_cancel_request_in_exchange_synchronous:
                self.assertNotIn(order.client_order_id, self.exchange._order_tracker.lost_orders)
            else:
                self.assertIn(order.client_order_id, self.exchange._order_tracker.lost_orders)
            self.assertFalse(order.is_cancelled)
            self.assertTrue(order.is_failure)
            self.assertEqual(0, len(self.order_cancelled_logger.event_log))

        async def test_cancel_lost_order_raises_failure_event_when_request_fails(self) -> None:
            order = self.track_order(1)
            await self.make_order_lost(order)
            url = self.configure_erroneous_cancelation_response(order)
            await self.exchange._cancel_lost_orders()
            await self.run_pending()
            self.assertEqual(1, len(self.executed_requests(url, self.order_cancelation_method)))
            self.assertIn(order.client_order_id, self.exchange._order_tracker.lost_orders)
            self.assertEqual(0, len(self.order_cancelled_logger.event_log))
            self.assertTrue(
                self.is_logged_at_any_level_starting_with(f"Failed to cancel order {order.client_order_id}")
            )

        async def test_lost_order_removed_if_not_found_during_order_status_update(self) -> None:
            order = self.track_order(1)
            await self.make_order_lost(order)
            self.configure_order_not_found_error_order_status_response(order)
            if self.is_order_fill_http_update_included_in_status_update:
                self.configure_erroneous_http_fill_trade_response(order)
            await self.exchange._update_lost_orders_status()
            await self.run_pending()
            self.assertTrue(order.is_done)
            self.assertTrue(order.is_failure)
            self.assertEqual(0, len(self.buy_order_completed_logger.event_log))
            self.assertNotIn(order.client_order_id, self.exchange._order_tracker.lost_orders)

        async def test_lost_order_removed_after_cancel_status_user_event_received(self) -> None:
            order = self.track_order(1)
            await self.make_order_lost(order)
            if self.exchange.has_user_stream:
                await self.process_user_stream_events([self.order_event_for_canceled_order_websocket_update(order)])
            else:
                # REST-polling equivalent: the lost-order status poll reports the cancellation.
                status_url = self.configure_canceled_order_status_response(order)
                await self.exchange._update_lost_orders_status()
                await self.run_pending()
                self.assertEqual(1, len(self.executed_requests(status_url, self.order_status_method)))
            self.assertNotIn(order.client_order_id, self.exchange._order_tracker.lost_orders)
            self.assertEqual(0, len(self.order_cancelled_logger.event_log))
            self.assertFalse(order.is_cancelled)
            self.assertTrue(order.is_failure)

        async def test_lost_order_user_stream_full_fill_events_are_processed(self) -> None:
            self.skip_without_user_stream(
                "polled: test_lost_order_included_in_order_fills_update_and_not_in_order_status_update"
            )
            order = self.track_order(1)
            await self.make_order_lost(order)
            if self.is_order_fill_http_update_executed_during_websocket_order_event_processing:
                self.configure_full_fill_trade_response(order)
            await self.process_user_stream_events(
                [
                    self.trade_event_for_full_fill_websocket_update(order),
                    self.order_event_for_full_fill_websocket_update(order),
                ]
            )
            fill_event = self.order_filled_logger.event_log[0]
            self.assertEqual(self.exchange.current_timestamp, fill_event.timestamp)
            self.assertEqual(order.client_order_id, fill_event.order_id)
            self.assertEqual(order.price, fill_event.price)
            self.assertEqual(order.amount, fill_event.amount)
            self.assertEqual(self.expected_user_stream_fill_fee, fill_event.trade_fee)
            self.assertEqual(0, len(self.buy_order_completed_logger.event_log))
            self.assertNotIn(order.client_order_id, self.exchange._order_tracker.lost_orders)
            self.assertTrue(order.is_filled)
            self.assertTrue(order.is_failure)

        # ============================================================================================================
        # Tests: time synchronisation

        def _time_synchronizer_error(self) -> MockResponse:
            response = self.time_synchronizer_error_mock_response
            if response is None:
                self.skipTest("the exchange has no clock error: its signatures do not depend on its clock")
            return response

        async def test_time_synchronizer_error_triggers_resync_and_one_retry(self) -> None:
            error = self._time_synchronizer_error()
            time_url = self.configure_server_time_response()
            self.configure_balance_response(error)
            balance_url = self.configure_balance_response(self.balance_request_mock_response_for_base_and_quote)
            await self.exchange._update_balances()
            self.assertEqual(2, len(self.executed_requests(balance_url, self.balance_method)))
            self.assertGreaterEqual(len(self.executed_requests(time_url, "GET")), 1)
            self.assertEqual(Decimal("15"), self.exchange.get_balance(self.base_asset))

        async def test_time_synchronizer_error_twice_raises_after_one_retry(self) -> None:
            error = self._time_synchronizer_error()
            self.exchange._time_synchronizer.add_time_offset_ms_sample(0)
            time_url = self.configure_server_time_response()
            self.configure_balance_response(error)
            self.configure_balance_response(error)
            balance_url = self.configure_balance_response(self.balance_request_mock_response_for_base_and_quote)
            with self.assertRaises(OSError):
                await self.exchange._update_balances()
            self.assertEqual(2, len(self.executed_requests(balance_url, self.balance_method)))
            # One sample, for the retry; none after the second refusal (its result would go unused): the estimate
            # is reset, and the next signed request samples before it is signed.
            self.assertEqual(1, len(self.executed_requests(time_url, "GET")))
            self.assertEqual((), self.exchange._time_synchronizer.samples)

        async def test_rate_limited_request_is_retried_once_after_a_pause(self) -> None:
            response = self.rate_limited_mock_response
            if response is None:
                self.skipTest("the exchange documents no rate-limit reply")
            sleeps: list[float] = []

            async def recorded_sleep(delay: float) -> None:
                sleeps.append(delay)

            self.exchange._sleep = recorded_sleep  # type: ignore[method-assign]  # the test replaces the waits
            self.configure_server_time_response()
            self.configure_balance_response(response)
            balance_url = self.configure_balance_response(self.balance_request_mock_response_for_base_and_quote)
            await self.exchange._update_balances()
            self.assertEqual(2, len(self.executed_requests(balance_url, self.balance_method)))
            self.assertEqual([self.exchange.RATE_LIMITED_RETRY_DELAY], sleeps)
            self.assertTrue(self.is_logged_that_starts_with("WARNING", f"{self.exchange.name} rate limited a request"))
            self.assertEqual(Decimal("15"), self.exchange.get_balance(self.base_asset))

        async def test_other_request_errors_are_not_retried(self) -> None:
            time_url = self.configure_server_time_response()
            self.configure_balance_response(MockResponse(payload={"error": "internal"}, status=500))
            balance_url = self.configure_balance_response(self.balance_request_mock_response_for_base_and_quote)
            with self.assertRaises(OSError):
                await self.exchange._update_balances()
            self.assertEqual(1, len(self.executed_requests(balance_url, self.balance_method)))
            self.assertEqual([], self.executed_requests(time_url, "GET"))

"""What a concrete test of the shared spot suite supplies: fixtures, URLs, canned responses, expected values,
behaviour flags, the factory of the connector, the fields each request must carry and the user-stream payloads
(``docs/shared-suite.md`` lists them); and the mocking vocabulary they are written in (:class:`MockResponse`,
:data:`UrlLike`, :func:`request_fields`)."""

from __future__ import annotations

import json
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from unittest import IsolatedAsyncioTestCase
from urllib.parse import parse_qsl

from aioresponses.core import RequestCall

from hbrt.connector.exchange_py_base import ExchangePyBase
from hbrt.data_type.common import OrderType
from hbrt.data_type.in_flight_order import InFlightOrder
from hbrt.data_type.trade_fee import TradeFeeBase
from hbrt.data_type.trading_rule import TradingRule

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


class ExchangeSuiteMembers:
    """Holder class, so test discovery does not collect the abstract case: :class:`ExchangeSuiteMembers.Members`."""

    class Members(IsolatedAsyncioTestCase, ABC):
        """The data members of the shared spot suite (see the module docstring)."""

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

        def open_orders_url(self) -> UrlLike | None:
            """URL of the open-orders request (the spec's ``open_orders``), or None when the connector lists none."""
            return None

        # HTTP verbs of the order endpoints (defaults are the common ones).
        order_creation_method: str = "POST"
        order_cancelation_method: str = "DELETE"
        order_status_method: str = "GET"
        open_orders_method: str = "GET"
        trades_method: str = "GET"
        balance_method: str = "GET"
        # HTTP verbs of the market endpoints (a spec may declare any verb for them).
        all_symbols_method: str = "GET"
        trading_rules_method: str = "GET"
        latest_prices_method: str = "GET"
        network_status_method: str = "GET"
        server_time_method: str = "GET"

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

        def open_orders_request_mock_response(self, listed: Sequence[tuple[InFlightOrder, str]]) -> Any:
            """Open-orders answer listing each ``(order, state)`` of ``listed`` (state: an ``OrderState`` name);
            needed only when :meth:`open_orders_url` is not None."""
            raise NotImplementedError("the connector lists no open orders")

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

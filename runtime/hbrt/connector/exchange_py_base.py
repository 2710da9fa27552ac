"""``ExchangePyBase``: the template every spot exchange connector inherits.

A concrete connector supplies about thirty small members (see the abstract members below and
``docs/shared-suite.md``): where the endpoints are, how to parse their answers, how to place and cancel an order,
how to recognise three kinds of error. This class supplies the rest: the network lifecycle and its background
loops, balances, order placement and cancellation flows with quantisation and validation, REST fallbacks for order
status and fills, lost-order recovery, the trading-pair symbol map, and the ``_api_*`` request helpers.

Construction pattern (differs from Hummingbot on purpose)
--------------------------------------------------------
Hummingbot's constructor reads ``rate_limits_rules``, ``authenticator``, ``trading_pairs`` and ``domain`` and calls
the ``_create_*`` factories at once, so a subclass must assign its own fields *before* ``super().__init__()``. Here
the base constructor reads **no** abstract member: it only stores its own state. Every collaborator (throttler, auth,
web assistants factory, data sources, trackers, order tracker) is a :func:`functools.cached_property` built on first
use. A subclass may therefore call ``super().__init__(...)`` first, as ordinary Python code does, and then assign its
fields. Tests (or subclasses) may replace a collaborator by plain assignment, e.g. ``exchange._order_tracker = ...``.

Deliberate differences from Hummingbot are documented where they happen; the main ones:

* during REST status polling only a real "order not found" answer counts toward declaring an order lost; other
  errors (timeouts, HTTP 5xx, auth failures) are logged and do not count;
* the trading-rules payload re-initialises the symbol map only when rules and pairs come from the same endpoint;
* ``_get_last_traded_price`` is abstract (Hummingbot fails only at runtime);
* there is no Clock: :meth:`start` runs the network-check loop and, unless disabled, a one-second self-tick loop;
* a connector whose exchange has no private websocket says so by returning None from
  ``_create_user_stream_data_source`` (see :attr:`ExchangePyBase.has_user_stream`): no user-stream task is started
  and orders, fills and balances come from REST polling alone.
"""

from __future__ import annotations

import asyncio
import copy
import math
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from hbrt.api_throttler.async_throttler import AsyncThrottler
from hbrt.api_throttler.data_types import RateLimit
from hbrt.connector.client_order_tracker import ClientOrderTracker
from hbrt.connector.connector_network_base import ConnectorNetworkBase
from hbrt.connector.utils import get_new_client_order_id
from hbrt.data_type.cancellation_result import CancellationResult
from hbrt.data_type.common import OrderType, PositionAction, TradeType
from hbrt.data_type.in_flight_order import InFlightOrder, OrderState, OrderUpdate, TradeUpdate
from hbrt.data_type.trade_fee import TradeFeeBase
from hbrt.data_type.trading_rule import TradingRule
from hbrt.event.events import MarketEvent, OrderFilledEvent
from hbrt.logger import HummingbotLogger, get_logger
from hbrt.network_base import NetworkStatus
from hbrt.time_synchronizer import ClockSync, TimeSynchronizer
from hbrt.web_assistant.auth import AuthBase
from hbrt.web_assistant.connections.data_types import RESTMethod
from hbrt.web_assistant.web_assistants_factory import WebAssistantsFactory

if TYPE_CHECKING:  # market-data classes are imported where they are built, keeping this module light
    from hbrt.data_type.order_book import OrderBook
    from hbrt.data_type.order_book_tracker import OrderBookTracker
    from hbrt.data_type.order_book_tracker_data_source import OrderBookTrackerDataSource
    from hbrt.data_type.user_stream_tracker import UserStreamTracker
    from hbrt.data_type.user_stream_tracker_data_source import UserStreamTrackerDataSource

s_decimal_0 = Decimal(0)
s_decimal_NaN = Decimal("NaN")


class WebUtilsProtocol(Protocol):
    """What the ``web_utils`` class attribute of a connector must provide (usually the ``<name>_web_utils`` module)."""

    def public_rest_url(self, path_url: str, domain: str = ...) -> str: ...

    def private_rest_url(self, path_url: str, domain: str = ...) -> str: ...

    def get_current_server_time(self, throttler: Any = ..., domain: str = ...) -> Awaitable[float]: ...


class TradingPairSymbolMap(Mapping[str, str]):
    """A read-only two-way map: exchange symbol -> ``BASE-QUOTE`` trading pair, with :attr:`inverse`.

    It stands in for Hummingbot's ``bidict`` (not a dependency here). Duplicate trading pairs are rejected, because
    the inverse lookup would be ambiguous. ``other_names`` are further names of the same pairs that messages may use
    (Kraken's websocket says ``BTC/USD`` where REST says ``XXBTZUSD``): they are read back to the pair, but the
    inverse gives the symbol.
    """

    __slots__ = ("_forward", "_inverse", "_lookup")

    def __init__(
        self,
        symbol_to_pair: Mapping[str, str] | Iterable[tuple[str, str]] = (),
        other_names: Mapping[str, str] | None = None,
    ) -> None:
        items = symbol_to_pair.items() if isinstance(symbol_to_pair, Mapping) else symbol_to_pair
        forward: dict[str, str] = {}
        inverse: dict[str, str] = {}
        for symbol, pair in items:
            if pair in inverse and inverse[pair] != symbol:
                raise ValueError(f"Trading pair {pair} is mapped to two exchange symbols: {inverse[pair]}, {symbol}.")
            forward[symbol] = pair
            inverse[pair] = symbol
        lookup = dict(forward)
        for name, pair in (other_names or {}).items():
            if pair in inverse:
                lookup.setdefault(name, pair)  # a symbol keeps its own pair
        self._forward = forward  # iteration and length: the symbols only
        self._inverse = inverse
        self._lookup = lookup  # reading back: the symbols and the other names

    @property
    def inverse(self) -> Mapping[str, str]:
        """Trading pair -> exchange symbol."""
        return dict(self._inverse)

    def __getitem__(self, symbol: str) -> str:
        return self._lookup[symbol]

    def pair_of(self, symbol: str) -> str | None:
        """The trading pair of ``symbol`` (or of another name of it), ``None`` when unknown (one dict lookup: every
        market message asks)."""
        return self._lookup.get(symbol)

    def __iter__(self) -> Iterator[str]:
        return iter(self._forward)

    def __len__(self) -> int:
        return len(self._forward)

    def __repr__(self) -> str:
        return f"TradingPairSymbolMap({self._forward!r})"


class ExchangePyBase(ConnectorNetworkBase, ABC):
    """Base class of spot exchange connectors (Hummingbot's ``ExchangePyBase``, reimplemented).

    Subclasses must set the class attribute :attr:`web_utils` and implement the abstract members. See the module
    docstring for the construction pattern.
    """

    SHORT_POLL_INTERVAL: ClassVar[float] = 5.0
    LONG_POLL_INTERVAL: ClassVar[float] = 120.0
    #: The shortest interval between two REST order status updates of the status polling loop (Hummingbot's name and
    #: default): a poll sooner than that after the last one updates balances only. Direct calls of
    #: ``_update_order_status`` are never held back. Generated connectors set it from ``polling.order_status_interval``.
    UPDATE_ORDER_STATUS_MIN_INTERVAL: ClassVar[float] = 10.0
    TRADING_RULES_INTERVAL: ClassVar[float] = 30 * 60.0
    TRADING_FEES_INTERVAL: ClassVar[float] = 12 * 60 * 60.0
    TICK_INTERVAL_LIMIT: ClassVar[float] = 60.0
    #: How long to wait after an unexpected error in a polling loop before trying again.
    ERROR_RETRY_INTERVAL: ClassVar[float] = 0.5
    #: Seconds to wait before the one retry of a request the exchange rejected as rate limited.
    RATE_LIMITED_RETRY_DELAY: ClassVar[float] = 1.0
    #: NetworkIterator cadence (Hummingbot's connector defaults, not NetworkBase's 60 s ones).
    NETWORK_CHECK_INTERVAL: ClassVar[float] = 10.0
    NETWORK_CHECK_TIMEOUT: ClassVar[float] = 5.0
    NETWORK_ERROR_WAIT_TIME: ClassVar[float] = 60.0
    #: How many consecutive "order not found" answers an order survives before it is declared lost.
    LOST_ORDER_COUNT_LIMIT: ClassVar[int] = 3

    #: The connector's ``<name>_web_utils`` module (or an object with the same functions); see WebUtilsProtocol.
    #: Declared, not set: a subclass that forgets it fails in ``__init__`` with a clear error.
    web_utils: ClassVar[WebUtilsProtocol]

    def __init__(
        self,
        balance_asset_limit: Mapping[str, Mapping[str, Decimal]] | None = None,
        rate_limits_share_pct: Decimal = Decimal("100"),
    ) -> None:
        """Store the base state only; no abstract member is read here (see the module docstring).

        :param balance_asset_limit: ``{exchange name: {asset: max amount the bot may use}}``, as in Hummingbot.
        :param rate_limits_share_pct: share of the exchange's rate limits this connector may use, in percent.
        """
        super().__init__()
        if getattr(type(self), "web_utils", None) is None:
            raise TypeError(f"{type(self).__name__} must set the class attribute 'web_utils'.")
        self._balance_asset_limit: dict[str, dict[str, Decimal]] = {
            exchange: dict(limits) for exchange, limits in (balance_asset_limit or {}).items()
        }
        self._rate_limits_share_pct: Decimal = Decimal(str(rate_limits_share_pct))

        self._account_balances: dict[str, Decimal] = {}
        #: Per asset, the sequence of the last balance update applied that carried one (_apply_balance_update).
        self._balance_sequences: dict[str, int] = {}
        self._account_available_balances: dict[str, Decimal] = {}
        self._real_time_balance_update: bool = True
        self._in_flight_orders_snapshot: dict[str, InFlightOrder] = {}
        self._in_flight_orders_snapshot_timestamp: float = 0.0
        self._fills_since_snapshot: list[OrderFilledEvent] = []

        self._trading_rules: dict[str, TradingRule] = {}
        self._trading_fees: dict[str, Any] = {}
        self._trading_pair_symbol_map: TradingPairSymbolMap | None = None
        self._mapping_initialization_lock = asyncio.Lock()

        self._current_timestamp: float = math.nan
        self._last_timestamp: float = 0.0
        self._last_poll_timestamp: float = 0.0
        self._last_order_status_poll_timestamp: float = 0.0
        self._poll_notifier = asyncio.Event()

        self._status_polling_task: asyncio.Task[None] | None = None
        self._user_stream_tracker_task: asyncio.Task[None] | None = None
        self._user_stream_event_listener_task: asyncio.Task[None] | None = None
        self._trading_rules_polling_task: asyncio.Task[None] | None = None
        self._trading_fees_polling_task: asyncio.Task[None] | None = None
        self._lost_orders_update_task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------------------------------------------------
    # Logging

    @classmethod
    def logger(cls) -> HummingbotLogger:
        """The logger of the concrete connector class; the base logs through it so tests capture one logger."""
        return get_logger(f"{cls.__module__}.{cls.__qualname__}")

    # ------------------------------------------------------------------------------------------------------------
    # Abstract members (Hummingbot's 29, plus _get_last_traded_price)

    @property
    @abstractmethod
    def name(self) -> str:
        """Connector name, e.g. ``binance`` (or ``binance_us`` for another domain)."""

    @property
    @abstractmethod
    def authenticator(self) -> AuthBase | None:
        """A new auth object for signed requests; read once, on first use of ``_auth``."""

    @property
    @abstractmethod
    def rate_limits_rules(self) -> list[RateLimit]:
        """Every rate limit; each REST path used with the default limit id must have one."""

    @property
    @abstractmethod
    def domain(self) -> str:
        """The domain passed to ``web_utils`` URL builders (e.g. ``com``)."""

    @property
    @abstractmethod
    def client_order_id_max_length(self) -> int | None:
        """Longest client order id the exchange accepts, or None."""

    @property
    @abstractmethod
    def client_order_id_prefix(self) -> str:
        """Prefix of every client order id (broker id)."""

    @property
    @abstractmethod
    def trading_rules_request_path(self) -> str:
        """Public REST path whose answer ``_format_trading_rules`` parses."""

    @property
    @abstractmethod
    def trading_pairs_request_path(self) -> str:
        """Public REST path whose answer ``_initialize_trading_pair_symbols_from_exchange_info`` parses."""

    @property
    @abstractmethod
    def check_network_request_path(self) -> str:
        """Public REST path used as the health check."""

    @property
    @abstractmethod
    def trading_pairs(self) -> list[str]:
        """The pairs the connector trades; one list object shared with the data sources."""

    @property
    @abstractmethod
    def is_cancel_request_in_exchange_synchronous(self) -> bool:
        """True when a positive cancel answer means the order is cancelled (else PENDING_CANCEL)."""

    @property
    @abstractmethod
    def is_trading_required(self) -> bool:
        """False for market-data-only use: no balances, rules or user stream are needed to be ready."""

    @abstractmethod
    def supported_order_types(self) -> list[OrderType]:
        """Order types ``buy``/``sell`` accept."""

    @abstractmethod
    def _is_request_exception_related_to_time_synchronizer(self, request_exception: Exception) -> bool:
        """Whether a request error means the request timestamp was rejected (drives the resync-and-retry)."""

    def _is_request_exception_related_to_rate_limit(self, request_exception: Exception) -> bool:
        """Whether a request error means the exchange rate limited the request (drives the pause-and-retry).

        Not in Hummingbot, where a rate-limited request simply fails; the default says no error is one."""
        return False

    @abstractmethod
    def _is_order_not_found_during_status_update_error(self, status_update_exception: Exception) -> bool:
        """Whether an order-status error means the exchange does not know the order."""

    @abstractmethod
    def _is_order_not_found_during_cancelation_error(self, cancelation_exception: Exception) -> bool:
        """Whether a cancel error means the exchange does not know the order."""

    @abstractmethod
    async def _place_order(
        self,
        order_id: str,
        trading_pair: str,
        amount: Decimal,
        trade_type: TradeType,
        order_type: OrderType,
        price: Decimal,
        **kwargs: Any,
    ) -> tuple[str, float]:
        """Send the order; return ``(exchange order id, update timestamp in seconds)``.

        ``price`` is NaN for an order without a price (a market order), as in Hummingbot.
        """

    @abstractmethod
    async def _place_cancel(self, order_id: str, tracked_order: InFlightOrder) -> bool:
        """Send the cancel; return True when the exchange accepted it."""

    @abstractmethod
    def _get_fee(
        self,
        base_currency: str,
        quote_currency: str,
        order_type: OrderType,
        order_side: TradeType,
        amount: Decimal,
        price: Decimal = s_decimal_NaN,
        is_maker: bool | None = None,
    ) -> TradeFeeBase:
        """Estimated fee of an order."""

    @abstractmethod
    async def _update_trading_fees(self) -> None:
        """Refresh ``_trading_fees`` (often nothing to do)."""

    @abstractmethod
    async def _user_stream_event_listener(self) -> None:
        """Consume :meth:`_iter_user_event_queue` forever, turning events into order/trade/balance updates.

        Never started when the connector has no user stream (:attr:`has_user_stream` is False).
        """

    @abstractmethod
    async def _format_trading_rules(self, exchange_info: Any) -> list[TradingRule]:
        """Parse the trading-rules answer; skip (and log) entries that cannot be parsed."""

    @abstractmethod
    async def _update_balances(self) -> None:
        """Fetch balances and fill ``_account_balances`` / ``_account_available_balances``."""

    @abstractmethod
    async def _all_trade_updates_for_order(self, order: InFlightOrder) -> list[TradeUpdate]:
        """Every fill of ``order`` known to the exchange (REST fallback)."""

    @abstractmethod
    async def _request_order_status(self, tracked_order: InFlightOrder) -> OrderUpdate:
        """The exchange's current view of ``tracked_order`` (REST fallback)."""

    @abstractmethod
    def _create_web_assistants_factory(self) -> WebAssistantsFactory:
        """Build the factory (throttler ``self._throttler``, auth ``self._auth``, pre-processors...)."""

    @abstractmethod
    def _create_order_book_data_source(self) -> OrderBookTrackerDataSource:
        """Build the public market-data source for ``self.trading_pairs``."""

    @abstractmethod
    def _create_user_stream_data_source(self) -> UserStreamTrackerDataSource | None:
        """Build the private user-stream source, or return None when the exchange has no private websocket.

        None makes :attr:`has_user_stream` False: the connector then runs on REST polling alone (see
        :meth:`start_network`); it should also set ``real_time_balance_update = False``, since nothing pushes
        balance changes between polls.
        """

    @abstractmethod
    def _initialize_trading_pair_symbols_from_exchange_info(self, exchange_info: Any) -> None:
        """Parse the pairs answer and call :meth:`_set_trading_pair_symbol_map`."""

    @abstractmethod
    async def _get_last_traded_price(self, trading_pair: str) -> Decimal:
        """Last traded price of one pair (abstract here; Hummingbot raises NotImplementedError at runtime)."""

    # ------------------------------------------------------------------------------------------------------------
    # Lazily built collaborators (see the module docstring)

    @cached_property
    def _time_synchronizer(self) -> TimeSynchronizer:
        return TimeSynchronizer()

    @cached_property
    def _throttler(self) -> AsyncThrottler:
        return AsyncThrottler(
            rate_limits=self.rate_limits_rules, limits_share_percentage=float(self._rate_limits_share_pct)
        )

    @cached_property
    def _clock_sync(self) -> ClockSync:
        """The time synchronizer with this connector's server-time fetch (for signers outside REST, and resets)."""
        return ClockSync(
            self._time_synchronizer,
            lambda: self.web_utils.get_current_server_time(throttler=self._throttler, domain=self.domain),
        )

    @cached_property
    def _auth(self) -> AuthBase | None:
        return self.authenticator

    @cached_property
    def _web_assistants_factory(self) -> WebAssistantsFactory:
        return self._create_web_assistants_factory()

    @cached_property
    def _orderbook_ds(self) -> OrderBookTrackerDataSource:
        return self._create_order_book_data_source()

    @cached_property
    def _order_book_tracker(self) -> OrderBookTracker:
        from hbrt.data_type.order_book_tracker import OrderBookTracker

        return OrderBookTracker(data_source=self._orderbook_ds, trading_pairs=self.trading_pairs, domain=self.domain)

    @cached_property
    def _user_stream_tracker(self) -> UserStreamTracker | None:
        """The user-stream tracker, or None for a connector without a private websocket."""
        return self._create_user_stream_tracker()

    @cached_property
    def _order_tracker(self) -> ClientOrderTracker:
        return self._create_order_tracker()

    def _create_user_stream_tracker(self) -> UserStreamTracker | None:
        from hbrt.data_type.user_stream_tracker import UserStreamTracker

        data_source = self._create_user_stream_data_source()
        if data_source is None:
            return None
        return UserStreamTracker(data_source=data_source)

    @property
    def has_user_stream(self) -> bool:
        """False when the exchange has no private websocket (``_create_user_stream_data_source`` returned None).

        Such a connector starts no user-stream tracker or listener, polls at ``SHORT_POLL_INTERVAL`` (the cadence a
        connector with a silent user stream uses), learns order updates and fills from ``_update_order_status``
        (``_request_order_status`` and ``_all_trade_updates_for_order``) and balances from ``_update_balances``,
        and reports ``user_stream_initialized`` as True in :attr:`status_dict`: there is no stream to wait for.
        """
        return self._user_stream_tracker is not None

    def _create_order_tracker(self) -> ClientOrderTracker:
        return ClientOrderTracker(connector=self, lost_order_count_limit=self.LOST_ORDER_COUNT_LIMIT)

    @property
    def throttler(self) -> AsyncThrottler:
        """The connector's throttler (candle feeds share it to stay within the same budget)."""
        return self._throttler

    @property
    def order_book_tracker(self) -> OrderBookTracker:
        return self._order_book_tracker

    # ------------------------------------------------------------------------------------------------------------
    # Names, time, readiness

    @property
    def display_name(self) -> str:
        return self.name

    @property
    def name_cap(self) -> str:
        return self.name.capitalize()

    @property
    def current_timestamp(self) -> float:
        """Clock time in seconds as last set by :meth:`tick` (NaN before the first tick); events carry it."""
        return self._current_timestamp

    def _set_current_timestamp(self, timestamp: float) -> None:
        self._current_timestamp = timestamp

    async def _sleep(self, delay: float) -> None:
        """Test seam: every wait of the background loops goes through here."""
        await asyncio.sleep(delay)

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

    def trading_pair_symbol_map_ready(self) -> bool:
        return self._trading_pair_symbol_map is not None and len(self._trading_pair_symbol_map) > 0

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

    @property
    def trading_rules(self) -> dict[str, TradingRule]:
        return self._trading_rules

    @property
    def in_flight_orders(self) -> dict[str, InFlightOrder]:
        """Active orders by client id."""
        return self._order_tracker.active_orders

    @property
    def order_books(self) -> dict[str, OrderBook]:
        return self._order_book_tracker.order_books

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
    # Balances

    @property
    def real_time_balance_update(self) -> bool:
        """True when the user stream reports balance changes; False switches on the in-flight snapshot maths."""
        return self._real_time_balance_update

    @real_time_balance_update.setter
    def real_time_balance_update(self, value: bool) -> None:
        self._real_time_balance_update = value

    def get_balance(self, currency: str) -> Decimal:
        """Total balance of ``currency`` (0 when unknown)."""
        return self._account_balances.get(currency, s_decimal_0)

    def get_all_balances(self) -> dict[str, Decimal]:
        return dict(self._account_balances)

    def _apply_balance_update(
        self, asset: str, total: Decimal, available: Decimal | None, sequence: int | None = None
    ) -> bool:
        """Set the total and available balance of ``asset`` from an account event or a polled balance.

        ``available`` None (an event reporting the total alone, as Binance USD-M's account updates do) keeps the
        available amount last polled.

        ``sequence`` is the exchange's position of the update among the account's updates (larger is later: an
        update id or a time in ms, the ``sequence`` field of the spec's balance mapping). An update whose sequence
        is lower than that of the last update applied to ``asset`` is stale and ignored, so shuffled or replayed
        events cannot overwrite a newer balance. An update without a sequence is applied as it comes (it does not
        reset the asset's sequence). Returns whether the update was applied.
        """
        if sequence is not None:
            last = self._balance_sequences.get(asset)
            if last is not None and sequence < last:
                self.logger().debug(
                    f"Ignoring a balance update of {asset} older than the last one applied ({sequence} < {last})."
                )
                return False
            self._balance_sequences[asset] = sequence
        self._account_balances[asset] = total
        if available is not None:
            self._account_available_balances[asset] = available
        return True

    def _apply_balance_event(
        self, asset: str, total: Decimal, available: Decimal | None, sequence: int | None = None
    ) -> bool:
        """A balance pushed on the user stream: applied as :meth:`_apply_balance_update` applies it, unless the
        connector has no real-time balance updates (``real_time_balance_update`` False). Then the event is ignored:
        the available amount is the last poll corrected with the in-flight order snapshot taken at that poll and
        the connector's own fills since (:meth:`get_available_balance`), and a value pushed in between would be
        corrected a second time. Returns whether the event was applied."""
        if not self._real_time_balance_update:
            return False
        return self._apply_balance_update(asset, total, available, sequence)

    @property
    def available_balances(self) -> dict[str, Decimal]:
        return {asset: self.get_available_balance(asset) for asset in self._account_available_balances}

    def get_available_balance(self, currency: str) -> Decimal:
        """Available balance of ``currency``.

        With websocket balance events this is the last value reported. Without them (``real_time_balance_update``
        False) the last polled value is corrected for what happened since that poll: polled available + amount
        locked in the orders of the snapshot taken at the poll - amount locked in the current orders + net fills
        since the snapshot. A configured ``balance_asset_limit`` then caps the result.
        """
        available = self._account_available_balances.get(currency, s_decimal_0)
        if not self._real_time_balance_update:
            snapshot_locked = self._locked_amounts(self._in_flight_orders_snapshot.values())
            current_locked = self._locked_amounts(self.in_flight_orders.values())
            fills = self._net_fill_amounts(self._fills_since_snapshot)
            available = (
                available
                + snapshot_locked.get(currency, s_decimal_0)
                - current_locked.get(currency, s_decimal_0)
                + fills.get(currency, s_decimal_0)
            )
        limit = self._balance_asset_limit.get(self.name, {}).get(currency)
        if limit is not None:
            locked = self._locked_amounts(self.in_flight_orders.values()).get(currency, s_decimal_0)
            available = max(s_decimal_0, min(available, Decimal(limit) - locked))
        return available

    def _locked_amounts(self, orders: Iterable[InFlightOrder]) -> dict[str, Decimal]:
        """Amount per asset that open orders hold: remaining base for sells, remaining base x price for buys."""
        locked: dict[str, Decimal] = defaultdict(lambda: s_decimal_0)
        for order in orders:
            if not order.is_open:
                continue
            remaining = order.amount - order.executed_amount_base
            if remaining <= 0:
                continue
            if order.trade_type == TradeType.BUY:
                price = order.price
                if price is None or price.is_nan() or price <= 0:
                    continue
                locked[order.quote_asset] += remaining * price
            else:
                locked[order.base_asset] += remaining
        return dict(locked)

    def _net_fill_amounts(self, fills: Iterable[OrderFilledEvent]) -> dict[str, Decimal]:
        """Balance change per asset implied by fills (fees ignored; the next poll corrects them)."""
        net: dict[str, Decimal] = defaultdict(lambda: s_decimal_0)
        for fill in fills:
            base, quote = fill.trading_pair.split("-", 1)
            quote_amount = fill.amount * fill.price
            if fill.trade_type == TradeType.BUY:
                net[base] += fill.amount
                net[quote] -= quote_amount
            else:
                net[base] -= fill.amount
                net[quote] += quote_amount
        return dict(net)

    def trigger_event(self, event_tag: Any, message: Any) -> None:
        """Publish an event; fills are also remembered for the no-websocket available-balance correction."""
        if event_tag == MarketEvent.OrderFilled and not self._real_time_balance_update:
            self._fills_since_snapshot.append(message)
        super().trigger_event(event_tag, message)

    async def _update_all_balances(self) -> None:
        """Poll balances; without websocket balance events also snapshot the in-flight orders."""
        await self._update_balances()
        if not self._real_time_balance_update:
            self._in_flight_orders_snapshot = {
                order_id: copy.copy(order) for order_id, order in self.in_flight_orders.items()
            }
            self._in_flight_orders_snapshot_timestamp = self.current_timestamp
            self._fills_since_snapshot = []

    # ------------------------------------------------------------------------------------------------------------
    # Trading pairs and symbols

    async def trading_pair_symbol_map(self) -> TradingPairSymbolMap:
        """Exchange symbol -> trading pair; initialised lazily (once, under a lock); empty if that failed."""
        if not self.trading_pair_symbol_map_ready():
            async with self._mapping_initialization_lock:
                if not self.trading_pair_symbol_map_ready():
                    await self._initialize_trading_pair_symbol_map()
        return self._trading_pair_symbol_map or TradingPairSymbolMap()

    def _set_trading_pair_symbol_map(
        self, trading_pair_and_symbol_map: Mapping[str, str] | None, other_names: Mapping[str, str] | None = None
    ) -> None:
        """Install ``{exchange symbol: trading pair}`` (any mapping; None clears it), and the ``other_names``
        messages may give the same pairs (see :class:`TradingPairSymbolMap`)."""
        if trading_pair_and_symbol_map is None:
            self._trading_pair_symbol_map = None
        else:
            self._trading_pair_symbol_map = TradingPairSymbolMap(trading_pair_and_symbol_map, other_names)

    async def _initialize_trading_pair_symbol_map(self) -> None:
        try:
            exchange_info = await self._make_trading_pairs_request()
            self._initialize_trading_pair_symbols_from_exchange_info(exchange_info=exchange_info)
        except asyncio.CancelledError:
            raise
        except Exception:
            self.logger().exception("There was an error requesting exchange info.")

    async def all_trading_pairs(self) -> list[str]:
        """Every pair the exchange lists (empty when the request fails)."""
        mapping = await self.trading_pair_symbol_map()
        return list(mapping.values())

    async def exchange_symbol_associated_to_pair(self, trading_pair: str) -> str:
        """Exchange symbol of ``trading_pair``; KeyError when unknown."""
        mapping = await self.trading_pair_symbol_map()
        return mapping.inverse[trading_pair]

    async def trading_pair_associated_to_exchange_symbol(self, symbol: str) -> str:
        """Trading pair of an exchange ``symbol``; KeyError when unknown."""
        mapping = self._trading_pair_symbol_map
        if mapping is not None:  # the common case, once per market message: no readiness check, no lock
            pair = mapping.pair_of(symbol)
            if pair is not None:
                return pair
        mapping = await self.trading_pair_symbol_map()
        return mapping[symbol]

    async def get_last_traded_prices(self, trading_pairs: list[str]) -> dict[str, Decimal]:
        """Last traded price per pair, one request per pair through :meth:`_get_last_traded_price`."""
        prices = await asyncio.gather(*(self._get_last_traded_price(pair) for pair in trading_pairs))
        return dict(zip(trading_pairs, prices, strict=True))

    async def _make_trading_rules_request(self) -> Any:
        return await self._api_get(path_url=self.trading_rules_request_path)

    async def _make_trading_pairs_request(self) -> Any:
        return await self._api_get(path_url=self.trading_pairs_request_path)

    # ------------------------------------------------------------------------------------------------------------
    # Order books, prices, quantisation, fees

    async def add_trading_pair(self, trading_pair: str) -> bool:
        """Start tracking the order book of ``trading_pair`` while running (delegates to the tracker)."""
        added = bool(await self._order_book_tracker.add_trading_pair(trading_pair))
        if added and trading_pair not in self.trading_pairs:
            self.trading_pairs.append(trading_pair)
        return added

    async def remove_trading_pair(self, trading_pair: str) -> bool:
        """Stop tracking the order book of ``trading_pair`` (delegates to the tracker)."""
        removed = bool(await self._order_book_tracker.remove_trading_pair(trading_pair))
        if removed and trading_pair in self.trading_pairs:
            self.trading_pairs.remove(trading_pair)
        return removed

    def get_order_book(self, trading_pair: str) -> OrderBook:
        order_books = self._order_book_tracker.order_books
        if trading_pair not in order_books:
            raise ValueError(f"No order book exists for '{trading_pair}'.")
        return order_books[trading_pair]

    def get_price(self, trading_pair: str, is_buy: bool) -> Decimal:
        """Best ask (``is_buy``) or best bid from the local order book."""
        return Decimal(str(self.get_order_book(trading_pair).get_price(is_buy)))

    def get_order_price_quantum(self, trading_pair: str, price: Decimal) -> Decimal:
        return self._trading_rules[trading_pair].min_price_increment

    def get_order_size_quantum(self, trading_pair: str, order_size: Decimal) -> Decimal:
        return self._trading_rules[trading_pair].min_base_amount_increment

    def quantize_order_price(self, trading_pair: str, price: Decimal) -> Decimal:
        """Floor ``price`` to a multiple of the pair's price increment (NaN passes through)."""
        if price.is_nan():
            return price
        quantum = self.get_order_price_quantum(trading_pair, price)
        return (price // quantum) * quantum

    def quantize_order_amount(self, trading_pair: str, amount: Decimal, price: Decimal = s_decimal_0) -> Decimal:
        """Floor ``amount`` to a multiple of the pair's base amount increment."""
        quantum = self.get_order_size_quantum(trading_pair, amount)
        return (amount // quantum) * quantum

    def get_fee(
        self,
        base_currency: str,
        quote_currency: str,
        order_type: OrderType,
        order_side: TradeType,
        amount: Decimal,
        price: Decimal = s_decimal_NaN,
        is_maker: bool | None = None,
    ) -> TradeFeeBase:
        return self._get_fee(
            base_currency=base_currency,
            quote_currency=quote_currency,
            order_type=order_type,
            order_side=order_side,
            amount=amount,
            price=price,
            is_maker=is_maker,
        )

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

    # ------------------------------------------------------------------------------------------------------------
    # REST helpers

    async def _api_get(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["method"] = RESTMethod.GET
        return await self._api_request(*args, **kwargs)

    async def _api_post(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["method"] = RESTMethod.POST
        return await self._api_request(*args, **kwargs)

    async def _api_put(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["method"] = RESTMethod.PUT
        return await self._api_request(*args, **kwargs)

    async def _api_delete(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["method"] = RESTMethod.DELETE
        return await self._api_request(*args, **kwargs)

    async def _api_request_url(self, path_url: str, is_auth_required: bool = False) -> str:
        if is_auth_required:
            return self.web_utils.private_rest_url(path_url, domain=self.domain)
        return self.web_utils.public_rest_url(path_url, domain=self.domain)

    async def _api_request(
        self,
        path_url: str,
        overwrite_url: str | None = None,
        method: RESTMethod = RESTMethod.GET,
        params: Mapping[str, Any] | None = None,
        data: Any = None,
        is_auth_required: bool = False,
        return_err: bool = False,
        limit_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Send one REST request and return its parsed JSON body.

        The URL is ``overwrite_url`` or the public/private URL of ``path_url``; the rate-limit id defaults to
        ``path_url``. An IOError the connector classifies as a time-synchronisation error (the exchange rejected
        the request's timestamp) resets the server-time estimate, so the next sample is trusted alone even after a
        clock jump. The first time, one sample is taken at once and the request goes out once more; the second
        time the error is raised without a sample: the next signed request takes one before it is signed (through
        ``TimeSynchronizerRESTPreProcessor``), so no server-time call is made whose result goes unused. One it
        classifies as the exchange's rate limit is logged, waited out for ``RATE_LIMITED_RETRY_DELAY`` seconds and
        retried once (Hummingbot just fails it; the exchange rejected the request, so sending it again cannot
        duplicate it); any other IOError is raised at once.
        """
        rest_assistant = await self._web_assistants_factory.get_rest_assistant()
        url = overwrite_url or await self._api_request_url(path_url=path_url, is_auth_required=is_auth_required)
        for attempt in (1, 2):
            try:
                return await rest_assistant.execute_request(
                    url=url,
                    params=params,
                    data=data,
                    method=method,
                    is_auth_required=is_auth_required,
                    return_err=return_err,
                    throttler_limit_id=limit_id or path_url,
                    headers=headers,
                    **kwargs,
                )
            except OSError as request_exception:
                if self._is_request_exception_related_to_time_synchronizer(request_exception=request_exception):
                    self._clock_sync.reset()
                    if attempt == 2:
                        raise
                    await self._update_time_synchronizer()
                elif attempt == 1 and self._is_request_exception_related_to_rate_limit(request_exception):
                    self.logger().warning(
                        f"{self.name} rate limited a request to {path_url}; retrying once in "
                        f"{self.RATE_LIMITED_RETRY_DELAY} s."
                    )
                    await self._sleep(self.RATE_LIMITED_RETRY_DELAY)
                else:
                    raise
        raise AssertionError("unreachable: the second attempt returns or raises")

    async def _update_time_synchronizer(self, pass_on_non_cancelled_error: bool = False) -> None:
        """Take a server-time sample through ``web_utils.get_current_server_time``."""
        try:
            await self._time_synchronizer.update_server_time_offset_with_time_provider(
                time_provider=self.web_utils.get_current_server_time(throttler=self._throttler, domain=self.domain)
            )
        except asyncio.CancelledError:
            raise
        except Exception:
            if not pass_on_non_cancelled_error:
                self.logger().exception("Error requesting time from server")
                raise

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
    # Trading rules

    async def _update_trading_rules(self) -> None:
        """Fetch and install the trading rules; reuse the payload for the symbol map when it is the same request."""
        exchange_info = await self._make_trading_rules_request()
        rules = await self._format_trading_rules(exchange_info)
        self._trading_rules.clear()
        for rule in rules:
            self._trading_rules[rule.trading_pair] = rule
        if self.trading_rules_request_path == self.trading_pairs_request_path:
            self._initialize_trading_pair_symbols_from_exchange_info(exchange_info=exchange_info)

    # ------------------------------------------------------------------------------------------------------------
    # REST fallbacks for orders

    async def _update_order_status(self) -> None:
        """Fills first (every fillable order), then statuses (every active order)."""
        await self._update_orders_fills(list(self._order_tracker.all_fillable_orders.values()))
        await self._update_orders(list(self.in_flight_orders.values()))

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

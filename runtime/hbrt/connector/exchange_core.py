"""The foundation of :class:`~hbrt.connector.exchange_py_base.ExchangePyBase`: its intervals and state, the
abstract members a connector implements (Hummingbot's names), the collaborators built on first use (throttler,
auth, web assistants, data sources, trackers, order tracker), names and time, events, and the ``_api_*`` REST
helpers. Starting, stopping and self-ticking come from
:class:`~hbrt.connector.connector_network_base.ConnectorNetworkBase`, shared with the gateway connectors.

The layers above it add one concern each: :mod:`~hbrt.connector.exchange_markets` (trading pairs, symbols, order
books, prices, quantisation, fees, trading rules), :mod:`~hbrt.connector.exchange_balances`,
:mod:`~hbrt.connector.exchange_orders` (tracking, placing and cancelling orders) and
:mod:`~hbrt.connector.exchange_lifecycle` (the network lifecycle, the tick, polling and user-stream loops).
"""

from __future__ import annotations

import asyncio
import math
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Mapping
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from hbrt.api_throttler.async_throttler import AsyncThrottler
from hbrt.api_throttler.data_types import RateLimit
from hbrt.connector.client_order_tracker import ClientOrderTracker
from hbrt.connector.connector_network_base import ConnectorNetworkBase
from hbrt.connector.trading_pair_symbol_map import TradingPairSymbolMap
from hbrt.data_type.common import OrderType, TradeType
from hbrt.data_type.in_flight_order import InFlightOrder, OrderUpdate, TradeUpdate
from hbrt.data_type.trade_fee import TradeFeeBase
from hbrt.data_type.trading_rule import TradingRule
from hbrt.event.events import MarketEvent, OrderFilledEvent
from hbrt.logger import HummingbotLogger, get_logger
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


class ExchangeCore(ConnectorNetworkBase, ABC):
    """State, abstract members, collaborators and REST helpers of a spot connector (see the module docstring)."""

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

    def trigger_event(self, event_tag: Any, message: Any) -> None:
        """Publish an event; fills are also remembered for the no-websocket available-balance correction."""
        if event_tag == MarketEvent.OrderFilled and not self._real_time_balance_update:
            self._fills_since_snapshot.append(message)
        super().trigger_event(event_tag, message)

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

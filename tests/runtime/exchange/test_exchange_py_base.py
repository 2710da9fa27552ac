"""Focused tests of ExchangePyBase behaviours the shared connector suite does not pin down.

The connector here is a stub: REST is replaced by per-test coroutines, so these tests exercise the base class
logic alone (no web layer, no order book).
"""

from __future__ import annotations

import asyncio
import types
import unittest
from decimal import Decimal
from typing import Any
from unittest.mock import AsyncMock

from hbrt.api_throttler.data_types import RateLimit
from hbrt.connector.exchange_py_base import ExchangePyBase, TradingPairSymbolMap
from hbrt.data_type.common import OrderType, TradeType
from hbrt.data_type.in_flight_order import InFlightOrder, OrderState, OrderUpdate, TradeUpdate
from hbrt.data_type.trade_fee import AddedToCostTradeFee, TradeFeeBase
from hbrt.data_type.trading_rule import TradingRule
from hbrt.event.events import MarketEvent
from hbrt.network_base import NetworkStatus

PAIR = "BTC-USDT"


class _FakeRESTAssistant:
    """Answers ``execute_request`` from a list of results; an exception in the list is raised."""

    def __init__(self, results: list[Any]) -> None:
        self.results = list(results)
        self.calls: list[dict[str, Any]] = []

    async def execute_request(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        result = self.results.pop(0)
        if isinstance(result, BaseException):
            raise result
        return result


class _FakeFactory:
    def __init__(self, assistant: _FakeRESTAssistant) -> None:
        self.assistant = assistant

    async def get_rest_assistant(self) -> _FakeRESTAssistant:
        return self.assistant


class _UserStreamTrackerStub:
    def __init__(self) -> None:
        self.last_recv_time = 0.0
        self.user_stream: asyncio.Queue[Any] = asyncio.Queue()

    async def start(self) -> None:
        await asyncio.Event().wait()

    async def stop(self) -> None:
        self.stopped = True


class _OrderBookTrackerStub:
    def __init__(self) -> None:
        self.ready = False
        self.order_books: dict[str, Any] = {}
        self.started = 0
        self.stopped = 0

    def start(self) -> None:
        self.started += 1

    def stop(self) -> None:
        self.stopped += 1

    def unavailable_books(self) -> dict[str, str]:
        return {}


_web_utils = types.SimpleNamespace(
    public_rest_url=lambda path_url, domain="": f"https://public.example{path_url}",
    private_rest_url=lambda path_url, domain="": f"https://private.example{path_url}",
    get_current_server_time=None,
)


class StubExchange(ExchangePyBase):
    """Implements every abstract member with plain data; abstract properties refuse to be read before setup."""

    web_utils = _web_utils

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # first, on purpose: the base must not read subclass fields
        self._ready_for_reads = True
        self.order_status_errors: dict[str, Exception] = {}
        self.cancel_results: dict[str, Any] = {}
        self.server_time_requests = 0

    def _guard(self) -> None:
        if not getattr(self, "_ready_for_reads", False):
            raise AssertionError("the base constructor read a subclass member")

    @property
    def name(self) -> str:
        self._guard()
        return "stub"

    @property
    def authenticator(self) -> Any:
        self._guard()
        return None

    @property
    def rate_limits_rules(self) -> list[RateLimit]:
        self._guard()
        return [RateLimit(limit_id=path, limit=100, time_interval=1) for path in ("/a", "/ping", "/info", "/time")]

    @property
    def domain(self) -> str:
        self._guard()
        return "com"

    client_order_id_max_length = 32
    client_order_id_prefix = "ST-"
    trading_rules_request_path = "/info"
    trading_pairs_request_path = "/info"
    check_network_request_path = "/ping"

    @property
    def trading_pairs(self) -> list[str]:
        self._guard()
        return [PAIR]

    is_cancel_request_in_exchange_synchronous = True
    is_trading_required = True

    def supported_order_types(self) -> list[OrderType]:
        return [OrderType.LIMIT, OrderType.MARKET]

    def _is_request_exception_related_to_time_synchronizer(self, request_exception: Exception) -> bool:
        return "timestamp" in str(request_exception)

    def _is_request_exception_related_to_rate_limit(self, request_exception: Exception) -> bool:
        return "too many" in str(request_exception)

    def _is_order_not_found_during_status_update_error(self, status_update_exception: Exception) -> bool:
        return "not found" in str(status_update_exception)

    def _is_order_not_found_during_cancelation_error(self, cancelation_exception: Exception) -> bool:
        return "not found" in str(cancelation_exception)

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
        return "EX-" + order_id, 1.0

    async def _place_cancel(self, order_id: str, tracked_order: InFlightOrder) -> bool:
        result = self.cancel_results.get(order_id, True)
        if isinstance(result, BaseException):
            raise result
        if isinstance(result, float):
            await asyncio.sleep(result)
            return True
        return bool(result)

    def _get_fee(
        self,
        base_currency: str,
        quote_currency: str,
        order_type: OrderType,
        order_side: TradeType,
        amount: Decimal,
        price: Decimal = Decimal("NaN"),
        is_maker: bool | None = None,
    ) -> TradeFeeBase:
        return AddedToCostTradeFee(percent=Decimal("0.001"))

    async def _update_trading_fees(self) -> None:
        return None

    async def _user_stream_event_listener(self) -> None:
        await self._user_stream_event_loop(lambda event: None)

    async def _format_trading_rules(self, exchange_info: Any) -> list[TradingRule]:
        return [TradingRule(trading_pair=PAIR, min_order_size=Decimal("0.1"))]

    async def _update_balances(self) -> None:
        self._account_available_balances.update({"BTC": Decimal("10"), "USDT": Decimal("1000")})
        self._account_balances.update({"BTC": Decimal("12"), "USDT": Decimal("1500")})

    async def _all_trade_updates_for_order(self, order: InFlightOrder) -> list[TradeUpdate]:
        return []

    async def _request_order_status(self, tracked_order: InFlightOrder) -> OrderUpdate:
        error = self.order_status_errors.get(tracked_order.client_order_id)
        if error is not None:
            raise error
        return OrderUpdate(
            trading_pair=PAIR,
            update_timestamp=1.0,
            new_state=OrderState.OPEN,
            client_order_id=tracked_order.client_order_id,
        )

    def _create_web_assistants_factory(self) -> Any:
        raise AssertionError("tests install a fake factory")

    def _create_order_book_data_source(self) -> Any:
        raise AssertionError("tests install a stub tracker")

    def _create_user_stream_data_source(self) -> Any:
        raise AssertionError("tests install a stub tracker")

    def _create_user_stream_tracker(self) -> Any:
        return _UserStreamTrackerStub()

    def _initialize_trading_pair_symbols_from_exchange_info(self, exchange_info: Any) -> None:
        self._set_trading_pair_symbol_map({"BTCUSDT": PAIR})

    async def _get_last_traded_price(self, trading_pair: str) -> Decimal:
        return Decimal("100")

    async def _update_time_synchronizer(self, pass_on_non_cancelled_error: bool = False) -> None:
        self.server_time_requests += 1


class ExchangePyBaseTestCase(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.exchange = StubExchange()
        self.exchange._order_book_tracker = _OrderBookTrackerStub()
        self.exchange._set_current_timestamp(1000.0)

    async def asyncTearDown(self) -> None:
        await self.exchange.stop_network()
        for task in list(self.exchange._pending_tasks):
            task.cancel()

    def track(self, order_id: str, trade_type: TradeType, amount: str, price: str) -> InFlightOrder:
        self.exchange.start_tracking_order(
            order_id=order_id,
            exchange_order_id="EX-" + order_id,
            trading_pair=PAIR,
            trade_type=trade_type,
            price=Decimal(price),
            amount=Decimal(amount),
            order_type=OrderType.LIMIT,
        )
        return self.exchange.in_flight_orders[order_id]

    async def settle(self) -> None:
        for _ in range(3):
            await asyncio.sleep(0)
        await self.exchange._order_tracker.wait_for_pending_updates()


class ConstructionTests(ExchangePyBaseTestCase):
    async def test_constructor_reads_no_subclass_member_and_builds_collaborators_lazily(self) -> None:
        exchange = StubExchange()  # the guard raises if the base constructor read name/domain/rules/pairs
        for attribute in ("_throttler", "_auth", "_web_assistants_factory", "_order_tracker", "_user_stream_tracker"):
            self.assertNotIn(attribute, exchange.__dict__)
        throttler = exchange._throttler
        self.assertIs(throttler, exchange._throttler)
        self.assertIs(throttler, exchange.throttler)

    async def test_collaborators_can_be_replaced_by_assignment(self) -> None:
        replacement = object()
        self.exchange._order_tracker = replacement  # type: ignore[assignment]
        self.assertIs(replacement, self.exchange._order_tracker)

    async def test_missing_web_utils_is_reported_at_construction(self) -> None:
        class NoWebUtils(StubExchange):
            web_utils = None

        with self.assertRaises(TypeError):
            NoWebUtils()

    async def test_abstract_members_include_last_traded_price(self) -> None:
        self.assertIn("_get_last_traded_price", ExchangePyBase.__abstractmethods__)
        self.assertEqual(30, len(ExchangePyBase.__abstractmethods__))


class AvailableBalanceTests(ExchangePyBaseTestCase):
    def test_a_balance_update_older_than_the_last_applied_is_ignored(self) -> None:
        apply = self.exchange._apply_balance_update
        self.assertTrue(apply("BTC", Decimal("140"), Decimal("131"), sequence=9))
        self.assertFalse(apply("BTC", Decimal("105"), Decimal("100"), sequence=3))
        self.assertEqual(
            (Decimal("140"), Decimal("131")),
            (self.exchange.get_balance("BTC"), self.exchange.get_available_balance("BTC")),
        )
        self.assertTrue(apply("ETH", Decimal("1"), Decimal("1"), sequence=3))  # sequences are kept per asset
        self.assertTrue(apply("BTC", Decimal("150"), Decimal("150")))  # no sequence: applied, ordering kept
        self.assertFalse(apply("BTC", Decimal("105"), Decimal("100"), sequence=8))
        self.assertTrue(apply("BTC", Decimal("151"), Decimal("151"), sequence=9))  # equal: arrival order
        self.assertEqual(Decimal("151"), self.exchange.get_balance("BTC"))

    async def test_balance_events_apply_only_with_real_time_balance_updates(self) -> None:
        self.assertTrue(self.exchange._apply_balance_event("BTC", Decimal("15"), Decimal("10"), sequence=1))
        self.assertEqual(Decimal("10"), self.exchange.get_available_balance("BTC"))
        self.exchange.real_time_balance_update = False
        await self.exchange._update_all_balances()
        polled = (self.exchange.get_balance("BTC"), self.exchange.get_available_balance("BTC"))
        # Without real-time updates the estimate rests on the poll; a pushed value would be corrected twice.
        self.assertFalse(self.exchange._apply_balance_event("BTC", Decimal("99"), Decimal("98"), sequence=2))
        self.assertEqual(polled, (self.exchange.get_balance("BTC"), self.exchange.get_available_balance("BTC")))

    async def test_real_time_mode_reports_polled_value(self) -> None:
        await self.exchange._update_all_balances()
        self.track("o1", TradeType.SELL, "3", "100")
        self.assertEqual(Decimal("10"), self.exchange.get_available_balance("BTC"))

    async def test_snapshot_formula_without_websocket_balance_events(self) -> None:
        self.exchange.real_time_balance_update = False
        buy = self.track("o1", TradeType.BUY, "2", "100")  # locks 200 USDT
        sell = self.track("o2", TradeType.SELL, "1", "100")  # locks 1 BTC
        await self.exchange._update_all_balances()
        self.assertEqual(Decimal("1000"), self.exchange.get_available_balance("USDT"))
        self.assertEqual(Decimal("10"), self.exchange.get_available_balance("BTC"))

        self.track("o3", TradeType.BUY, "1", "50")  # new order after the poll: 50 USDT more locked
        self.assertEqual(Decimal("950"), self.exchange.get_available_balance("USDT"))

        self.exchange._order_tracker.process_order_update(
            OrderUpdate(
                trading_pair=PAIR,
                update_timestamp=1.0,
                new_state=OrderState.CANCELED,
                client_order_id=sell.client_order_id,
            )
        )
        await self.settle()
        self.assertEqual(Decimal("11"), self.exchange.get_available_balance("BTC"))

        self.exchange._order_tracker.process_trade_update(
            TradeUpdate(
                trade_id="t1",
                client_order_id=buy.client_order_id,
                exchange_order_id=buy.exchange_order_id,
                trading_pair=PAIR,
                fill_timestamp=1.0,
                fill_price=Decimal("100"),
                fill_base_amount=Decimal("0.5"),
                fill_quote_amount=Decimal("50"),
                fee=AddedToCostTradeFee(),
            )
        )
        # polled 1000 + snapshot lock 200 - current locks (150 + 50) + fill (-50) = 950
        self.assertEqual(Decimal("950"), self.exchange.get_available_balance("USDT"))
        # polled 10 + snapshot lock 1 - current lock 0 + fill 0.5 = 11.5
        self.assertEqual(Decimal("11.5"), self.exchange.get_available_balance("BTC"))

    async def test_balance_asset_limit_caps_available_balance(self) -> None:
        exchange = StubExchange(balance_asset_limit={"stub": {"BTC": Decimal("4")}})
        exchange._order_book_tracker = _OrderBookTrackerStub()
        await exchange._update_all_balances()
        self.assertEqual(Decimal("4"), exchange.get_available_balance("BTC"))
        exchange.start_tracking_order(
            order_id="s1",
            exchange_order_id=None,
            trading_pair=PAIR,
            trade_type=TradeType.SELL,
            price=Decimal("1"),
            amount=Decimal("3"),
            order_type=OrderType.LIMIT,
        )
        self.assertEqual(Decimal("1"), exchange.get_available_balance("BTC"))
        self.assertEqual(Decimal("1000"), exchange.get_available_balance("USDT"))


class PollCadenceTests(ExchangePyBaseTestCase):
    async def test_short_interval_while_user_stream_is_silent(self) -> None:
        self.exchange.tick(1001.0)
        self.exchange._poll_notifier.clear()
        self.exchange.tick(1004.0)
        self.assertFalse(self.exchange._poll_notifier.is_set())
        self.exchange.tick(1005.0)
        self.assertTrue(self.exchange._poll_notifier.is_set())
        self.assertEqual(1005.0, self.exchange.current_timestamp)

    async def test_long_interval_while_user_stream_is_alive(self) -> None:
        self.exchange._user_stream_tracker.last_recv_time = 1000.0
        self.exchange.tick(1001.0)
        self.exchange._poll_notifier.clear()
        self.exchange.tick(1010.0)
        self.exchange.tick(1055.0)
        self.assertFalse(self.exchange._poll_notifier.is_set())
        self.exchange.tick(1080.0)  # crosses the 120 s boundary at 1080
        self.assertTrue(self.exchange._poll_notifier.is_set())

    async def test_status_polling_loop_polls_once_per_notification(self) -> None:
        self.exchange._status_polling_loop_fetch_updates = AsyncMock()  # type: ignore[method-assign]
        task = asyncio.create_task(self.exchange._status_polling_loop())
        await asyncio.sleep(0)
        self.exchange._status_polling_loop_fetch_updates.assert_not_awaited()
        self.exchange._set_current_timestamp(1005.0)
        self.exchange._poll_notifier.set()
        for _ in range(5):
            await asyncio.sleep(0)
        self.assertEqual(1, self.exchange._status_polling_loop_fetch_updates.await_count)
        self.assertEqual(1005.0, self.exchange._last_poll_timestamp)
        self.assertFalse(self.exchange._poll_notifier.is_set())
        self.assertEqual(1, self.exchange.server_time_requests)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


class ApiRequestTests(ExchangePyBaseTestCase):
    def install(self, results: list[Any]) -> _FakeRESTAssistant:
        assistant = _FakeRESTAssistant(results)
        self.exchange._web_assistants_factory = _FakeFactory(assistant)  # type: ignore[assignment]
        self.exchange._time_synchronizer.add_time_offset_ms_sample(0)
        return assistant

    async def test_time_sync_error_resyncs_and_retries_once(self) -> None:
        assistant = self.install([OSError("bad timestamp"), {"ok": True}])
        self.assertEqual({"ok": True}, await self.exchange._api_get(path_url="/a", is_auth_required=True))
        self.assertEqual(2, len(assistant.calls))
        self.assertEqual(1, self.exchange.server_time_requests)
        self.assertEqual(0, len(self.exchange._time_synchronizer.samples))  # cleared before resync
        self.assertEqual("https://private.example/a", assistant.calls[0]["url"])
        self.assertEqual("/a", assistant.calls[0]["throttler_limit_id"])

    async def test_time_sync_error_twice_raises_the_last_error(self) -> None:
        assistant = self.install([OSError("bad timestamp 1"), OSError("bad timestamp 2"), {"never": "sent"}])
        with self.assertRaisesRegex(OSError, "timestamp 2"):
            await self.exchange._api_get(path_url="/a")
        self.assertEqual(2, len(assistant.calls))
        # One sample, for the retry; none after the second refusal, whose result would go unused.
        self.assertEqual(1, self.exchange.server_time_requests)
        self.assertEqual((), self.exchange._time_synchronizer.samples)  # reset: the next sample is trusted alone

    async def test_rate_limited_request_waits_and_is_retried_once(self) -> None:
        assistant = self.install([OSError("too many requests"), {"ok": True}])
        sleeps: list[float] = []

        async def fake_sleep(delay: float) -> None:
            sleeps.append(delay)

        self.exchange._sleep = fake_sleep  # type: ignore[method-assign]
        self.assertEqual({"ok": True}, await self.exchange._api_get(path_url="/a"))
        self.assertEqual(2, len(assistant.calls))
        self.assertEqual([self.exchange.RATE_LIMITED_RETRY_DELAY], sleeps)
        self.assertEqual(0, self.exchange.server_time_requests)

    async def test_rate_limited_twice_raises_without_a_second_wait(self) -> None:
        assistant = self.install([OSError("too many 1"), OSError("too many 2"), {"never": "sent"}])
        sleeps: list[float] = []

        async def fake_sleep(delay: float) -> None:
            sleeps.append(delay)

        self.exchange._sleep = fake_sleep  # type: ignore[method-assign]
        with self.assertRaisesRegex(OSError, "too many 2"):
            await self.exchange._api_get(path_url="/a")
        self.assertEqual(2, len(assistant.calls))
        self.assertEqual(1, len(sleeps))

    async def test_other_errors_are_raised_at_once(self) -> None:
        assistant = self.install([OSError("HTTP status is 500"), {"never": "sent"}])
        with self.assertRaises(OSError):
            await self.exchange._api_post(path_url="/a", overwrite_url="https://elsewhere/x", limit_id="L")
        self.assertEqual(1, len(assistant.calls))
        self.assertEqual("https://elsewhere/x", assistant.calls[0]["url"])
        self.assertEqual("L", assistant.calls[0]["throttler_limit_id"])
        self.assertEqual(0, self.exchange.server_time_requests)


class NotFoundCountingTests(ExchangePyBaseTestCase):
    async def test_only_not_found_answers_count_toward_lost(self) -> None:
        order = self.track("o1", TradeType.BUY, "1", "100")
        records = self.exchange._order_tracker._order_not_found_records
        for error in (OSError("HTTP status is 503"), TimeoutError(), OSError("HTTP status is 401")):
            self.exchange.order_status_errors["o1"] = error
            await self.exchange._update_order_status()
            await self.settle()
            self.assertNotIn("o1", records)
        self.exchange.order_status_errors["o1"] = OSError("order not found")
        await self.exchange._update_order_status()
        await self.settle()
        self.assertEqual(1, records["o1"])
        self.assertTrue(order.is_open)

    async def test_cancel_not_found_counts_and_other_errors_do_not(self) -> None:
        self.track("o1", TradeType.BUY, "1", "100")
        records = self.exchange._order_tracker._order_not_found_records
        self.exchange.cancel_results["o1"] = OSError("HTTP status is 500")
        self.assertIsNone(await self.exchange._execute_cancel(PAIR, "o1"))
        self.assertNotIn("o1", records)
        self.exchange.cancel_results["o1"] = OSError("order not found")
        self.assertIsNone(await self.exchange._execute_cancel(PAIR, "o1"))
        self.assertEqual(1, records["o1"])


class OrderCreationTests(ExchangePyBaseTestCase):
    async def test_order_without_trading_rule_is_tracked_and_fails(self) -> None:
        failures: list[Any] = []
        self.exchange.add_listener(MarketEvent.OrderFailure, failures.append)
        order_id = self.exchange.buy(PAIR, Decimal("1"), OrderType.LIMIT, Decimal("10"))
        await asyncio.gather(*self.exchange._pending_tasks)
        await self.settle()
        self.assertEqual([order_id], [event.order_id for event in failures])
        self.assertIn("No trading rule", failures[0].error_message)
        self.assertNotIn(order_id, self.exchange.in_flight_orders)

    async def test_order_is_quantized_validated_and_opened(self) -> None:
        self.exchange._trading_rules[PAIR] = TradingRule(
            PAIR,
            min_order_size=Decimal("0.1"),
            min_price_increment=Decimal("0.5"),
            min_base_amount_increment=Decimal("0.01"),
            min_notional_size=Decimal("1"),
        )
        order_id = self.exchange.sell(PAIR, Decimal("1.239"), OrderType.LIMIT, Decimal("10.7"))
        self.assertTrue(order_id.startswith("ST-S"))
        await asyncio.gather(*self.exchange._pending_tasks)
        await self.settle()
        order = self.exchange.in_flight_orders[order_id]
        self.assertEqual((Decimal("1.23"), Decimal("10.5")), (order.amount, order.price))
        self.assertEqual(OrderState.OPEN, order.current_state)
        self.assertEqual("EX-" + order_id, order.exchange_order_id)


class CancelAllTests(ExchangePyBaseTestCase):
    async def test_cancel_all_reports_timeouts_as_failures(self) -> None:
        self.track("o1", TradeType.BUY, "1", "100")
        self.track("o2", TradeType.SELL, "1", "100")
        self.exchange.cancel_results["o2"] = 10.0  # takes longer than the timeout
        results = await self.exchange.cancel_all(timeout_seconds=0.05)
        self.assertEqual({("o1", False), ("o2", False)}, {(r.order_id, r.success) for r in results})

    async def test_cancel_all_successes_first(self) -> None:
        self.track("o1", TradeType.BUY, "1", "100")
        self.track("o2", TradeType.SELL, "1", "100")
        self.exchange.cancel_results["o1"] = False
        results = await self.exchange.cancel_all(timeout_seconds=1)
        self.assertEqual([("o2", True), ("o1", False)], [(r.order_id, r.success) for r in results])


class LifecycleTests(ExchangePyBaseTestCase):
    async def test_start_network_starts_tasks_and_stop_network_cancels_them(self) -> None:
        self.exchange._update_trading_rules = AsyncMock()  # type: ignore[method-assign]
        await self.exchange.start_network()
        tracker = self.exchange._order_book_tracker
        self.assertEqual(1, tracker.started)
        tasks = [
            self.exchange._status_polling_task,
            self.exchange._user_stream_event_listener_task,
            self.exchange._trading_rules_polling_task,
            self.exchange._lost_orders_update_task,
            self.exchange._user_stream_tracker_task,
            self.exchange._trading_fees_polling_task,
        ]
        self.assertTrue(all(task is not None for task in tasks))
        await asyncio.sleep(0)
        await self.exchange.start_network()  # restart is idempotent: the previous tasks are cancelled
        await asyncio.sleep(0)
        self.assertTrue(all(task.cancelled() or task.done() for task in tasks))
        await self.exchange.stop_network()
        self.assertIsNone(self.exchange._status_polling_task)
        self.assertGreaterEqual(tracker.stopped, 2)

    async def test_check_network_maps_errors_to_not_connected(self) -> None:
        self.exchange._api_get = AsyncMock(side_effect=[{}, OSError("down")])  # type: ignore[method-assign]
        self.assertEqual(NetworkStatus.CONNECTED, await self.exchange.check_network())
        self.assertEqual(NetworkStatus.NOT_CONNECTED, await self.exchange.check_network())

    async def test_network_loop_starts_the_network_when_connected(self) -> None:
        self.exchange.check_network = AsyncMock(return_value=NetworkStatus.CONNECTED)  # type: ignore[method-assign]
        started = asyncio.Event()
        self.exchange.start_network = AsyncMock(side_effect=lambda: started.set())  # type: ignore[method-assign]
        await self.exchange.start(self_tick=False)
        await asyncio.wait_for(started.wait(), 1)
        self.assertEqual(NetworkStatus.CONNECTED, self.exchange.network_status)
        await self.exchange.stop()
        self.assertEqual(NetworkStatus.STOPPED, self.exchange.network_status)

    async def test_symbol_map_is_initialised_once_for_concurrent_callers(self) -> None:
        self.exchange._make_trading_pairs_request = AsyncMock(return_value={})  # type: ignore[method-assign]
        maps = await asyncio.gather(*(self.exchange.trading_pair_symbol_map() for _ in range(5)))
        self.assertEqual(1, self.exchange._make_trading_pairs_request.await_count)
        self.assertTrue(all(m == {"BTCUSDT": PAIR} for m in maps))
        self.assertEqual("BTCUSDT", await self.exchange.exchange_symbol_associated_to_pair(PAIR))

    async def test_symbol_map_rejects_ambiguous_inverse(self) -> None:
        with self.assertRaises(ValueError):
            TradingPairSymbolMap({"A": PAIR, "B": PAIR})
        self.assertEqual({PAIR: "A"}, TradingPairSymbolMap({"A": PAIR}).inverse)


class NoUserStreamExchange(StubExchange):
    """A connector whose exchange has no private websocket: the data source factory returns None."""

    _create_user_stream_tracker = ExchangePyBase._create_user_stream_tracker

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.real_time_balance_update = False

    def _create_user_stream_data_source(self) -> None:
        return None


class NoUserStreamTests(ExchangePyBaseTestCase):
    async def asyncSetUp(self) -> None:
        self.exchange = NoUserStreamExchange()
        self.exchange._order_book_tracker = _OrderBookTrackerStub()
        self.exchange._set_current_timestamp(1000.0)

    async def test_a_data_source_of_none_means_no_user_stream(self) -> None:
        self.assertFalse(self.exchange.has_user_stream)
        self.assertIsNone(self.exchange._user_stream_tracker)
        self.assertTrue(StubExchange().has_user_stream)

    async def test_start_network_starts_the_polling_loops_only(self) -> None:
        self.exchange._update_trading_rules = AsyncMock()  # type: ignore[method-assign]
        self.exchange._user_stream_event_listener = AsyncMock()  # type: ignore[method-assign]
        await self.exchange.start_network()
        polling = [
            self.exchange._status_polling_task,
            self.exchange._trading_rules_polling_task,
            self.exchange._trading_fees_polling_task,
            self.exchange._lost_orders_update_task,
        ]
        self.assertTrue(all(task is not None for task in polling))
        self.assertIsNone(self.exchange._user_stream_tracker_task)
        self.assertIsNone(self.exchange._user_stream_event_listener_task)
        await asyncio.sleep(0)
        await self.exchange.start_network()  # a restart stops the previous loops and still starts no listener
        await asyncio.sleep(0)
        self.assertTrue(all(task is not None and task.done() for task in polling))
        self.exchange._user_stream_event_listener.assert_not_called()
        await self.exchange.stop_network()
        self.assertIsNone(self.exchange._status_polling_task)
        self.assertIsNone(self.exchange._lost_orders_update_task)

    async def test_readiness_waits_for_the_polled_values_and_not_for_a_user_stream(self) -> None:
        status = self.exchange.status_dict
        self.assertTrue(status["user_stream_initialized"])
        self.assertFalse(self.exchange.ready)
        self.assertEqual(
            ["account_balance", "order_books_initialized", "symbols_mapping_initialized", "trading_rule_initialized"],
            sorted(key for key, value in status.items() if not value),
        )
        self.exchange._order_book_tracker.ready = True  # type: ignore[attr-defined]
        self.exchange._initialize_trading_pair_symbols_from_exchange_info({})
        self.exchange._trading_rules = {PAIR: TradingRule(trading_pair=PAIR)}
        self.assertFalse(self.exchange.ready)
        await self.exchange._update_all_balances()
        self.assertTrue(self.exchange.ready)

    async def test_polls_at_the_short_interval_however_long_it_runs(self) -> None:
        self.exchange.tick(1001.0)
        self.assertTrue(self.exchange._poll_notifier.is_set())
        self.exchange._poll_notifier.clear()
        self.exchange.tick(1004.0)
        self.assertFalse(self.exchange._poll_notifier.is_set())
        self.exchange.tick(1005.0)
        self.assertTrue(self.exchange._poll_notifier.is_set())
        for timestamp in (1005.0, 1000.0 + self.exchange.TICK_INTERVAL_LIMIT / 2, 1_000_000.0):
            self.assertEqual(self.exchange.SHORT_POLL_INTERVAL, self.exchange._current_poll_interval(timestamp))

    async def test_reading_a_missing_user_stream_fails_at_once(self) -> None:
        with self.assertRaisesRegex(RuntimeError, "stub has no user stream"):
            await self.exchange._user_stream_event_loop(lambda event: None)
        with self.assertRaises(RuntimeError):
            await anext(aiter(self.exchange._iter_user_event_queue()))


if __name__ == "__main__":
    unittest.main()


class BackgroundLoopTests(ExchangePyBaseTestCase):
    async def test_periodic_loop_logs_errors_retries_and_lets_not_implemented_escape(self) -> None:
        calls: list[str] = []
        sleeps: list[float] = []

        async def step() -> None:
            calls.append("step")
            if len(calls) == 1:
                raise OSError("exchange down")
            if len(calls) == 3:
                raise NotImplementedError

        async def fake_sleep(delay: float) -> None:
            sleeps.append(delay)

        self.exchange._sleep = fake_sleep  # type: ignore[method-assign]
        with self.assertLogs(self.exchange.logger().name, level="NETWORK") as logs:
            with self.assertRaises(NotImplementedError):
                await self.exchange._run_periodically(step, 7.0, "doing the thing")
        self.assertEqual(3, len(calls))
        self.assertEqual([self.exchange.ERROR_RETRY_INTERVAL, 7.0], sleeps)
        self.assertTrue(any("Unexpected error while doing the thing." in line for line in logs.output))

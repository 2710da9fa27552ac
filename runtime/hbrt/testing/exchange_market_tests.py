"""Tests of the shared spot suite: trading pairs and symbols, prices, network checks and readiness, trading rules,
balances, time synchronisation and the retry of rate-limited requests."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from hbrt.data_type.common import OrderType, TradeType
from hbrt.data_type.in_flight_order import InFlightOrder, OrderState, OrderUpdate, TradeUpdate
from hbrt.data_type.trade_fee import AddedToCostTradeFee
from hbrt.data_type.trading_rule import TradingRule
from hbrt.network_base import NetworkStatus
from hbrt.testing.exchange_suite_harness import ExchangeSuiteHarness
from hbrt.testing.exchange_suite_members import MockResponse, url_pattern


class ExchangeMarketTests:
    """Holder class, so test discovery does not collect the abstract case: :class:`ExchangeMarketTests.Tests`."""

    class Tests(ExchangeSuiteHarness.Harness):
        """Market data, balances and request-retry tests."""

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
            self.register_response(
                self.all_symbols_method, self.all_symbols_url, self.all_symbols_request_mock_response
            )
            all_trading_pairs = await self.exchange.all_trading_pairs()
            self.assertEqual([self.trading_pair], all_trading_pairs)

        async def test_invalid_trading_pair_not_in_all_trading_pairs(self) -> None:
            self.exchange._set_trading_pair_symbol_map(None)
            invalid_pair, response = self.all_symbols_including_invalid_pair_mock_response
            self.register_response(self.all_symbols_method, self.all_symbols_url, response)
            all_trading_pairs = await self.exchange.all_trading_pairs()
            self.assertNotIn(invalid_pair, all_trading_pairs)
            self.assertIn(self.trading_pair, all_trading_pairs)

        async def test_all_trading_pairs_does_not_raise_exception(self) -> None:
            self.exchange._set_trading_pair_symbol_map(None)
            self.mock_api.add(url_pattern(self.all_symbols_url), self.all_symbols_method, exception=Exception("boom"))
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
            self.register_response(
                self.latest_prices_method, self.latest_prices_url, self.latest_prices_request_mock_response
            )
            latest_prices = await self.exchange.get_last_traded_prices(trading_pairs=[self.trading_pair])
            self.assertEqual({self.trading_pair: self.expected_latest_price}, latest_prices)

        async def test_check_network_success(self) -> None:
            self.register_response(
                self.network_status_method,
                self.network_status_url,
                self.network_status_request_successful_mock_response,
            )
            self.assertEqual(NetworkStatus.CONNECTED, await self.exchange.check_network())

        async def test_check_network_failure(self) -> None:
            self.register_response(
                self.network_status_method, self.network_status_url, MockResponse(payload={}, status=500)
            )
            self.assertEqual(NetworkStatus.NOT_CONNECTED, await self.exchange.check_network())

        async def test_check_network_raises_cancel_exception(self) -> None:
            def cancelled(url: Any, **kwargs: Any) -> None:
                raise asyncio.CancelledError

            self.register_response(self.network_status_method, self.network_status_url, {}, callback=cancelled)
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
            self.assertGreaterEqual(len(self.executed_requests(time_url, self.server_time_method)), 1)
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
            self.assertEqual(1, len(self.executed_requests(time_url, self.server_time_method)))
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
            self.assertEqual([], self.executed_requests(time_url, self.server_time_method))

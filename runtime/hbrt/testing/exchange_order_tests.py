"""Tests of the shared spot suite: creating orders (accepted, rejected before sending, failing at the exchange,
quantised) and cancelling them (one, not found, all at once)."""

from __future__ import annotations

from decimal import Decimal

from hbrt.data_type.cancellation_result import CancellationResult
from hbrt.data_type.common import OrderType, TradeType
from hbrt.data_type.in_flight_order import OrderState, OrderUpdate
from hbrt.testing.exchange_suite_harness import ExchangeSuiteHarness
from hbrt.testing.exchange_suite_members import UrlLike


class ExchangeOrderTests:
    """Holder class, so test discovery does not collect the abstract case: :class:`ExchangeOrderTests.Tests`."""

    class Tests(ExchangeSuiteHarness.Harness):
        """Order creation and cancellation tests."""

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

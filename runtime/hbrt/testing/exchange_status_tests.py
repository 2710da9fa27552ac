"""Tests of the shared spot suite: order status and fills over REST polling, and lost orders (declared, polled,
cancelled, removed)."""

from __future__ import annotations

from decimal import Decimal

from aioresponses.core import RequestCall

from hbrt.data_type.in_flight_order import InFlightOrder, OrderState, OrderUpdate
from hbrt.testing.exchange_suite_harness import ExchangeSuiteHarness
from hbrt.testing.exchange_suite_members import MockResponse, _same_value, request_fields


class ExchangeStatusTests:
    """Holder class, so test discovery does not collect the abstract case: :class:`ExchangeStatusTests.Tests`."""

    class Tests(ExchangeSuiteHarness.Harness):
        """REST status and fill polling, and lost-order tests."""

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

        # ============================================================================================================
        # Tests: the status poll over the open-orders list (the spec's open_orders endpoint)

        def _poll_requests(self, orders: list[InFlightOrder]) -> tuple[list[RequestCall], list[RequestCall]]:
            """The open-orders requests and the status requests of ``orders`` the poll sent. One status URL may
            serve several orders, and one path both the list and the status (Bybit's): a status request is one
            carrying an order's status fields."""
            status: list[RequestCall] = []
            for order in orders:
                expected = self.expected_order_status_request_fields(order)
                for call in self.executed_requests(self.order_status_url(order), self.order_status_method):
                    fields = request_fields(call)
                    if all(key in fields and _same_value(value, fields[key]) for key, value in expected.items()):
                        if not any(call is seen for seen in status):
                            status.append(call)
            url = self.open_orders_url()
            assert url is not None
            listed = self.executed_requests(url, self.open_orders_method)
            return [call for call in listed if not any(call is seen for seen in status)], status

        async def test_open_orders_list_updates_every_listed_order_in_one_request(self) -> None:
            self.use_open_orders_list()
            orders = [self.track_order(number) for number in (1, 2, 3)]
            self.configure_open_orders_response(
                [(orders[0], "OPEN"), (orders[1], "PARTIALLY_FILLED"), (orders[2], "OPEN")]
            )
            await self.exchange._update_order_status()
            await self.run_pending()
            list_requests, status_requests = self._poll_requests(orders)
            self.assertEqual(1, len(list_requests))
            self.validate_auth_credentials_present(list_requests[0])
            self.assertEqual([], status_requests)
            for order in orders:
                self.assertIn(order.client_order_id, self.exchange.in_flight_orders)
            self.assertEqual(OrderState.OPEN, orders[0].current_state)
            self.assertEqual(OrderState.PARTIALLY_FILLED, orders[1].current_state)
            self.assertEqual(OrderState.OPEN, orders[2].current_state)

        async def test_order_missing_from_open_orders_list_is_resolved_by_its_status_request(self) -> None:
            self.use_open_orders_list()
            listed = self.track_order(1)
            missing = self.track_order(2)
            self.configure_open_orders_response([(listed, "OPEN")])
            self.configure_canceled_order_status_response(missing)
            await self.exchange._update_order_status()
            await self.run_pending()
            list_requests, status_requests = self._poll_requests([listed, missing])
            self.assertEqual(1, len(list_requests))
            self.assertEqual(1, len(status_requests))
            self.validate_auth_credentials_present(status_requests[0])
            self.validate_order_status_request(missing, status_requests[0])
            self.assertTrue(listed.is_open)
            self.assertTrue(missing.is_cancelled)
            self.assertNotIn(missing.client_order_id, self.exchange.in_flight_orders)
            self.assertEqual(missing.client_order_id, self.order_cancelled_logger.event_log[0].order_id)

        async def test_order_missing_from_open_orders_list_is_not_guessed_done(self) -> None:
            # The list omits the order, its status says it is still open (not yet listed): it stays open.
            self.use_open_orders_list()
            order = self.track_order(1)
            self.configure_open_orders_response([])
            self.configure_open_order_status_response(order)
            await self.exchange._update_order_status()
            await self.run_pending()
            list_requests, status_requests = self._poll_requests([order])
            self.assertEqual(1, len(list_requests))
            self.assertEqual(1, len(status_requests))
            self.assertTrue(order.is_open)
            self.assertIn(order.client_order_id, self.exchange.in_flight_orders)
            self.assertEqual([], self.order_cancelled_logger.event_log)
            self.assertEqual([], self.buy_order_completed_logger.event_log)

        async def test_open_orders_list_failure_falls_back_to_each_status_request(self) -> None:
            self.use_open_orders_list()
            order = self.track_order(1)
            url = self.open_orders_url()
            assert url is not None
            self.register_response(
                self.open_orders_method, url, MockResponse(payload={"error": "service unavailable"}, status=503)
            )
            self.configure_partially_filled_order_status_response(order)
            await self.exchange._update_order_status()
            await self.run_pending()
            list_requests, status_requests = self._poll_requests([order])
            self.assertEqual(1, len(list_requests))
            self.assertEqual(1, len(status_requests))
            self.assertEqual(OrderState.PARTIALLY_FILLED, order.current_state)
            self.assertTrue(self.is_logged_that_starts_with("NETWORK", "Error fetching the open orders"))

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

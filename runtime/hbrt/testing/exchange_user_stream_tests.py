"""Tests of the shared spot suite: order and fill events from the user stream (a connector without a user stream
runs their REST-polling equivalent or skips them, naming the polling test that covers them)."""

from __future__ import annotations

import asyncio

from hbrt.data_type.common import TradeType
from hbrt.data_type.in_flight_order import InFlightOrder
from hbrt.event.events import MarketEvent
from hbrt.testing.exchange_suite_harness import ExchangeSuiteHarness


class ExchangeUserStreamTests:
    """Holder class, so test discovery does not collect the abstract case: :class:`ExchangeUserStreamTests.Tests`."""

    class Tests(ExchangeSuiteHarness.Harness):
        """User-stream event processing tests."""

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

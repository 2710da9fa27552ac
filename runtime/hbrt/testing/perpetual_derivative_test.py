"""The shared perpetual connector test suite: the spot suite plus positions, leverage, modes and funding.

Shaped like Hummingbot's ``AbstractPerpetualDerivativeTests``::

    class FakexPerpetualTests(AbstractPerpetualDerivativeTests.PerpetualDerivativeTests):
        ...  # the spot suite's members, plus the perpetual data members below

As in the spot suite every member a concrete test supplies is *data* (URLs, canned payloads, expected values);
Hummingbot's ``configure_*`` methods exist with default implementations built from them. Orders placed or tracked
by the suite open a position unless a test says otherwise. ``docs/shared-suite.md`` lists every member and test.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal

from hbrt.data_type.common import OrderType, PositionAction, PositionMode, PositionSide, TradeType
from hbrt.data_type.in_flight_order import InFlightOrder, OrderState, OrderUpdate, TradeUpdate
from hbrt.data_type.trade_fee import AddedToCostTradeFee
from hbrt.testing.exchange_connector_test import MockResponse, UrlLike
from hbrt.testing.perpetual_derivative_members import PerpetualDerivativeMembers


class AbstractPerpetualDerivativeTests:
    """Holder class; the test case is :class:`AbstractPerpetualDerivativeTests.PerpetualDerivativeTests`."""

    class PerpetualDerivativeTests(PerpetualDerivativeMembers.Members):
        """Tests every perpetual connector must pass, on top of the spot suite's."""

        # ============================================================================================================
        # Tests: orders open and close positions

        async def _create_with_leverage(
            self, trade_type: TradeType, position_action: PositionAction, leverage: int
        ) -> None:
            self.simulate_trading_rules_initialized()
            url = self.register_response(
                self.order_creation_method,
                self.order_creation_url,
                self.order_creation_request_successful_mock_response,
            )
            self.exchange._perpetual_trading.set_leverage(self.trading_pair, leverage)
            if trade_type == TradeType.BUY:
                order_id = self.place_buy_order(position_action=position_action)
            else:
                order_id = self.place_sell_order(position_action=position_action)
            await self.run_pending()
            await self._assert_created(order_id, trade_type, url)
            logger = self.buy_order_created_logger if trade_type == TradeType.BUY else self.sell_order_created_logger
            self.assertEqual(leverage, logger.event_log[0].leverage)
            self.assertEqual(position_action.value, logger.event_log[0].position)

        async def test_create_buy_limit_order_successfully(self) -> None:
            await self._create_with_leverage(TradeType.BUY, PositionAction.OPEN, 2)

        async def test_create_sell_limit_order_successfully(self) -> None:
            await self._create_with_leverage(TradeType.SELL, PositionAction.OPEN, 3)

        async def test_create_order_to_close_short_position(self) -> None:
            await self._create_with_leverage(TradeType.BUY, PositionAction.CLOSE, 4)

        async def test_create_order_to_close_long_position(self) -> None:
            await self._create_with_leverage(TradeType.SELL, PositionAction.CLOSE, 5)

        async def test_create_orders_in_hedge_mode(self) -> None:
            if PositionMode.HEDGE not in self.exchange.supported_position_modes():
                self.skipTest("the exchange has no hedge mode")
            self.exchange._perpetual_trading.set_position_mode(PositionMode.HEDGE)
            for trade_type in (TradeType.BUY, TradeType.SELL):
                for action in (PositionAction.OPEN, PositionAction.CLOSE):
                    self.buy_order_created_logger.clear()
                    self.sell_order_created_logger.clear()
                    self.mock_api.requests.clear()
                    with self.subTest(side=trade_type.name, action=action.name):
                        await self._create_with_leverage(trade_type, action, 1)

        async def test_order_without_position_action_is_refused(self) -> None:
            self.simulate_trading_rules_initialized()
            with self.assertRaises(ValueError):
                self.exchange.buy(self.trading_pair, Decimal("1"), OrderType.LIMIT, Decimal("10000"))
            with self.assertRaises(ValueError):
                self.place_sell_order(position_action=PositionAction.NIL)
            await self.run_pending()
            self.assertEqual({}, self.exchange.in_flight_orders)
            self.assertEqual({}, dict(self.mock_api.requests))
            self.assertEqual(0, len(self.order_failure_logger.event_log))

        async def test_update_order_status_when_filled(self) -> None:
            self.exchange._perpetual_trading.set_leverage(self.trading_pair, 2)
            await super().test_update_order_status_when_filled()
            if self.is_order_fill_http_update_included_in_status_update:
                fill_event = self.order_filled_logger.event_log[0]
                self.assertEqual(2, fill_event.leverage)
                self.assertEqual(PositionAction.OPEN.value, fill_event.position)

        async def test_user_stream_update_for_order_full_fill(self) -> None:
            self.skip_without_user_stream("polled: test_update_order_status_when_filled")
            leverage = 2
            self.exchange._perpetual_trading.set_leverage(self.trading_pair, leverage)
            order = self.track_order(1, TradeType.SELL)
            if self.is_order_fill_http_update_executed_during_websocket_order_event_processing:
                self.configure_full_fill_trade_response(order)
            unrealized_pnl = Decimal("12")
            position_event = self.position_event_websocket_update(
                -order.amount, order.price or Decimal(0), unrealized_pnl, Decimal(leverage)
            )
            events = [
                self.trade_event_for_full_fill_websocket_update(order),
                self.order_event_for_full_fill_websocket_update(order),
                position_event,
            ]
            await self.process_user_stream_events(events)
            if position_event is None:
                self.configure_positions_response(-order.amount, order.price or Decimal(0), unrealized_pnl, Decimal(2))
                await self.exchange._update_positions()
            self._assert_full_fill_events(order)
            fill_event = self.order_filled_logger.event_log[0]
            self.assertEqual(1, len(self.exchange.account_positions))
            position = self.exchange.account_positions[self.trading_pair]
            self.assertEqual(self.trading_pair, position.trading_pair)
            self.assertEqual(PositionSide.SHORT, position.position_side)
            self.assertEqual(unrealized_pnl, position.unrealized_pnl)
            self.assertEqual(fill_event.price, position.entry_price)
            self.assertEqual(-fill_event.amount, position.amount)
            self.assertEqual(leverage, position.leverage)

        # ============================================================================================================
        # Tests: position mode and leverage

        async def test_supported_position_modes(self) -> None:
            self.assertEqual(self.expected_supported_position_modes, self.exchange.supported_position_modes())

        async def test_set_position_mode_failure(self) -> None:
            mode = self._target_mode()
            url, message = self.configure_failed_set_position_mode(mode)
            self.exchange.set_position_mode(mode)
            await self.run_pending()
            self.assertEqual(1, len(self.executed_requests(url, self.position_mode_method)))
            self.assertTrue(self.is_logged("ERROR", f"Failed to set position mode to {mode}: {message}"))
            event = self.position_mode_failed_logger.event_log[0]
            self.assertEqual(
                (self.trading_pair, mode, message), (event.trading_pair, event.position_mode, event.message)
            )
            self.assertEqual(0, len(self.position_mode_succeeded_logger.event_log))

        async def test_set_position_mode_success(self) -> None:
            modes = [
                mode
                for mode in (PositionMode.HEDGE, PositionMode.ONEWAY)
                if mode in self.expected_supported_position_modes
            ]
            for mode in modes:
                url = self.configure_successful_set_position_mode(mode)
                self.exchange.set_position_mode(mode)
                await self.run_pending()
                request = self.executed_requests(url, self.position_mode_method)[-1]
                self.validate_auth_credentials_present(request)
                self.assertTrue(self.is_logged("INFO", f"Position mode switched to {mode}."))
                self.assertEqual(mode, self.exchange.position_mode)
                event = self.position_mode_succeeded_logger.event_log[-1]
                self.assertEqual((self.exchange.current_timestamp, mode), (event.timestamp, event.position_mode))

        async def test_set_position_mode_reads_the_current_mode_first(self) -> None:
            mode = self._target_mode()
            if not self.configure_position_mode_read(mode):
                self.skipTest("the exchange cannot report its position mode")
            self.exchange.set_position_mode(mode)
            await self.run_pending()
            self.assertEqual([], self.executed_requests(self.position_mode_url, self.position_mode_method))
            self.assertEqual(mode, self.exchange.position_mode)
            self.assertEqual(1, len(self.position_mode_succeeded_logger.event_log))
            self.assertTrue(self.is_logged("INFO", f"Position mode already set to {mode} on exchange."))

        async def test_set_unsupported_position_mode_is_refused(self) -> None:
            unsupported = [mode for mode in PositionMode if mode not in self.expected_supported_position_modes]
            if not unsupported:
                self.skipTest("the exchange supports every position mode")
            self.exchange.set_position_mode(unsupported[0])
            await self.run_pending()
            self.assertEqual({}, dict(self.mock_api.requests))
            self.assertTrue(self.is_logged("ERROR", f"Position mode {unsupported[0]} is not supported. Mode not set."))

        async def test_initialize_position_mode_reads_the_exchange(self) -> None:
            mode = self._target_mode()
            if not self.configure_position_mode_read(mode):
                self.skipTest("the exchange cannot report its position mode")
            await self.exchange._initialize_position_mode()
            self.assertEqual(mode, self.exchange.position_mode)

        async def test_set_leverage_failure(self) -> None:
            url, message = self.configure_failed_set_leverage(2)
            self.exchange.set_leverage(trading_pair=self.trading_pair, leverage=2)
            await self.run_pending()
            self.assertEqual(1, len(self.executed_requests(url, self.leverage_method)))
            self.assertTrue(self.is_logged("NETWORK", f"Error setting leverage 2 for {self.trading_pair}: {message}"))
            self.assertEqual(1, self.exchange.get_leverage(self.trading_pair))

        async def test_set_leverage_success(self) -> None:
            url = self.configure_successful_set_leverage(2)
            self.exchange.set_leverage(trading_pair=self.trading_pair, leverage=2)
            await self.run_pending()
            self.validate_auth_credentials_present(self.executed_requests(url, self.leverage_method)[0])
            self.assertTrue(self.is_logged("INFO", f"Leverage for {self.trading_pair} successfully set to 2."))
            self.assertEqual(2, self.exchange.get_leverage(self.trading_pair))
            # Orders tracked from now on carry the leverage read back.
            self.assertEqual(2, self.track_order(1).leverage)

        # ============================================================================================================
        # Tests: funding information and payments

        def _assert_funding_info(self, ws_updated: bool) -> None:
            info = self.exchange.get_funding_info(self.trading_pair)
            suffix = "_ws_updated" if ws_updated else ""
            self.assertEqual(self.trading_pair, info.trading_pair)
            for field in ("index_price", "mark_price", "next_funding_utc_timestamp", "rate"):
                self.assertEqual(getattr(self, f"target_funding_info_{field}{suffix}"), getattr(info, field), field)

        async def _run_funding_listener(self, until: Callable[[], bool]) -> None:
            self.exchange._perpetual_trading.start()
            listener = asyncio.create_task(self.exchange._listen_for_funding_info())
            try:
                await self.wait_until(until)
            finally:
                listener.cancel()
                await asyncio.gather(listener, return_exceptions=True)

        async def test_listen_for_funding_info_update_initializes_funding_info(self) -> None:
            url = self.configure_funding_info_response()
            await self._run_funding_listener(self.exchange._perpetual_trading.is_funding_info_initialized)
            self.assertEqual(1, len(self.executed_requests(url, self.funding_info_method)))
            self._assert_funding_info(ws_updated=False)
            self.assertTrue(self.exchange.status_dict["funding_info"])

        async def test_listen_for_funding_info_update_updates_funding_info(self) -> None:
            self.configure_funding_info_response()
            data_source = self.exchange._orderbook_ds
            event = self.funding_info_event_for_websocket_update()
            channel = data_source._channel_originating_message(event)
            self.assertEqual(data_source._funding_info_messages_queue_key, channel)
            data_source._message_queue[channel].put_nowait(event)
            target = self.target_funding_info_rate_ws_updated
            await self._run_funding_listener(
                lambda: (
                    self.exchange._perpetual_trading.has_funding_info(self.trading_pair)
                    and self.exchange.get_funding_info(self.trading_pair).rate == target
                )
            )
            self._assert_funding_info(ws_updated=True)

        async def test_funding_info_is_retried_until_fetched(self) -> None:
            self.fast_retries()
            url = self.configure_funding_info_response(MockResponse({"error": "unavailable"}, 503))
            self.configure_funding_info_response()
            await self._run_funding_listener(self.exchange._perpetual_trading.is_funding_info_initialized)
            self.assertEqual(2, len(self.executed_requests(url, self.funding_info_method)))
            self._assert_funding_info(ws_updated=False)
            self.assertTrue(self.is_logged_that_starts_with("NETWORK", "Error fetching the funding info of"))

        async def _next_funding_pass(self, url: UrlLike, calls: int) -> None:
            notifier = self.exchange._funding_fee_poll_notifier
            await self.wait_until(
                lambda: (
                    len(self.executed_requests(url, self.funding_payment_method)) >= calls
                    and bool(getattr(notifier, "_waiters", None))
                )
            )

        async def test_funding_payment_polling_loop_sends_update_event(self) -> None:
            url = self.configure_funding_payment_response(self.empty_funding_payment_mock_response)
            loop = asyncio.create_task(self.exchange._funding_payment_polling_loop())
            try:
                await self._next_funding_pass(url, 1)
                self.assertEqual(0, len(self.funding_payment_logger.event_log))
                for calls in (2, 3):  # a new payment, then the same one again
                    self.configure_funding_payment_response(self.funding_payment_mock_response)
                    self.exchange._funding_fee_poll_notifier.set()
                    await self._next_funding_pass(url, calls)
                    self.assertEqual(1, len(self.funding_payment_logger.event_log))
            finally:
                loop.cancel()
                await asyncio.gather(loop, return_exceptions=True)
            event = self.funding_payment_logger.event_log[0]
            self.assertEqual(self.target_funding_payment_timestamp, event.timestamp)
            self.assertEqual(self.exchange.name, event.market)
            self.assertEqual(self.trading_pair, event.trading_pair)
            self.assertEqual(self.target_funding_payment_payment_amount, event.amount)
            self.assertEqual(self.target_funding_payment_funding_rate, event.funding_rate)

        async def test_funding_payment_first_successful_poll_is_silent(self) -> None:
            url = self.configure_funding_payment_response(MockResponse({"error": "unavailable"}, 503))
            loop = asyncio.create_task(self.exchange._funding_payment_polling_loop())
            try:
                await self._next_funding_pass(url, 1)
                self.configure_funding_payment_response(self.funding_payment_mock_response)
                self.exchange._funding_fee_poll_notifier.set()
                await self._next_funding_pass(url, 2)
            finally:
                loop.cancel()
                await asyncio.gather(loop, return_exceptions=True)
            # The payment existed before the connector could look: it is the baseline, not news.
            self.assertEqual(0, len(self.funding_payment_logger.event_log))
            self.assertTrue(self.is_logged_that_starts_with("NETWORK", "Unexpected error while fetching last fee"))

        async def test_funding_poll_notifier_follows_the_poll_interval(self) -> None:
            interval = self.exchange.funding_fee_poll_interval
            self.exchange.tick(interval * 10 + 1)
            self.assertTrue(self.exchange._funding_fee_poll_notifier.is_set())

        # ============================================================================================================
        # Tests: collateral and positions

        async def test_get_buy_and_sell_collateral_tokens(self) -> None:
            self.configure_trading_rules_response()
            await self.exchange._update_trading_rules()
            self.assertEqual(
                self.expected_buy_collateral_token, self.exchange.get_buy_collateral_token(self.trading_pair)
            )
            self.assertEqual(
                self.expected_sell_collateral_token, self.exchange.get_sell_collateral_token(self.trading_pair)
            )

        async def test_update_positions_opens_changes_and_closes_positions(self) -> None:
            self.configure_positions_response(Decimal("1"), Decimal("10"), Decimal("1.5"), Decimal("3"))
            await self.exchange._update_positions()
            position = self.tracked_position(PositionSide.LONG)
            self.assertIsNotNone(position)
            self.assertEqual(
                (PositionSide.LONG, Decimal("1"), Decimal("10"), Decimal("1.5"), Decimal("3")),
                (
                    position.position_side,
                    position.amount,
                    position.entry_price,
                    position.unrealized_pnl,
                    position.leverage,
                ),
            )
            event = self.position_update_logger.event_log[-1]
            self.assertEqual(
                (self.exchange.current_timestamp, PositionSide.LONG), (event.timestamp, event.position_side)
            )

            self.configure_positions_response(Decimal("-2"), Decimal("11"), Decimal("-4"), Decimal("3"))
            await self.exchange._update_positions()
            position = self.tracked_position(PositionSide.SHORT)
            self.assertEqual((PositionSide.SHORT, Decimal("-2")), (position.position_side, position.amount))
            self.assertEqual(1, len(self.exchange.account_positions))

            self.configure_positions_response(Decimal("0"), Decimal("0"), Decimal("0"), Decimal("3"))
            await self.exchange._update_positions()
            self.assertEqual({}, self.exchange.account_positions)
            self.assertIsNone(self.position_update_logger.event_log[-1].position_side)
            self.assertEqual(3, len(self.position_update_logger.event_log))

        async def test_update_positions_drops_positions_the_answer_no_longer_lists(self) -> None:
            self.configure_positions_response(Decimal("1"), Decimal("10"), Decimal("1"), Decimal("3"))
            await self.exchange._update_positions()
            self.assertEqual(1, len(self.exchange.account_positions))
            self.register_response(
                self.positions_method, self.positions_url, self.positions_request_empty_mock_response
            )
            await self.exchange._update_positions()
            self.assertEqual({}, self.exchange.account_positions)
            self.assertIsNone(self.position_update_logger.event_log[-1].position_side)

        async def test_user_stream_position_update_and_close(self) -> None:
            self.skip_without_user_stream("polled: test_update_positions_opens_changes_and_closes_positions")
            opened = self.position_event_websocket_update(Decimal("1"), Decimal("10"), Decimal("2"), Decimal("4"))
            if opened is None:
                self.skipTest("positions come from REST only: test_update_positions_opens_changes_and_closes_positions")
            await self.process_user_stream_events([opened])
            position = self.tracked_position(PositionSide.LONG)
            self.assertEqual(
                (Decimal("1"), Decimal("10"), Decimal("2")),
                (position.amount, position.entry_price, position.unrealized_pnl),
            )
            closed = self.position_event_websocket_update(Decimal("0"), Decimal("10"), Decimal("0"), Decimal("4"))
            await self.process_user_stream_events([closed])
            self.assertEqual({}, self.exchange.account_positions)
            self.assertIsNone(self.position_update_logger.event_log[-1].position_side)

        async def test_margin_call_updates_position_and_warns(self) -> None:
            self.skip_without_user_stream("margin calls arrive on the user stream")
            if self.margin_call_event_websocket_update(Decimal("1"), Decimal("-5")) is None:
                self.skipTest("the exchange sends no margin call")
            self.configure_positions_response(Decimal("1"), Decimal("10"), Decimal("1"), Decimal("3"))
            await self.exchange._update_positions()
            await self.process_user_stream_events(
                [self.margin_call_event_websocket_update(Decimal("1"), Decimal("-5"))]
            )
            self.assertEqual(Decimal("-5"), self.tracked_position(PositionSide.LONG).unrealized_pnl)
            event = self.margin_call_logger.event_log[0]
            self.assertEqual((self.trading_pair, Decimal("-5")), (event.trading_pair, event.unrealized_pnl))
            self.assertTrue(self.is_logged_that_starts_with("WARNING", "Margin call"))

        async def test_status_poll_refreshes_positions_and_balances(self) -> None:
            self.configure_positions_response(Decimal("1"), Decimal("10"), Decimal("1"), Decimal("3"))
            self.configure_balance_response(self.balance_request_mock_response_for_base_and_quote)
            await self.exchange._status_polling_loop_fetch_updates()
            self.assertIsNotNone(self.tracked_position(PositionSide.LONG))
            self.assertEqual(Decimal("2000"), self.exchange.get_balance(self.quote_asset))

        # ---- available collateral without websocket balance events (overrides the spot semantics) ------------

        def collateral_token(self, trade_type: TradeType) -> str:
            if trade_type == TradeType.BUY:
                return self.exchange.get_buy_collateral_token(self.trading_pair)
            return self.exchange.get_sell_collateral_token(self.trading_pair)

        async def _poll_balances_with_order(
            self, leverage: int, trade_type: TradeType, price: str, amount: str
        ) -> tuple[InFlightOrder, str, Decimal]:
            """Track an order at ``leverage``, poll balances without websocket balance events; return the order, its
            collateral token and the available amount the poll reported."""
            self.simulate_trading_rules_initialized()
            self.exchange.real_time_balance_update = False
            self.exchange._perpetual_trading.set_leverage(self.trading_pair, leverage)
            order = self.track_order(1, trade_type, price=Decimal(price), amount=Decimal(amount))
            self.configure_balance_response(self.balance_request_mock_response_for_base_and_quote)
            await self.exchange._update_all_balances()
            token = self.collateral_token(trade_type)
            return order, token, self.exchange.get_available_balance(token)

        def record_fill(self, order: InFlightOrder, trade_id: str, amount: str) -> None:
            assert order.price is not None
            self.exchange._order_tracker.process_trade_update(
                TradeUpdate(
                    trade_id=trade_id,
                    client_order_id=order.client_order_id,
                    exchange_order_id=order.exchange_order_id or "",
                    trading_pair=self.trading_pair,
                    fill_timestamp=self.start_timestamp,
                    fill_price=order.price,
                    fill_base_amount=Decimal(amount),
                    fill_quote_amount=Decimal(amount) * order.price,
                    fee=AddedToCostTradeFee(),
                )
            )

        async def test_available_balance_without_websocket_balance_events_tracks_orders(self) -> None:
            buy, _, _ = await self._poll_balances_with_order(10, TradeType.BUY, "10000", "0.1")
            token = self.collateral_token(TradeType.SELL)
            polled = self.exchange.get_available_balance(token)
            # An opening order placed after the poll holds amount x price / leverage; a closing one holds nothing.
            self.track_order(2, TradeType.SELL, price=Decimal("1000"), amount=Decimal("2"))
            self.assertEqual(polled - Decimal("200"), self.exchange.get_available_balance(token))
            self.track_order(
                3, TradeType.SELL, price=Decimal("1000"), amount=Decimal("5"), position_action=PositionAction.CLOSE
            )
            self.assertEqual(polled - Decimal("200"), self.exchange.get_available_balance(token))
            self.exchange._order_tracker.process_order_update(
                OrderUpdate(self.trading_pair, self.start_timestamp, OrderState.CANCELED, buy.client_order_id)
            )
            await self.run_pending()
            # The cancelled buy held 0.1 x 10000 / 10 in the buy collateral token.
            released = Decimal("100") if self.collateral_token(TradeType.BUY) == token else Decimal("0")
            self.assertEqual(polled - Decimal("200") + released, self.exchange.get_available_balance(token))

        async def test_available_balance_without_websocket_balance_events_accounts_for_fills(self) -> None:
            order, token, polled = await self._poll_balances_with_order(2, TradeType.BUY, "100", "1")
            self.record_fill(order, "fill-1", "0.4")
            # The margin the order held became position margin: available collateral does not move.
            self.assertEqual(polled, self.exchange.get_available_balance(token))
            closing = self.track_order(
                2, TradeType.SELL, price=Decimal("100"), amount=Decimal("0.4"), position_action=PositionAction.CLOSE
            )
            self.record_fill(closing, "fill-2", "0.4")
            # Closing releases 0.4 x 100 / 2 of position margin in the sell collateral token.
            sell_token = self.collateral_token(TradeType.SELL)
            expected = (polled if sell_token == token else self.exchange._account_available_balances[sell_token]) + 20
            self.assertEqual(expected, self.exchange.get_available_balance(sell_token))
            self.configure_balance_response(self.balance_request_mock_response_for_base_and_quote)
            await self.exchange._update_all_balances()
            self.assertEqual(polled, self.exchange.get_available_balance(token))

"""The data members and helpers of the shared perpetual suite (the tests are in ``perpetual_derivative_test``).

:class:`PerpetualDerivativeMembers.Members` is the spot suite plus everything a concrete perpetual test supplies: URLs,
canned answers and user-stream payloads, expected values (all data, as in the spot suite), and the helpers and
``configure_*`` methods the perpetual tests use. Nested in a holder class so test discovery does not collect it.
"""

from __future__ import annotations

import asyncio
from abc import abstractmethod
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from unittest.mock import patch

from hbrt.connector.perpetual_derivative_py_base import PerpetualDerivativePyBase
from hbrt.data_type.common import OrderType, PositionAction, PositionMode, PositionSide, TradeType
from hbrt.data_type.in_flight_order import InFlightOrder
from hbrt.event.events import AccountEvent, MarketEvent
from hbrt.event.pubsub import EventLogger
from hbrt.testing.exchange_connector_test import AbstractExchangeConnectorTests, UrlLike


class PerpetualDerivativeMembers:
    """Holder class; the members are :class:`PerpetualDerivativeMembers.Members`."""

    class Members(AbstractExchangeConnectorTests.ExchangeConnectorTests):
        """What a concrete perpetual test supplies, and the helpers the perpetual tests share."""

        """Tests every perpetual connector must pass, on top of the spot suite's."""

        exchange: PerpetualDerivativePyBase

        # ---- fixtures: the values the canned funding payloads must carry (Hummingbot's) ------------------------
        target_funding_info_index_price = Decimal("1")
        target_funding_info_mark_price = Decimal("2")
        target_funding_info_next_funding_utc_timestamp = 1657099053
        target_funding_info_rate = Decimal("3")
        target_funding_info_index_price_ws_updated = Decimal("10")
        target_funding_info_mark_price_ws_updated = Decimal("20")
        target_funding_info_next_funding_utc_timestamp_ws_updated = 1657100053
        target_funding_info_rate_ws_updated = Decimal("30")
        target_funding_payment_timestamp = 1657110053
        target_funding_payment_funding_rate = Decimal("100")
        target_funding_payment_payment_amount = Decimal("200")

        # HTTP verbs of the perpetual endpoints.
        funding_info_method: str = "GET"
        funding_payment_method: str = "GET"
        positions_method: str = "GET"
        leverage_method: str = "POST"
        position_mode_method: str = "POST"
        position_mode_read_method: str = "GET"

        # ============================================================================================================
        # URLs

        @property
        @abstractmethod
        def funding_info_url(self) -> UrlLike:
            """URL of the REST funding-information request for :attr:`trading_pair`."""

        @property
        @abstractmethod
        def funding_payment_url(self) -> UrlLike:
            """URL of the funding-payments request."""

        @property
        @abstractmethod
        def positions_url(self) -> UrlLike:
            """URL of the positions request."""

        @property
        @abstractmethod
        def leverage_url(self) -> UrlLike:
            """URL of the set-leverage request."""

        @property
        @abstractmethod
        def position_mode_url(self) -> UrlLike:
            """URL of the set-position-mode request."""

        @property
        def position_mode_read_url(self) -> UrlLike:
            """URL of the request that reads the account's position mode (default: :attr:`position_mode_url`)."""
            return self.position_mode_url

        # ============================================================================================================
        # Canned responses and user-stream payloads

        @property
        @abstractmethod
        def funding_info_mock_response(self) -> Any:
            """REST funding information carrying the ``target_funding_info_*`` values."""

        @property
        @abstractmethod
        def empty_funding_payment_mock_response(self) -> Any:
            """Funding-payments answer listing no payment."""

        @property
        @abstractmethod
        def funding_payment_mock_response(self) -> Any:
            """Funding-payments answer whose latest payment carries the ``target_funding_payment_*`` values."""

        @property
        def funding_payment_extra_responses(self) -> list[tuple[str, UrlLike, Any]]:
            """``(method, url, answer)`` of other requests a funding-payment fetch makes (e.g. for the rate)."""
            return []

        @abstractmethod
        def funding_info_event_for_websocket_update(self) -> Any:
            """Raw websocket message carrying the ``target_funding_info_*_ws_updated`` values."""

        @abstractmethod
        def positions_request_mock_response(
            self, amount: Decimal, entry_price: Decimal, unrealized_pnl: Decimal, leverage: Decimal
        ) -> Any:
            """Positions answer listing one position of :attr:`trading_pair` (``amount`` signed; 0 = closed)."""

        @property
        @abstractmethod
        def positions_request_empty_mock_response(self) -> Any:
            """Positions answer listing no position of :attr:`trading_pair` (the account has none open)."""

        @abstractmethod
        def position_event_websocket_update(
            self, amount: Decimal, entry_price: Decimal, unrealized_pnl: Decimal, leverage: Decimal
        ) -> Any:
            """User-stream event reporting one position of :attr:`trading_pair`, or None when positions only come
            from REST."""

        def margin_call_event_websocket_update(self, amount: Decimal, unrealized_pnl: Decimal) -> Any:
            """User-stream margin call naming the position of :attr:`trading_pair`, or None (the default) when the
            exchange sends none."""
            return None

        @abstractmethod
        def position_mode_request_mock_response(self, mode: PositionMode) -> Any:
            """Answer of the read request saying the account is in ``mode``, or None when the exchange has no such
            request."""

        @abstractmethod
        def set_position_mode_request_successful_mock_response(self, mode: PositionMode) -> Any:
            """Answer accepting the switch to ``mode``."""

        @abstractmethod
        def set_position_mode_request_failed_mock_response(self, mode: PositionMode) -> tuple[Any, str]:
            """``(answer refusing the switch to mode, the message the connector reports)``."""

        @abstractmethod
        def set_leverage_request_successful_mock_response(self, leverage: int) -> Any:
            """Answer accepting ``leverage`` for :attr:`trading_pair`."""

        @abstractmethod
        def set_leverage_request_failed_mock_response(self, leverage: int) -> tuple[Any, str]:
            """``(answer refusing leverage, the message the connector reports)``."""

        # ============================================================================================================
        # Expected values

        @property
        @abstractmethod
        def expected_supported_position_modes(self) -> list[PositionMode]:
            """``supported_position_modes()``."""

        @property
        @abstractmethod
        def expected_buy_collateral_token(self) -> str:
            """Buy collateral token of :attr:`trading_pair` once the trading rules are loaded."""

        @property
        @abstractmethod
        def expected_sell_collateral_token(self) -> str:
            """Sell collateral token of :attr:`trading_pair` once the trading rules are loaded."""

        # ============================================================================================================
        # Set-up and helpers

        async def asyncSetUp(self) -> None:
            await super().asyncSetUp()
            self.funding_payment_logger = EventLogger()
            self.position_update_logger = EventLogger()
            self.margin_call_logger = EventLogger()
            self.position_mode_succeeded_logger = EventLogger()
            self.position_mode_failed_logger = EventLogger()
            for tag, listener in (
                (MarketEvent.FundingPaymentCompleted, self.funding_payment_logger),
                (AccountEvent.PositionUpdate, self.position_update_logger),
                (AccountEvent.MarginCall, self.margin_call_logger),
                (AccountEvent.PositionModeChangeSucceeded, self.position_mode_succeeded_logger),
                (AccountEvent.PositionModeChangeFailed, self.position_mode_failed_logger),
            ):
                self.exchange.add_listener(tag, listener)

        def default_order_options(self) -> dict[str, Any]:
            return {"position_action": PositionAction.OPEN}

        def track_order(
            self,
            order_number: int = 1,
            trade_type: TradeType = TradeType.BUY,
            price: Decimal = Decimal("10000"),
            amount: Decimal = Decimal("1"),
            order_type: OrderType = OrderType.LIMIT,
            with_exchange_order_id: bool = True,
            position_action: PositionAction = PositionAction.OPEN,
        ) -> InFlightOrder:
            """The spot helper, with the order opening (or closing) a position."""
            order = super().track_order(order_number, trade_type, price, amount, order_type, with_exchange_order_id)
            order.position = position_action
            return order

        def order_created_log_line(
            self,
            order_type: OrderType,
            trade_type: TradeType,
            order_id: str,
            amount: Decimal,
            price: Decimal | None,
            order: InFlightOrder,
        ) -> str:
            return (
                f"Created {order_type.name} {trade_type.name} order {order_id} for {amount} to "
                f"{order.position.name} a {self.trading_pair} position at {price}."
            )

        def expected_initial_status_dict(self) -> dict[str, bool]:
            return {**super().expected_initial_status_dict(), "funding_info": False}

        async def wait_until(self, condition: Callable[[], bool]) -> None:
            """Let the event loop run until ``condition()`` holds (at most ``settle_timeout`` seconds)."""
            async with asyncio.timeout(self.settle_timeout):
                while not condition():
                    await asyncio.sleep(0)

        def fast_retries(self) -> None:
            """Make the connector's waits return at once (its ``_sleep`` seam)."""

            async def no_wait(delay: float) -> None:
                await asyncio.sleep(0)

            self.enterContext(patch.object(self.exchange, "_sleep", no_wait))

        def configure_funding_info_response(self, response: Any | None = None) -> UrlLike:
            answer = self.funding_info_mock_response if response is None else response
            return self.register_response(self.funding_info_method, self.funding_info_url, answer)

        def configure_funding_payment_response(self, response: Any) -> UrlLike:
            for method, url, extra in self.funding_payment_extra_responses:
                self.register_response(method, url, extra, repeat=True)
            return self.register_response(self.funding_payment_method, self.funding_payment_url, response)

        def configure_positions_response(
            self, amount: Decimal, entry_price: Decimal, unrealized_pnl: Decimal, leverage: Decimal
        ) -> UrlLike:
            response = self.positions_request_mock_response(amount, entry_price, unrealized_pnl, leverage)
            return self.register_response(self.positions_method, self.positions_url, response)

        def configure_position_mode_read(self, mode: PositionMode) -> bool:
            """Register the read answer ``mode``; False when the exchange cannot read its position mode."""
            response = self.position_mode_request_mock_response(mode)
            if response is None:
                return False
            self.register_response(self.position_mode_read_method, self.position_mode_read_url, response)
            return True

        def configure_successful_set_position_mode(self, position_mode: PositionMode) -> UrlLike:
            self.configure_position_mode_read(self._other_mode(position_mode))
            return self.register_response(
                self.position_mode_method,
                self.position_mode_url,
                self.set_position_mode_request_successful_mock_response(position_mode),
            )

        def configure_failed_set_position_mode(self, position_mode: PositionMode) -> tuple[UrlLike, str]:
            self.configure_position_mode_read(self._other_mode(position_mode))
            response, message = self.set_position_mode_request_failed_mock_response(position_mode)
            return self.register_response(self.position_mode_method, self.position_mode_url, response), message

        def configure_successful_set_leverage(self, leverage: int) -> UrlLike:
            response = self.set_leverage_request_successful_mock_response(leverage)
            return self.register_response(self.leverage_method, self.leverage_url, response)

        def configure_failed_set_leverage(self, leverage: int) -> tuple[UrlLike, str]:
            response, message = self.set_leverage_request_failed_mock_response(leverage)
            return self.register_response(self.leverage_method, self.leverage_url, response), message

        @staticmethod
        def _other_mode(mode: PositionMode) -> PositionMode:
            return PositionMode.ONEWAY if mode == PositionMode.HEDGE else PositionMode.HEDGE

        def _target_mode(self) -> PositionMode:
            modes = self.exchange.supported_position_modes()
            return PositionMode.HEDGE if PositionMode.HEDGE in modes else modes[0]

        def tracked_position(self, side: PositionSide = PositionSide.LONG) -> Any:
            return self.exchange._perpetual_trading.get_position(self.trading_pair, side)

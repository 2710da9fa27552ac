"""Fakex's perpetual connector against the shared perpetual suite, with and without websocket balance events.

The spot data members (URLs, canned answers, user-stream events) are those of ``test_fake_exchange.py``, inherited;
the members below are the perpetual ones, all data, as a generator would emit them.
"""

from __future__ import annotations

import importlib.util
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from fakex import fakex_perpetual_constants as CONSTANTS  # noqa: E402
from fakex import fakex_web_utils as web_utils  # noqa: E402
from fakex.fakex_perpetual_derivative import (  # noqa: E402
    FakexPerpetualDerivative,
    FakexPerpetualWithoutBalanceEvents,
)
from hbrt.data_type.common import PositionAction, PositionMode  # noqa: E402
from hbrt.data_type.in_flight_order import InFlightOrder  # noqa: E402
from hbrt.data_type.trade_fee import AddedToCostTradeFee, TokenAmount, TradeFeeBase  # noqa: E402
from hbrt.testing.exchange_connector_test import MockResponse  # noqa: E402
from hbrt.testing.perpetual_derivative_test import AbstractPerpetualDerivativeTests  # noqa: E402

MS = 1000


def _load_spot_tests() -> Any:
    """The spot Fakex test module under a private name, so its test case is not collected twice."""
    spec = importlib.util.spec_from_file_location("_fakex_spot_tests", HERE / "test_fake_exchange.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_spot = _load_spot_tests()


class FakexPerpetualTests(
    _spot.FakexExchangeTests,  # type: ignore[misc, name-defined]
    AbstractPerpetualDerivativeTests.PerpetualDerivativeTests,
):
    """Every spot and perpetual shared test, on Fakex's perpetual market."""

    # ---- URLs -------------------------------------------------------------------------------------------------------
    funding_info_url = web_utils.public_rest_url(CONSTANTS.FUNDING_INFO_PATH_URL)
    funding_payment_url = web_utils.private_rest_url(CONSTANTS.FUNDING_PAYMENTS_PATH_URL)
    positions_url = web_utils.private_rest_url(CONSTANTS.POSITIONS_PATH_URL)
    leverage_url = web_utils.private_rest_url(CONSTANTS.LEVERAGE_PATH_URL)
    position_mode_url = web_utils.private_rest_url(CONSTANTS.POSITION_MODE_PATH_URL)

    def create_exchange_instance(self) -> FakexPerpetualDerivative:
        return FakexPerpetualDerivative(
            fakex_api_key="testAPIKey", fakex_api_secret="testSecret", trading_pairs=[self.trading_pair]
        )

    # ---- canned answers ---------------------------------------------------------------------------------------------
    @property
    def funding_info_mock_response(self) -> Any:
        return {
            "symbol": self.exchange_trading_pair,
            "indexPrice": str(self.target_funding_info_index_price),
            "markPrice": str(self.target_funding_info_mark_price),
            "lastFundingRate": str(self.target_funding_info_rate),
            "nextFundingTime": self.target_funding_info_next_funding_utc_timestamp * MS,
        }

    empty_funding_payment_mock_response: Any = []

    @property
    def funding_payment_mock_response(self) -> Any:
        return [
            {
                "symbol": self.exchange_trading_pair,
                "income": str(self.target_funding_payment_payment_amount),
                "rate": str(self.target_funding_payment_funding_rate),
                "time": self.target_funding_payment_timestamp * MS,
            },
            {"symbol": self.exchange_trading_pair, "income": "-3", "rate": "1", "time": 1657000000 * MS},
        ]

    def funding_info_event_for_websocket_update(self) -> Any:
        return {
            "channel": CONSTANTS.FUNDING_CHANNEL,
            "data": {
                "s": self.exchange_trading_pair,
                "i": str(self.target_funding_info_index_price_ws_updated),
                "p": str(self.target_funding_info_mark_price_ws_updated),
                "r": str(self.target_funding_info_rate_ws_updated),
                "T": self.target_funding_info_next_funding_utc_timestamp_ws_updated * MS,
            },
        }

    def positions_request_mock_response(
        self, amount: Decimal, entry_price: Decimal, unrealized_pnl: Decimal, leverage: Decimal
    ) -> Any:
        position = {
            "side": "BOTH",
            "amount": str(amount),
            "entryPrice": str(entry_price),
            "unrealizedPnl": str(unrealized_pnl),
            "leverage": str(leverage),
        }
        # A position of a market the connector does not trade is ignored.
        return [{"symbol": self.exchange_trading_pair, **position}, {"symbol": "OTHERHBOT", **position}]

    positions_request_empty_mock_response: Any = []

    def position_event_websocket_update(
        self, amount: Decimal, entry_price: Decimal, unrealized_pnl: Decimal, leverage: Decimal
    ) -> Any:
        data = {"s": self.exchange_trading_pair, "ps": "BOTH", "pa": str(amount), "ep": str(entry_price)}
        return {"e": CONSTANTS.POSITION_EVENT_TYPE, "data": [{**data, "up": str(unrealized_pnl), "l": str(leverage)}]}

    def margin_call_event_websocket_update(self, amount: Decimal, unrealized_pnl: Decimal) -> Any:
        data = {"s": self.exchange_trading_pair, "ps": "BOTH", "pa": str(amount), "up": str(unrealized_pnl)}
        return {"e": CONSTANTS.MARGIN_CALL_EVENT_TYPE, "data": [{**data, "mm": "1.5"}]}

    def position_mode_request_mock_response(self, mode: PositionMode) -> Any:
        return {"hedgeMode": mode == PositionMode.HEDGE}

    def set_position_mode_request_successful_mock_response(self, mode: PositionMode) -> Any:
        return {"code": 200, "msg": "success"}

    def set_position_mode_request_failed_mock_response(self, mode: PositionMode) -> tuple[Any, str]:
        message = "Position side cannot be changed if there exists position."
        return MockResponse({"code": -4068, "msg": message}, 400), message

    def set_leverage_request_successful_mock_response(self, leverage: int) -> Any:
        return {"symbol": self.exchange_trading_pair, "leverage": leverage}

    def set_leverage_request_failed_mock_response(self, leverage: int) -> tuple[Any, str]:
        message = f"Leverage {leverage} is not valid"
        return MockResponse({"code": -4028, "msg": message}, 400), message

    # ---- expected values --------------------------------------------------------------------------------------------
    expected_supported_position_modes = [PositionMode.ONEWAY, PositionMode.HEDGE]
    expected_buy_collateral_token = "HBOT"
    expected_sell_collateral_token = "HBOT"

    @property
    def expected_fill_fee(self) -> TradeFeeBase:
        # Fills of orders that open a position add the fee to the cost.
        return AddedToCostTradeFee(
            percent_token=self.quote_asset, flat_fees=[TokenAmount(token=self.quote_asset, amount=Decimal("30"))]
        )

    def expected_order_creation_request_fields(self, order: InFlightOrder) -> dict[str, Any]:
        fields: dict[str, Any] = super().expected_order_creation_request_fields(order)
        if self.exchange.position_mode == PositionMode.HEDGE:
            opens_long = (order.trade_type.name == "BUY") == (order.position == PositionAction.OPEN)
            fields["positionSide"] = "LONG" if opens_long else "SHORT"
        elif order.position == PositionAction.CLOSE:
            fields["reduceOnly"] = "true"
        return fields


class FakexPerpetualWithoutBalanceEventsTests(FakexPerpetualTests):
    """The same suite for an account whose user stream has no balance events (``real_time_balance_update`` False):
    available collateral is estimated from the connector's orders and fills, with the in-flight order snapshot taken
    at each REST balance poll."""

    def create_exchange_instance(self) -> FakexPerpetualWithoutBalanceEvents:
        return FakexPerpetualWithoutBalanceEvents(
            fakex_api_key="testAPIKey", fakex_api_secret="testSecret", trading_pairs=[self.trading_pair]
        )

    @property
    def balance_event_websocket_update(self) -> Any:
        return None

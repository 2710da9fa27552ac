"""Fakex against the shared connector suite: every member below is data, as a generator would emit it."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakex import fakex_constants as CONSTANTS  # noqa: E402
from fakex import fakex_web_utils as web_utils  # noqa: E402
from fakex.fakex_auth import API_KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER  # noqa: E402
from fakex.fakex_exchange import FakexExchange  # noqa: E402
from hbrt.data_type.common import OrderType  # noqa: E402
from hbrt.data_type.in_flight_order import InFlightOrder  # noqa: E402
from hbrt.data_type.trade_fee import DeductedFromReturnsTradeFee, TokenAmount, TradeFeeBase  # noqa: E402
from hbrt.data_type.trading_rule import TradingRule  # noqa: E402
from hbrt.testing.exchange_connector_test import AbstractExchangeConnectorTests, MockResponse, UrlLike  # noqa: E402

UPDATE_TIME_MS = 1640780000000


class FakexExchangeTests(AbstractExchangeConnectorTests.ExchangeConnectorTests):
    # ---- (a) URLs ---------------------------------------------------------------------------------------------------
    all_symbols_url = web_utils.public_rest_url(CONSTANTS.EXCHANGE_INFO_PATH_URL)
    latest_prices_url = web_utils.public_rest_url(CONSTANTS.TICKER_PRICE_PATH_URL)
    network_status_url = web_utils.public_rest_url(CONSTANTS.PING_PATH_URL)
    trading_rules_url = web_utils.public_rest_url(CONSTANTS.EXCHANGE_INFO_PATH_URL)
    order_creation_url = web_utils.private_rest_url(CONSTANTS.ORDER_PATH_URL)
    balance_url = web_utils.private_rest_url(CONSTANTS.ACCOUNTS_PATH_URL)
    server_time_url = web_utils.public_rest_url(CONSTANTS.SERVER_TIME_PATH_URL)

    def order_cancelation_url(self, order: InFlightOrder) -> UrlLike:
        return web_utils.private_rest_url(CONSTANTS.ORDER_PATH_URL)

    def order_status_url(self, order: InFlightOrder) -> UrlLike:
        return web_utils.private_rest_url(CONSTANTS.ORDER_PATH_URL)

    def trades_url(self, order: InFlightOrder) -> UrlLike:
        return web_utils.private_rest_url(CONSTANTS.MY_TRADES_PATH_URL)

    # ---- (b) canned responses ---------------------------------------------------------------------------------------
    def _symbol(self, base: str, quote: str, status: str = "TRADING") -> dict[str, Any]:
        return {
            "symbol": self.exchange_symbol_for_tokens(base, quote),
            "base": base,
            "quote": quote,
            "status": status,
            "tickSize": "0.01",
            "stepSize": "0.001",
            "minQty": "0.01",
            "minNotional": "10",
        }

    @property
    def all_symbols_request_mock_response(self) -> Any:
        return {"symbols": [self._symbol(self.base_asset, self.quote_asset)]}

    @property
    def all_symbols_including_invalid_pair_mock_response(self) -> tuple[str, Any]:
        return "INVALID-PAIR", {
            "symbols": [self._symbol(self.base_asset, self.quote_asset), self._symbol("INVALID", "PAIR", "HALTED")]
        }

    @property
    def latest_prices_request_mock_response(self) -> Any:
        return {"symbol": self.exchange_trading_pair, "price": "9999.9"}

    network_status_request_successful_mock_response: Any = {}

    @property
    def trading_rules_request_mock_response(self) -> Any:
        return self.all_symbols_request_mock_response

    @property
    def trading_rules_request_erroneous_mock_response(self) -> Any:
        return {
            "symbols": [
                {
                    "symbol": self.exchange_trading_pair,
                    "base": self.base_asset,
                    "quote": self.quote_asset,
                    "status": "TRADING",
                }
            ]
        }

    @property
    def order_creation_request_successful_mock_response(self) -> Any:
        return {
            "orderId": self.expected_exchange_order_id,
            "clientOrderId": "x",
            "transactTime": UPDATE_TIME_MS,
            "status": "NEW",
        }

    @property
    def balance_request_mock_response_for_base_and_quote(self) -> Any:
        return {
            "balances": [
                {"asset": self.base_asset, "free": "10", "locked": "5"},
                {"asset": self.quote_asset, "free": "2000", "locked": "0"},
            ]
        }

    @property
    def balance_request_mock_response_only_base(self) -> Any:
        return {"balances": [{"asset": self.base_asset, "free": "10", "locked": "5"}]}

    @property
    def balance_event_websocket_update(self) -> Any:
        return {"e": "balance", "data": [{"a": self.base_asset, "f": "10", "l": "5"}]}

    server_time_request_mock_response: Any = {"serverTime": UPDATE_TIME_MS}
    time_synchronizer_error_mock_response = MockResponse(
        payload={"code": 1021, "msg": "Timestamp outside of the receive window"}, status=400
    )

    def order_cancelation_request_successful_mock_response(self, order: InFlightOrder) -> Any:
        return {"orderId": order.exchange_order_id, "clientOrderId": order.client_order_id, "status": "CANCELED"}

    def order_cancelation_request_not_found_mock_response(self, order: InFlightOrder) -> Any:
        return MockResponse(payload={"code": 2011, "msg": "Unknown order sent"}, status=400)

    def _order_status(self, order: InFlightOrder, status: str, executed: str) -> dict[str, Any]:
        return {
            "orderId": order.exchange_order_id,
            "clientOrderId": order.client_order_id,
            "status": status,
            "executedQty": executed,
            "updateTime": UPDATE_TIME_MS,
        }

    def order_status_request_open_mock_response(self, order: InFlightOrder) -> Any:
        return self._order_status(order, "NEW", "0")

    def order_status_request_partially_filled_mock_response(self, order: InFlightOrder) -> Any:
        return self._order_status(order, "PARTIALLY_FILLED", str(self.expected_partial_fill_amount))

    def order_status_request_completely_filled_mock_response(self, order: InFlightOrder) -> Any:
        return self._order_status(order, "FILLED", str(order.amount))

    def order_status_request_canceled_mock_response(self, order: InFlightOrder) -> Any:
        return self._order_status(order, "CANCELED", "0")

    def order_status_request_failed_mock_response(self, order: InFlightOrder) -> Any:
        return self._order_status(order, "REJECTED", "0")

    def order_status_request_not_found_mock_response(self, order: InFlightOrder) -> Any:
        return MockResponse(payload={"code": 2013, "msg": "Order does not exist"}, status=400)

    def _fill(self, order: InFlightOrder, price: Decimal, amount: Decimal) -> dict[str, Any]:
        return {
            "id": self.expected_fill_trade_id,
            "orderId": order.exchange_order_id,
            "price": str(price),
            "qty": str(amount),
            "quoteQty": str(price * amount),
            "commission": "30",
            "commissionAsset": self.quote_asset,
            "time": UPDATE_TIME_MS,
            "isMaker": False,
        }

    def trades_request_partial_fill_mock_response(self, order: InFlightOrder) -> Any:
        return [self._fill(order, self.expected_partial_fill_price, self.expected_partial_fill_amount)]

    def trades_request_full_fill_mock_response(self, order: InFlightOrder) -> Any:
        return [self._fill(order, order.price, order.amount)]

    # ---- (c) expected values ----------------------------------------------------------------------------------------
    expected_latest_price = Decimal("9999.9")
    expected_supported_order_types = [OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET]
    expected_logged_error_for_erroneous_trading_rule = "Error parsing the trading pair rule"
    expected_exchange_order_id = "28"
    expected_partial_fill_price = Decimal("10500")
    expected_partial_fill_amount = Decimal("0.5")
    expected_fill_trade_id = "30000"

    @property
    def expected_trading_rule(self) -> TradingRule:
        return TradingRule(
            trading_pair=self.trading_pair,
            min_order_size=Decimal("0.01"),
            min_price_increment=Decimal("0.01"),
            min_base_amount_increment=Decimal("0.001"),
            min_notional_size=Decimal("10"),
        )

    @property
    def expected_fill_fee(self) -> TradeFeeBase:
        return DeductedFromReturnsTradeFee(
            percent_token=self.quote_asset, flat_fees=[TokenAmount(token=self.quote_asset, amount=Decimal("30"))]
        )

    # ---- (d) flags --------------------------------------------------------------------------------------------------
    is_order_fill_http_update_included_in_status_update = True
    is_order_fill_http_update_executed_during_websocket_order_event_processing = False

    # ---- (e) factories ----------------------------------------------------------------------------------------------
    def exchange_symbol_for_tokens(self, base_token: str, quote_token: str) -> str:
        return f"{base_token}{quote_token}"

    def create_exchange_instance(self) -> FakexExchange:
        return FakexExchange(
            fakex_api_key="testAPIKey", fakex_api_secret="testSecret", trading_pairs=[self.trading_pair]
        )

    # ---- (f) request expectations -----------------------------------------------------------------------------------
    auth_header_keys = (API_KEY_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER)

    def expected_order_creation_request_fields(self, order: InFlightOrder) -> dict[str, Any]:
        return {
            "symbol": self.exchange_trading_pair,
            "side": order.trade_type.name,
            "type": order.order_type.name,
            "quantity": order.amount,
            "price": order.price,
            "clientOrderId": order.client_order_id,
        }

    def expected_order_cancelation_request_fields(self, order: InFlightOrder) -> dict[str, Any]:
        return {"symbol": self.exchange_trading_pair, "clientOrderId": order.client_order_id}

    def expected_order_status_request_fields(self, order: InFlightOrder) -> dict[str, Any]:
        return {"symbol": self.exchange_trading_pair, "clientOrderId": order.client_order_id}

    def expected_trades_request_fields(self, order: InFlightOrder) -> dict[str, Any]:
        return {"symbol": self.exchange_trading_pair, "orderId": order.exchange_order_id}

    # ---- (h) user stream --------------------------------------------------------------------------------------------
    def _order_event(self, order: InFlightOrder, status: str) -> dict[str, Any]:
        return {
            "e": "order",
            "data": {
                "c": order.client_order_id,
                "i": order.exchange_order_id,
                "s": self.exchange_trading_pair,
                "X": status,
                "T": UPDATE_TIME_MS,
            },
        }

    def order_event_for_new_order_websocket_update(self, order: InFlightOrder) -> Any:
        return self._order_event(order, "NEW")

    def order_event_for_canceled_order_websocket_update(self, order: InFlightOrder) -> Any:
        return self._order_event(order, "CANCELED")

    def order_event_for_full_fill_websocket_update(self, order: InFlightOrder) -> Any:
        return self._order_event(order, "FILLED")

    def trade_event_for_full_fill_websocket_update(self, order: InFlightOrder) -> Any:
        return {
            "e": "trade",
            "data": {
                "t": self.expected_fill_trade_id,
                "c": order.client_order_id,
                "i": order.exchange_order_id,
                "s": self.exchange_trading_pair,
                "p": str(order.price),
                "q": str(order.amount),
                "n": "30",
                "N": self.quote_asset,
                "T": UPDATE_TIME_MS,
            },
        }

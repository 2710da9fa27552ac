"""The Fakex connector: every abstract member of ExchangePyBase, against a small made-up REST/WS API.

API shapes (all JSON; errors are ``{"code": <int>, "msg": <str>}`` with an HTTP 4xx status):

* ``GET /exchangeInfo`` -> ``{"symbols": [{"symbol", "base", "quote", "status", "tickSize", "stepSize", "minQty",
  "minNotional"}]}`` (trading rules and pairs come from the same answer)
* ``GET /ticker/price?symbol=`` -> ``{"symbol", "price"}``; ``GET /ping`` -> ``{}``; ``GET /time`` ->
  ``{"serverTime": <ms>}``
* ``POST /order`` (signed) body ``{"symbol", "side", "type", "quantity", "price"?, "clientOrderId"}`` ->
  ``{"orderId", "clientOrderId", "transactTime", "status"}``
* ``DELETE /order?symbol=&clientOrderId=`` (signed) -> ``{"orderId", "clientOrderId", "status": "CANCELED"}``
* ``GET /order?symbol=&clientOrderId=`` (signed) -> ``{"orderId", "clientOrderId", "status", "updateTime", ...}``
* ``GET /myTrades?symbol=&orderId=`` (signed) -> ``[{"id", "orderId", "price", "qty", "quoteQty", "commission",
  "commissionAsset", "time", "isMaker"}]``
* ``GET /account`` (signed) -> ``{"balances": [{"asset", "free", "locked"}]}``
* user stream: ``{"e": "order", "data": {"c", "i", "s", "X", "T"}}``, ``{"e": "trade", "data": {"t", "c", "i",
  "s", "p", "q", "n", "N", "T"}}``, ``{"e": "balance", "data": [{"a", "f", "l"}]}``
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hbrt.api_throttler.data_types import RateLimit
from hbrt.connector.exchange_py_base import ExchangePyBase, s_decimal_NaN
from hbrt.data_type.common import OrderType, PositionAction, TradeType
from hbrt.data_type.in_flight_order import InFlightOrder, OrderUpdate, TradeUpdate
from hbrt.data_type.trade_fee import TokenAmount, TradeFeeBase, build_trade_fee
from hbrt.data_type.trading_rule import TradingRule
from hbrt.web_assistant.auth import AuthBase
from hbrt.web_assistant.web_assistants_factory import WebAssistantsFactory

from fakex import fakex_constants as CONSTANTS
from fakex import fakex_utils, fakex_web_utils
from fakex.fakex_api_order_book_data_source import FakexAPIOrderBookDataSource
from fakex.fakex_api_user_stream_data_source import FakexAPIUserStreamDataSource
from fakex.fakex_auth import FakexAuth


class FakexExchange(ExchangePyBase):
    """Spot connector for Fakex. The constructor calls ``super().__init__()`` first (no ordering constraint)."""

    web_utils = fakex_web_utils

    def __init__(
        self,
        fakex_api_key: str,
        fakex_api_secret: str,
        balance_asset_limit: dict[str, dict[str, Decimal]] | None = None,
        rate_limits_share_pct: Decimal = Decimal("100"),
        trading_pairs: list[str] | None = None,
        trading_required: bool = True,
        domain: str = CONSTANTS.DEFAULT_DOMAIN,
    ) -> None:
        super().__init__(balance_asset_limit=balance_asset_limit, rate_limits_share_pct=rate_limits_share_pct)
        self.api_key = fakex_api_key
        self.secret_key = fakex_api_secret
        self._domain = domain
        self._trading_required = trading_required
        self._trading_pairs = trading_pairs if trading_pairs is not None else []

    # ---- identity and wiring ------------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return CONSTANTS.EXCHANGE_NAME if self._domain == CONSTANTS.DEFAULT_DOMAIN else f"fakex_{self._domain}"

    @property
    def authenticator(self) -> AuthBase:
        return FakexAuth(api_key=self.api_key, secret_key=self.secret_key, time_provider=self._time_synchronizer)

    @property
    def rate_limits_rules(self) -> list[RateLimit]:
        return CONSTANTS.RATE_LIMITS

    @property
    def domain(self) -> str:
        return self._domain

    @property
    def client_order_id_max_length(self) -> int:
        return CONSTANTS.MAX_ORDER_ID_LEN

    @property
    def client_order_id_prefix(self) -> str:
        return CONSTANTS.HBOT_ORDER_ID_PREFIX

    @property
    def trading_rules_request_path(self) -> str:
        return CONSTANTS.EXCHANGE_INFO_PATH_URL

    @property
    def trading_pairs_request_path(self) -> str:
        return CONSTANTS.EXCHANGE_INFO_PATH_URL

    @property
    def check_network_request_path(self) -> str:
        return CONSTANTS.PING_PATH_URL

    @property
    def trading_pairs(self) -> list[str]:
        return self._trading_pairs

    @property
    def is_cancel_request_in_exchange_synchronous(self) -> bool:
        return True

    @property
    def is_trading_required(self) -> bool:
        return self._trading_required

    def supported_order_types(self) -> list[OrderType]:
        return [OrderType.LIMIT, OrderType.LIMIT_MAKER, OrderType.MARKET]

    def _create_web_assistants_factory(self) -> WebAssistantsFactory:
        return fakex_web_utils.build_api_factory(
            throttler=self._throttler, time_synchronizer=self._time_synchronizer, domain=self._domain, auth=self._auth
        )

    def _create_order_book_data_source(self) -> FakexAPIOrderBookDataSource:
        return FakexAPIOrderBookDataSource(
            trading_pairs=self._trading_pairs,
            connector=self,
            api_factory=self._web_assistants_factory,
            domain=self.domain,
        )

    def _create_user_stream_data_source(self) -> FakexAPIUserStreamDataSource:
        return FakexAPIUserStreamDataSource(
            auth=self._auth, api_factory=self._web_assistants_factory, domain=self.domain
        )

    # ---- error classification -----------------------------------------------------------------------------------

    def _is_request_exception_related_to_time_synchronizer(self, request_exception: Exception) -> bool:
        text = str(request_exception)
        return str(CONSTANTS.TIMESTAMP_ERROR_CODE) in text and CONSTANTS.TIMESTAMP_ERROR_MESSAGE in text

    def _is_order_not_found_during_status_update_error(self, status_update_exception: Exception) -> bool:
        text = str(status_update_exception)
        return str(CONSTANTS.ORDER_NOT_EXIST_ERROR_CODE) in text and CONSTANTS.ORDER_NOT_EXIST_MESSAGE in text

    def _is_order_not_found_during_cancelation_error(self, cancelation_exception: Exception) -> bool:
        text = str(cancelation_exception)
        return str(CONSTANTS.UNKNOWN_ORDER_ERROR_CODE) in text and CONSTANTS.UNKNOWN_ORDER_MESSAGE in text

    # ---- orders -------------------------------------------------------------------------------------------------

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
        body = await self._order_request_body(order_id, trading_pair, amount, trade_type, order_type, price, **kwargs)
        response = await self._api_post(path_url=CONSTANTS.ORDER_PATH_URL, data=body, is_auth_required=True)
        return str(response["orderId"]), response["transactTime"] * 1e-3

    async def _order_request_body(
        self,
        order_id: str,
        trading_pair: str,
        amount: Decimal,
        trade_type: TradeType,
        order_type: OrderType,
        price: Decimal,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """The place-order body (the perpetual connector adds its position parameters)."""
        body: dict[str, Any] = {
            "symbol": await self.exchange_symbol_associated_to_pair(trading_pair),
            "side": CONSTANTS.SIDE_BUY if trade_type == TradeType.BUY else CONSTANTS.SIDE_SELL,
            "type": order_type.name,
            "quantity": f"{amount:f}",
            "clientOrderId": order_id,
        }
        if order_type.is_limit_type():
            body["price"] = f"{price:f}"
        return body

    async def _place_cancel(self, order_id: str, tracked_order: InFlightOrder) -> bool:
        response = await self._api_delete(
            path_url=CONSTANTS.ORDER_PATH_URL,
            params={
                "symbol": await self.exchange_symbol_associated_to_pair(tracked_order.trading_pair),
                "clientOrderId": order_id,
            },
            is_auth_required=True,
        )
        return response.get("status") == "CANCELED"

    async def _request_order_status(self, tracked_order: InFlightOrder) -> OrderUpdate:
        response = await self._api_get(
            path_url=CONSTANTS.ORDER_PATH_URL,
            params={
                "symbol": await self.exchange_symbol_associated_to_pair(tracked_order.trading_pair),
                "clientOrderId": tracked_order.client_order_id,
            },
            is_auth_required=True,
        )
        return OrderUpdate(
            trading_pair=tracked_order.trading_pair,
            update_timestamp=response["updateTime"] * 1e-3,
            new_state=CONSTANTS.ORDER_STATE[response["status"]],
            client_order_id=tracked_order.client_order_id,
            exchange_order_id=str(response["orderId"]),
        )

    async def _all_trade_updates_for_order(self, order: InFlightOrder) -> list[TradeUpdate]:
        if order.exchange_order_id is None:
            return []
        fills = await self._api_get(
            path_url=CONSTANTS.MY_TRADES_PATH_URL,
            params={
                "symbol": await self.exchange_symbol_associated_to_pair(order.trading_pair),
                "orderId": order.exchange_order_id,
            },
            is_auth_required=True,
        )
        return [
            self._trade_update(
                order,
                trade_id=str(fill["id"]),
                price=fill["price"],
                amount=fill["qty"],
                fee_amount=fill["commission"],
                fee_asset=fill["commissionAsset"],
                timestamp_ms=fill["time"],
            )
            for fill in fills
        ]

    def _trade_update(
        self,
        order: InFlightOrder,
        trade_id: str,
        price: Any,
        amount: Any,
        fee_amount: Any,
        fee_asset: str,
        timestamp_ms: float,
    ) -> TradeUpdate:
        fill_price = Decimal(str(price))
        fill_amount = Decimal(str(amount))
        fee = TradeFeeBase.new_spot_fee(
            fee_schema=self.trade_fee_schema(),
            trade_type=order.trade_type,
            percent_token=fee_asset,
            flat_fees=[TokenAmount(token=fee_asset, amount=Decimal(str(fee_amount)))],
        )
        return TradeUpdate(
            trade_id=trade_id,
            client_order_id=order.client_order_id,
            exchange_order_id=order.exchange_order_id,
            trading_pair=order.trading_pair,
            fill_timestamp=timestamp_ms * 1e-3,
            fill_price=fill_price,
            fill_base_amount=fill_amount,
            fill_quote_amount=fill_amount * fill_price,
            fee=fee,
        )

    # ---- fees, rules, symbols, prices, balances -----------------------------------------------------------------

    def trade_fee_schema(self) -> Any:
        return fakex_utils.DEFAULT_FEES

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
        return self._estimate_fee(order_type, order_side, amount, price, is_maker)

    def _estimate_fee(
        self,
        order_type: OrderType,
        order_side: TradeType,
        amount: Decimal,
        price: Decimal,
        is_maker: bool | None,
        position_action: PositionAction | None = None,
    ) -> TradeFeeBase:
        """The configured fee schema applied to an order (a perpetual fee when ``position_action`` is given)."""
        return build_trade_fee(
            self.trade_fee_schema(),
            is_maker=bool(is_maker) or order_type == OrderType.LIMIT_MAKER,
            order_type=order_type,
            order_side=order_side,
            amount=amount,
            price=price,
            position_action=position_action,
        )

    async def _update_trading_fees(self) -> None:
        """Fakex has no fee endpoint: the configured schema applies."""

    async def _format_trading_rules(self, exchange_info: Any) -> list[TradingRule]:
        rules: list[TradingRule] = []
        for info in exchange_info.get("symbols", []):
            if not fakex_utils.is_exchange_information_valid(info):
                continue
            try:
                trading_pair = await self.trading_pair_associated_to_exchange_symbol(info["symbol"])
                rules.append(
                    TradingRule(
                        trading_pair=trading_pair,
                        min_order_size=Decimal(info["minQty"]),
                        min_price_increment=Decimal(info["tickSize"]),
                        min_base_amount_increment=Decimal(info["stepSize"]),
                        min_notional_size=Decimal(info["minNotional"]),
                    )
                )
            except Exception:
                self.logger().exception(f"Error parsing the trading pair rule {info}. Skipping.")
        return rules

    def _initialize_trading_pair_symbols_from_exchange_info(self, exchange_info: Any) -> None:
        mapping = {
            info["symbol"]: f"{info['base']}-{info['quote']}"
            for info in exchange_info.get("symbols", [])
            if fakex_utils.is_exchange_information_valid(info)
        }
        self._set_trading_pair_symbol_map(mapping)

    async def _get_last_traded_price(self, trading_pair: str) -> Decimal:
        response = await self._api_get(
            path_url=CONSTANTS.TICKER_PRICE_PATH_URL,
            params={"symbol": await self.exchange_symbol_associated_to_pair(trading_pair)},
        )
        return Decimal(str(response["price"]))

    async def _update_balances(self) -> None:
        response = await self._api_get(path_url=CONSTANTS.ACCOUNTS_PATH_URL, is_auth_required=True)
        seen: set[str] = set()
        for entry in response["balances"]:
            asset = entry["asset"]
            free = Decimal(str(entry["free"]))
            self._account_available_balances[asset] = free
            self._account_balances[asset] = free + Decimal(str(entry["locked"]))
            seen.add(asset)
        for asset in set(self._account_balances) - seen:
            self._account_balances.pop(asset, None)
            self._account_available_balances.pop(asset, None)

    # ---- user stream --------------------------------------------------------------------------------------------

    async def _user_stream_event_listener(self) -> None:
        await self._user_stream_event_loop(self._process_user_stream_event)

    async def _process_user_stream_event(self, event: dict[str, Any]) -> None:
        event_type = event.get("e")
        data = event["data"]
        if event_type == CONSTANTS.ORDER_EVENT_TYPE:
            order = self._order_tracker.all_updatable_orders.get(data["c"])
            if order is not None:
                self._order_tracker.process_order_update(
                    OrderUpdate(
                        trading_pair=order.trading_pair,
                        update_timestamp=data["T"] * 1e-3,
                        new_state=CONSTANTS.ORDER_STATE[data["X"]],
                        client_order_id=order.client_order_id,
                        exchange_order_id=str(data["i"]),
                    )
                )
        elif event_type == CONSTANTS.TRADE_EVENT_TYPE:
            order = self._order_tracker.all_fillable_orders.get(data["c"])
            if order is not None:
                self._order_tracker.process_trade_update(
                    self._trade_update(
                        order,
                        trade_id=str(data["t"]),
                        price=data["p"],
                        amount=data["q"],
                        fee_amount=data["n"],
                        fee_asset=data["N"],
                        timestamp_ms=data["T"],
                    )
                )
        elif event_type == CONSTANTS.BALANCE_EVENT_TYPE:
            for entry in data:
                free = Decimal(str(entry["f"]))
                self._account_available_balances[entry["a"]] = free
                self._account_balances[entry["a"]] = free + Decimal(str(entry["l"]))

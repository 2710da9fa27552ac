"""Fakex's perpetual connector: the Fakex spot connector plus every perpetual member (hand-written test fixture).

It reuses the spot connector's identity, signing, order endpoints and parsers by inheritance and adds positions,
leverage, the position mode and funding (API shapes in ``fakex_perpetual_constants``). Method resolution puts
:class:`FakexExchange` before :class:`PerpetualDerivativePyBase`, so every member whose spot and perpetual forms
differ is defined here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hbrt.api_throttler.data_types import RateLimit
from hbrt.connector.derivative.position import MarginCallEntry, PositionEntry
from hbrt.connector.exchange_py_base import s_decimal_NaN
from hbrt.connector.perpetual_derivative_py_base import PerpetualDerivativePyBase
from hbrt.data_type.common import OrderType, PositionAction, PositionMode, PositionSide, TradeType
from hbrt.data_type.in_flight_order import InFlightOrder, TradeUpdate
from hbrt.data_type.trade_fee import TradeFeeBase
from hbrt.web_assistant.connections.data_types import RESTMethod

from fakex import fakex_constants as SPOT
from fakex import fakex_perpetual_constants as CONSTANTS
from fakex.fakex_exchange import FakexExchange
from fakex.fakex_perpetual_api_order_book_data_source import FakexPerpetualAPIOrderBookDataSource


class FakexPerpetualDerivative(FakexExchange, PerpetualDerivativePyBase):
    """Perpetual connector for Fakex (one-way and hedge modes, collateral in the quote asset)."""

    @property
    def name(self) -> str:
        return CONSTANTS.EXCHANGE_NAME

    @property
    def rate_limits_rules(self) -> list[RateLimit]:
        return CONSTANTS.RATE_LIMITS

    @property
    def funding_fee_poll_interval(self) -> int:
        return CONSTANTS.FUNDING_FEE_POLL_INTERVAL

    def supported_position_modes(self) -> list[PositionMode]:
        return [PositionMode.ONEWAY, PositionMode.HEDGE]

    def get_buy_collateral_token(self, trading_pair: str) -> str:
        rule = self._trading_rules.get(trading_pair)
        return rule.buy_order_collateral_token if rule is not None else trading_pair.split("-")[1]

    def get_sell_collateral_token(self, trading_pair: str) -> str:
        rule = self._trading_rules.get(trading_pair)
        return rule.sell_order_collateral_token if rule is not None else trading_pair.split("-")[1]

    def _create_order_book_data_source(self) -> FakexPerpetualAPIOrderBookDataSource:
        return FakexPerpetualAPIOrderBookDataSource(
            trading_pairs=self._trading_pairs,
            connector=self,
            api_factory=self._web_assistants_factory,
            domain=self.domain,
        )

    # ---- orders and fills ---------------------------------------------------------------------------------------

    async def _order_request_body(
        self,
        order_id: str,
        trading_pair: str,
        amount: Decimal,
        trade_type: TradeType,
        order_type: OrderType,
        price: Decimal,
        position_action: PositionAction = PositionAction.NIL,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """The spot body plus the position parameters: ``positionSide`` in hedge mode, ``reduceOnly`` when a
        one-way order closes. (The spot ``_place_order`` passes ``position_action`` on through its kwargs.)"""
        body = await super()._order_request_body(order_id, trading_pair, amount, trade_type, order_type, price)
        if self.position_mode == PositionMode.HEDGE:
            opens_long = (trade_type == TradeType.BUY) == (position_action == PositionAction.OPEN)
            body["positionSide"] = "LONG" if opens_long else "SHORT"
        elif position_action == PositionAction.CLOSE:
            body["reduceOnly"] = "true"
        return body

    def _trade_update(self, order: InFlightOrder, *args: Any, **kwargs: Any) -> TradeUpdate:
        """The spot fill with a perpetual fee (added to cost when it opens a position)."""
        update = super()._trade_update(order, *args, **kwargs)
        fee = TradeFeeBase.new_perpetual_fee(
            fee_schema=self.trade_fee_schema(),
            position_action=order.position,
            percent_token=update.fee.percent_token,
            flat_fees=update.fee.flat_fees,
        )
        return update._replace(fee=fee)

    def _get_fee(  # type: ignore[override]
        self,
        base_currency: str,
        quote_currency: str,
        order_type: OrderType,
        order_side: TradeType,
        position_action: PositionAction,
        amount: Decimal,
        price: Decimal = s_decimal_NaN,
        is_maker: bool | None = None,
    ) -> TradeFeeBase:
        return self._estimate_fee(order_type, order_side, amount, price, is_maker, position_action)

    # ---- positions, leverage, mode, funding ---------------------------------------------------------------------

    async def _position_entry(self, data: dict[str, Any]) -> PositionEntry | None:
        try:
            trading_pair = await self.trading_pair_associated_to_exchange_symbol(data["symbol"])
        except KeyError:
            return None  # a position of a market this connector does not trade
        return PositionEntry(
            trading_pair=trading_pair,
            position_side=PositionSide[data["side"]],
            amount=Decimal(str(data["amount"])),
            entry_price=Decimal(str(data["entryPrice"])),
            unrealized_pnl=Decimal(str(data["unrealizedPnl"])),
            leverage=Decimal(str(data["leverage"])),
        )

    async def _update_positions(self) -> None:
        positions = await self._api_get(path_url=CONSTANTS.POSITIONS_PATH_URL, is_auth_required=True)
        entries = [await self._position_entry(position) for position in positions]
        self._apply_position_snapshot(entry for entry in entries if entry is not None)

    async def _fetch_account_position_mode(self) -> PositionMode | None:
        response = await self._api_get(path_url=CONSTANTS.POSITION_MODE_PATH_URL, is_auth_required=True)
        return PositionMode.HEDGE if response["hedgeMode"] else PositionMode.ONEWAY

    async def _trading_pair_position_mode_set(self, mode: PositionMode, trading_pair: str) -> tuple[bool, str]:
        response = await self._api_request(
            path_url=CONSTANTS.POSITION_MODE_PATH_URL,
            method=RESTMethod.POST,
            data={"hedgeMode": mode == PositionMode.HEDGE},
            is_auth_required=True,
            return_err=True,
        )
        if response.get("code") == 200:
            return True, ""
        return False, str(response.get("msg"))

    async def _set_trading_pair_leverage(self, trading_pair: str, leverage: int) -> tuple[bool, str]:
        response = await self._api_request(
            path_url=CONSTANTS.LEVERAGE_PATH_URL,
            method=RESTMethod.POST,
            data={"symbol": await self.exchange_symbol_associated_to_pair(trading_pair), "leverage": leverage},
            is_auth_required=True,
            return_err=True,
        )
        if response.get("leverage") == leverage:
            return True, ""
        return False, str(response.get("msg", "Unable to set leverage"))

    async def _fetch_last_fee_payment(self, trading_pair: str) -> tuple[float, Decimal, Decimal]:
        payments = await self._api_get(
            path_url=CONSTANTS.FUNDING_PAYMENTS_PATH_URL,
            params={"symbol": await self.exchange_symbol_associated_to_pair(trading_pair), "incomeType": "FUNDING_FEE"},
            is_auth_required=True,
        )
        if not payments:
            return 0, Decimal(-1), Decimal(-1)
        latest = max(payments, key=lambda payment: payment["time"])
        return latest["time"] / 1000, Decimal(str(latest["rate"])), Decimal(str(latest["income"]))

    # ---- user stream --------------------------------------------------------------------------------------------

    async def _process_user_stream_event(self, event: dict[str, Any]) -> None:
        event_type = event.get("e")
        if event_type == CONSTANTS.POSITION_EVENT_TYPE:
            for data in event["data"]:
                entry = await self._position_entry(
                    {
                        "symbol": data["s"],
                        "side": data["ps"],
                        "amount": data["pa"],
                        "entryPrice": data["ep"],
                        "unrealizedPnl": data["up"],
                        "leverage": data["l"],
                    }
                )
                if entry is not None:
                    self._apply_position_entry(entry)
        elif event_type == CONSTANTS.MARGIN_CALL_EVENT_TYPE:
            self._process_margin_call(
                [
                    MarginCallEntry(
                        trading_pair=await self.trading_pair_associated_to_exchange_symbol(data["s"]),
                        position_side=PositionSide[data["ps"]],
                        amount=Decimal(str(data["pa"])),
                        unrealized_pnl=Decimal(str(data["up"])),
                        maintenance_margin=Decimal(str(data["mm"])),
                    )
                    for data in event["data"]
                ]
            )
        else:
            await super()._process_user_stream_event(event)


class FakexPerpetualWithoutBalanceEvents(FakexPerpetualDerivative):
    """Fakex perpetual for an account whose user stream carries no balance events: available collateral is
    estimated from the connector's own orders and fills between REST balance polls."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.real_time_balance_update = False

    async def _process_user_stream_event(self, event: dict[str, Any]) -> None:
        if event.get("e") == SPOT.BALANCE_EVENT_TYPE:
            raise ValueError("this account's user stream carries no balance events")
        await super()._process_user_stream_event(event)

"""``GatewayLp``: liquidity on AMM and CLMM providers, on top of swaps (Hummingbot's LP methods of ``Gateway``).

Reads: the pool of a pair from Gateway's pool list, ``pool-info``, ``position-info`` and ``positions-owned``.
Transactions: ``add_liquidity`` (CLMM ``open-position`` with a price range, or ``add-liquidity`` to a position
given by its address; AMM ``add-liquidity``) and ``remove_liquidity`` (CLMM ``close-position`` for 100 %,
``remove-liquidity`` otherwise; AMM ``remove-liquidity``) and ``collect_fees`` (CLMM ``collect-fees``).
Each is tracked as a ``range-<pair>-<nonce>`` order (``TradeType.RANGE``, ``AMM_ADD``/``AMM_REMOVE``) whose
transaction is followed like a swap's; on confirmation it completes and ``RangePositionLiquidityAdded`` or
``...Removed`` (``RangePositionFeeCollected`` for fees) is emitted with the amounts the reply reported, on failure
``RangePositionUpdateFailure`` (plus the order failure). A liquidity transaction is sent once, never retried.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from hbrt.data_type.common import OrderType, TradeType
from hbrt.data_type.in_flight_order import OrderState
from hbrt.event.events import (
    MarketEvent,
    RangePositionFeeCollectedEvent,
    RangePositionLiquidityAddedEvent,
    RangePositionLiquidityRemovedEvent,
    RangePositionUpdateFailureEvent,
)
from hbrt.gateway.common import TradingType, TxStatus, connector_id
from hbrt.gateway.gateway_in_flight_order import GatewayInFlightOrder
from hbrt.gateway.gateway_swap import GatewaySwap, _error_type

_ADDED = ("baseTokenAmountAdded", "quoteTokenAmountAdded")
_REMOVED = ("baseTokenAmountRemoved", "quoteTokenAmountRemoved")
_COLLECTED = ("baseFeeAmountCollected", "quoteFeeAmountCollected")
_COLLECT_ROUTE = "collect-fees"


def _decimal(data: Mapping[str, Any], key: str) -> Decimal:
    value = data.get(key)
    return Decimal(str(value)) if value is not None else Decimal(0)


class GatewayLp(GatewaySwap):
    """Swaps plus liquidity. ``lp_trading_type`` picks AMM or CLMM; by default the trading type when it has pools
    (a ``uniswap/amm`` connector provides AMM liquidity, as in Hummingbot), else the DEX's last pool type."""

    def __init__(self, *args: Any, lp_trading_type: TradingType | str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pools = [kind for kind in self.TRADING_TYPES if kind.has_pools]
        trading = self.trading_type
        default = trading if trading is not None and trading.has_pools else (pools[-1] if pools else None)
        chosen = TradingType(lp_trading_type) if lp_trading_type is not None else default
        if chosen is None or chosen not in pools:
            raise ValueError(f"{self.DEX or 'This connector'} has no {chosen.value if chosen else 'pool'} liquidity.")
        self._lp_type: TradingType = chosen
        self._pool_addresses: dict[str, str] = {}

    @property
    def lp_connector(self) -> str:
        """``<dex>/amm`` or ``<dex>/clmm``: where the liquidity routes live."""
        return connector_id(self.dex, self._lp_type)

    @property
    def lp_trading_type(self) -> TradingType:
        return self._lp_type

    # ---- reads --------------------------------------------------------------------------------------------------

    async def get_pool_address(self, trading_pair: str) -> str:
        """The pool Gateway's pool list holds for ``trading_pair`` (cached)."""
        if trading_pair not in self._pool_addresses:
            pool = await self._gateway.get_pool(
                trading_pair, self.dex, self._require(self._network, "network"), self._lp_type
            )
            self._pool_addresses[trading_pair] = str(pool["address"])
        return self._pool_addresses[trading_pair]

    async def get_pool_info(self, trading_pair: str) -> dict[str, Any]:
        address = await self.get_pool_address(trading_pair)
        reply = await self._gateway.lp_get(
            self.lp_connector, "pool-info", {"network": self._network, "poolAddress": address}
        )
        return dict(reply)

    async def get_position_info(
        self, trading_pair: str | None = None, position_address: str | None = None
    ) -> dict[str, Any]:
        """A CLMM position by address, or the wallet's AMM position in the pair's pool."""
        params: dict[str, Any] = {"network": self._network, "walletAddress": self._wallet_address}
        if self._lp_type == TradingType.CLMM:
            if position_address is None:
                raise ValueError("A CLMM position is read by its position address.")
            params["positionAddress"] = position_address
        else:
            if trading_pair is None:
                raise ValueError("An AMM position is read by its trading pair's pool.")
            params["poolAddress"] = await self.get_pool_address(trading_pair)
        return dict(await self._gateway.lp_get(self.lp_connector, "position-info", params))

    async def get_user_positions(self) -> list[dict[str, Any]]:
        """Every CLMM position the wallet owns (``positions-owned``)."""
        if self._lp_type != TradingType.CLMM:
            raise ValueError("positions-owned exists for CLMM providers only.")
        reply = await self._gateway.lp_get(
            self.lp_connector, "positions-owned", {"network": self._network, "walletAddress": self._wallet_address}
        )
        return [dict(item) for item in reply] if isinstance(reply, list) else []

    # ---- transactions -------------------------------------------------------------------------------------------

    def add_liquidity(
        self,
        trading_pair: str,
        base_amount: Decimal,
        quote_amount: Decimal,
        lower_price: Decimal | None = None,
        upper_price: Decimal | None = None,
        slippage_pct: Decimal | None = None,
        position_address: str | None = None,
    ) -> str:
        """Open a CLMM position over [lower_price, upper_price], add to the CLMM position ``position_address``, or
        add to the AMM pool; returns the order id."""
        clmm = self._lp_type == TradingType.CLMM
        if clmm and position_address is None and (lower_price is None or upper_price is None):
            raise ValueError("A CLMM position needs lower_price and upper_price (or the address of one to add to).")
        if not clmm and position_address is not None:
            raise ValueError("An AMM position is the wallet's share of the pool; it has no position address.")
        body: dict[str, Any] = {
            "baseTokenAmount": base_amount,
            "quoteTokenAmount": quote_amount,
            "slippagePct": slippage_pct if slippage_pct is not None else self._slippage_pct,
        }
        route = "add-liquidity"
        if position_address is not None:
            body["positionAddress"] = position_address
        elif clmm:
            route = "open-position"
            body.update({"lowerPrice": lower_price, "upperPrice": upper_price})
        return self._start_lp(trading_pair, OrderType.AMM_ADD, route, body, base_amount, lower_price, upper_price)

    def remove_liquidity(
        self, trading_pair: str, percentage: Decimal = Decimal(100), position_address: str | None = None
    ) -> str:
        """Remove ``percentage`` of the AMM position, or of a CLMM position (100 % closes it)."""
        body: dict[str, Any] = {}
        route = "remove-liquidity"
        if self._lp_type == TradingType.CLMM:
            if position_address is None:
                raise ValueError("A CLMM position is removed by its position address.")
            body["positionAddress"] = position_address
            if percentage >= 100:
                route = "close-position"
            else:
                body["percentageToRemove"] = percentage
        else:
            body["percentageToRemove"] = percentage
        return self._start_lp(trading_pair, OrderType.AMM_REMOVE, route, body, Decimal(0), None, None)

    def collect_fees(self, trading_pair: str, position_address: str) -> str:
        """Collect the fees the CLMM position ``position_address`` earned; returns the order id. (An AMM position's
        fees stay in the pool and come out with the liquidity.)"""
        if self._lp_type != TradingType.CLMM:
            raise ValueError("collect-fees exists for CLMM positions only; AMM fees come out with the liquidity.")
        body = {"positionAddress": position_address}
        return self._start_lp(trading_pair, OrderType.AMM_REMOVE, _COLLECT_ROUTE, body, Decimal(0), None, None)

    def _start_lp(
        self,
        trading_pair: str,
        order_type: OrderType,
        route: str,
        body: dict[str, Any],
        amount: Decimal,
        lower_price: Decimal | None,
        upper_price: Decimal | None,
    ) -> str:
        order_id = self.create_market_order_id(TradeType.RANGE, trading_pair)
        order = self.start_tracking_order(
            order_id, trading_pair, TradeType.RANGE, amount, None, order_type, initial_state=OrderState.OPEN
        )
        order.metadata.update({"route": route, "lower_price": lower_price, "upper_price": upper_price})
        if body.get("positionAddress"):
            order.metadata["positionAddress"] = body["positionAddress"]
        self._spawn(self._execute_lp(order, route, body))
        return order_id

    async def _execute_lp(self, order: GatewayInFlightOrder, route: str, body: dict[str, Any]) -> None:
        body = {**body, "network": self._network, "walletAddress": self._wallet_address}
        if self._lp_type == TradingType.AMM or route == "open-position":
            body["poolAddress"] = await self.get_pool_address(order.trading_pair)
        try:
            reply = await self._gateway.lp_transaction(self.lp_connector, route, body)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self._fail_order(order, f"{route} failed: {error}", _error_type(error))
            self._emit_lp_failure(order)
            return
        signature = reply.get("signature")
        if not signature:
            self._fail_order(order, f"Gateway returned no signature for {route}: {reply}", "GatewayError")
            self._emit_lp_failure(order)
            return
        data = reply.get("data") or {}
        order.metadata.update({key: value for key, value in data.items() if not isinstance(value, dict | list)})
        if data.get("fee") is not None:
            order.gas_cost = Decimal(str(data["fee"]))
        self._record_transaction(order, str(signature), OrderState.OPEN)
        if reply.get("status") == TxStatus.CONFIRMED:
            await self._on_transaction_confirmed(order, order.gas_cost, None)
        elif reply.get("status") == TxStatus.FAILED and self.traits.failed_execute_is_final:
            self._on_transaction_failed(order, f"{route} transaction {signature} failed.")

    async def _on_transaction_confirmed(
        self, order: GatewayInFlightOrder, fee: Decimal | None, amounts: tuple[Decimal, Decimal] | None
    ) -> None:
        if order.order_type not in (OrderType.AMM_ADD, OrderType.AMM_REMOVE):
            await super()._on_transaction_confirmed(order, fee, amounts)
            return
        trade_fee = self._fee_of(order, fee)
        metadata = order.metadata
        now = self.current_timestamp
        tx_hash = str(order.exchange_order_id)
        position = str(metadata.get("positionAddress") or "")
        if metadata.get("route") == _COLLECT_ROUTE:
            base, quote = (_decimal(metadata, key) for key in _COLLECTED)
            event: Any = RangePositionFeeCollectedEvent(
                now, order.client_order_id, tx_hash, order.trading_pair, position, trade_fee, base, quote
            )
            tag = MarketEvent.RangePositionFeeCollected
        elif order.order_type == OrderType.AMM_ADD:
            base, quote = (_decimal(metadata, key) for key in _ADDED)
            event = RangePositionLiquidityAddedEvent(
                now,
                order.client_order_id,
                tx_hash,
                order.trading_pair,
                Decimal(str(metadata.get("lower_price") or 0)),
                Decimal(str(metadata.get("upper_price") or 0)),
                base,
                self.lp_connector,
                order.creation_timestamp,
                trade_fee,
                position_address=position,
                base_amount=base,
                quote_amount=quote,
            )
            tag = MarketEvent.RangePositionLiquidityAdded
        else:
            base, quote = (_decimal(metadata, key) for key in _REMOVED)
            event = RangePositionLiquidityRemovedEvent(
                now,
                order.client_order_id,
                tx_hash,
                order.trading_pair,
                position,
                trade_fee,
                order.creation_timestamp,
                position_address=position,
                base_amount=base,
                quote_amount=quote,
            )
            tag = MarketEvent.RangePositionLiquidityRemoved
        await self._process_update(order, OrderState.COMPLETED)
        self.trigger_event(tag, event)
        self._schedule_balance_update()

    def _on_transaction_failed(self, order: GatewayInFlightOrder, message: str) -> None:
        super()._on_transaction_failed(order, message)
        if order.order_type in (OrderType.AMM_ADD, OrderType.AMM_REMOVE):
            self._emit_lp_failure(order)

    def _emit_lp_failure(self, order: GatewayInFlightOrder) -> None:
        action = "ADD" if order.order_type == OrderType.AMM_ADD else "REMOVE"
        if order.metadata.get("route") == _COLLECT_ROUTE:
            action = "COLLECT"
        self.trigger_event(
            MarketEvent.RangePositionUpdateFailure,
            RangePositionUpdateFailureEvent(self.current_timestamp, order.client_order_id, action),
        )

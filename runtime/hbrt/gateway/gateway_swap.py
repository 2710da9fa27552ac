"""``GatewaySwap``: swaps through a router, AMM or CLMM provider (Hummingbot's ``Gateway`` connector).

Quotes come from ``GET trading/swap/quote`` (cached ``QUOTE_CACHE_TTL`` seconds); ``buy``/``sell`` track an
``AMM_SWAP`` order, emit its created event, and send ``POST trading/swap/execute`` once. The reply settles it:

* status 1 with amounts: filled from the reply (SELL: base = ``amountIn``; BUY: base = ``amountOut``), fee
  ``data.fee`` in the native currency; where the chain reports wallet deltas (Solana) the native leg is corrected
  by the fee so the fill shows what was traded;
* status 1 without amounts, status 0 (pending), and status -1 where that may mean "not confirmed yet": the order
  stays OPEN with the signature as exchange order id, and the poll loop settles it;
* status -1 where it is final, or an error: FAILED.

Deliberate differences from Hummingbot: **an execute is never sent twice.** Hummingbot's retry wrapper answers a
pending reply or a ``TRANSACTION_TIMEOUT`` error with a *new* execute (up to ten swaps for one order); here a
pending reply is followed by polling its signature, and an error or a lost reply (timeout, broken connection)
fails the order without resending, with a message saying the swap may have executed, and balances are refreshed
at once so the wallet shows what happened.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, ClassVar

from hbrt.connector.client_order_tracker import TTLCache
from hbrt.connector.utils import get_tracking_nonce
from hbrt.data_type.common import OrderType, TradeType
from hbrt.data_type.in_flight_order import OrderState
from hbrt.gateway.common import TxStatus
from hbrt.gateway.gateway_base import GatewayBase, s_decimal_0, s_decimal_NaN
from hbrt.gateway.gateway_in_flight_order import APPROVAL_PAIR_SUFFIX, GatewayInFlightOrder
from hbrt.gateway.transport import GatewayError, GatewayTimeoutError, GatewayUnavailableError


class GatewaySwap(GatewayBase):
    """Swap connector. ``slippage_pct`` (percent) is sent with every quote and execute when set; otherwise
    Gateway applies the provider's configured slippage."""

    QUOTE_CACHE_TTL: ClassVar[float] = 5.0
    QUOTE_CACHE_SIZE: ClassVar[int] = 256
    DEFAULT_SLIPPAGE_PCT: ClassVar[Decimal | None] = None

    def __init__(self, *args: Any, slippage_pct: Decimal | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._slippage_pct = slippage_pct if slippage_pct is not None else self.DEFAULT_SLIPPAGE_PCT
        self._quote_cache: TTLCache[dict[str, Any]] = TTLCache(self.QUOTE_CACHE_SIZE, self.QUOTE_CACHE_TTL)

    @property
    def slippage_pct(self) -> Decimal | None:
        return self._slippage_pct

    # ---- quotes -------------------------------------------------------------------------------------------------

    async def get_quote(
        self,
        trading_pair: str,
        is_buy: bool,
        amount: Decimal,
        slippage_pct: Decimal | None = None,
        ignore_cache: bool = False,
    ) -> dict[str, Any]:
        """The provider's quote for ``amount`` base units (raises :class:`GatewayError` when Gateway cannot)."""
        side = "BUY" if is_buy else "SELL"
        slippage = slippage_pct if slippage_pct is not None else self._slippage_pct
        key = "|".join((trading_pair, side, str(amount), str(self._connector_name), str(slippage)))
        if not ignore_cache and key in self._quote_cache:
            return self._quote_cache[key]
        base, quote = trading_pair.split("-", 1)
        reply = await self._gateway.quote_swap(
            self._require(self._chain, "chain"),
            self._require(self._network, "network"),
            self._connector_name,
            base,
            quote,
            amount,
            side,
            slippage,
        )
        self._quote_cache[key] = reply
        return reply

    async def get_quote_price(
        self,
        trading_pair: str,
        is_buy: bool,
        amount: Decimal,
        slippage_pct: Decimal | None = None,
        ignore_cache: bool = False,
    ) -> Decimal | None:
        """Quote per base for a swap of ``amount``; None (logged) when Gateway has no quote, as Hummingbot does."""
        try:
            reply = await self.get_quote(trading_pair, is_buy, amount, slippage_pct, ignore_cache)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.logger().network(f"No {trading_pair} quote from {self._connector_name}: {error}")
            return None
        price = reply.get("price")
        return Decimal(str(price)) if price is not None else None

    async def get_order_price(self, trading_pair: str, is_buy: bool, amount: Decimal) -> Decimal | None:
        return await self.get_quote_price(trading_pair, is_buy, amount)

    # ---- orders -------------------------------------------------------------------------------------------------

    def buy(
        self,
        trading_pair: str,
        amount: Decimal,
        order_type: OrderType = OrderType.AMM_SWAP,
        price: Decimal = s_decimal_NaN,
        **kwargs: Any,
    ) -> str:
        """Swap quote for ``amount`` base in the background; return the client order id at once."""
        return self.place_order(True, trading_pair, amount, price, **kwargs)

    def sell(
        self,
        trading_pair: str,
        amount: Decimal,
        order_type: OrderType = OrderType.AMM_SWAP,
        price: Decimal = s_decimal_NaN,
        **kwargs: Any,
    ) -> str:
        """Swap ``amount`` base for quote in the background; return the client order id at once."""
        return self.place_order(False, trading_pair, amount, price, **kwargs)

    def place_order(self, is_buy: bool, trading_pair: str, amount: Decimal, price: Decimal, **kwargs: Any) -> str:
        trade_type = TradeType.BUY if is_buy else TradeType.SELL
        order_id = self.create_market_order_id(trade_type, trading_pair)
        self._spawn(self._create_order(trade_type, order_id, trading_pair, amount, price, **kwargs))
        return order_id

    async def _create_order(
        self,
        trade_type: TradeType,
        order_id: str,
        trading_pair: str,
        amount: Decimal,
        price: Decimal = s_decimal_NaN,
        slippage_pct: Decimal | None = None,
        **_unused: Any,
    ) -> None:
        """Track, price (from a fresh quote when no price is given), announce, execute once, settle the reply."""
        amount = self.quantize_order_amount(trading_pair, amount)
        order = self.start_tracking_order(
            order_id, trading_pair, trade_type, amount, None if price.is_nan() else price, OrderType.AMM_SWAP
        )
        if amount <= s_decimal_0:
            self._fail_order(order, f"The amount is below the {trading_pair} quantum.", "ValueError")
            return
        is_buy = trade_type == TradeType.BUY
        try:
            if order.price is None:
                quote = await self.get_quote(trading_pair, is_buy, amount, slippage_pct)
                order.price = Decimal(str(quote["price"]))
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self._fail_order(order, f"No quote for the swap: {error}", _error_type(error))
            return
        await self._process_update(order, OrderState.OPEN)  # the created event, before the (blocking) execute
        base, quote_token = trading_pair.split("-", 1)
        try:
            reply = await self._gateway.execute_swap(
                self._require(self._chain, "chain"),
                self._require(self._network, "network"),
                self._connector_name,
                base,
                quote_token,
                amount,
                "BUY" if is_buy else "SELL",
                self._require(self._wallet_address, "wallet address"),
                slippage_pct if slippage_pct is not None else self._slippage_pct,
            )
        except asyncio.CancelledError:
            raise
        except (GatewayTimeoutError, GatewayUnavailableError) as error:
            sent = getattr(error, "request_sent", True)
            note = " The swap may have executed; check the balances." if sent else ""
            self._fail_order(order, f"{error}.{note}", type(error).__name__)
            return
        except Exception as error:
            self._fail_order(order, str(error), _error_type(error))
            return
        await self._process_transaction_reply(order, reply)

    async def _process_transaction_reply(self, order: GatewayInFlightOrder, reply: Mapping[str, Any]) -> None:
        """Settle an execute reply ``{signature, status, data?}`` (see the module docstring)."""
        signature = reply.get("signature")
        status = reply.get("status")
        if not signature:
            self._fail_order(order, f"Gateway returned no transaction signature: {dict(reply)}", "GatewayError")
            return
        data = reply.get("data") or {}
        if data.get("fee") is not None:
            order.gas_cost = Decimal(str(data["fee"]))
        self._record_transaction(order, str(signature), OrderState.OPEN)
        if status == TxStatus.CONFIRMED:
            amounts = self._reply_amounts(order, data)
            if amounts is not None:
                await self._on_transaction_confirmed(order, order.gas_cost, amounts)
        elif status == TxStatus.FAILED and self.traits.failed_execute_is_final:
            self._on_transaction_failed(order, f"Transaction {signature} failed (execute status -1).")
        # Otherwise (pending, or not yet confirmed): the poll loop follows the signature; nothing is resent.

    def _reply_amounts(self, order: GatewayInFlightOrder, data: Mapping[str, Any]) -> tuple[Decimal, Decimal] | None:
        """(base, quote) the swap moved according to the reply, None when it carries no positive amounts."""
        amount_in = Decimal(str(data.get("amountIn") or 0))
        amount_out = Decimal(str(data.get("amountOut") or 0))
        if amount_in <= 0 or amount_out <= 0:
            return None
        is_buy = order.trade_type == TradeType.BUY
        base_amount, quote_amount = (amount_out, amount_in) if is_buy else (amount_in, amount_out)
        fee = order.gas_cost or s_decimal_0
        if self.traits.reply_amounts_are_wallet_deltas and fee:
            native = self._native_currency
            # The native leg's wallet delta includes the fee: paid on top when it goes out, taken off when it comes in.
            if order.base_asset == native:
                base_amount = base_amount + fee if is_buy else base_amount - fee
            elif order.quote_asset == native:
                quote_amount = quote_amount - fee if is_buy else quote_amount + fee
        return base_amount, quote_amount

    # ---- approvals and allowances (EVM) -------------------------------------------------------------------------

    def _require_allowances(self) -> None:
        if not self.traits.has_allowances:
            raise ValueError(f"{self._chain} has no token allowances; nothing to approve.")

    async def get_allowances(
        self, tokens: Iterable[str] | None = None, spender: str | None = None
    ) -> dict[str, Decimal]:
        """Allowance per token for ``spender`` (default: the swap provider's connector id)."""
        self._require_allowances()
        symbols = list(tokens) if tokens is not None else sorted(self._balance_tokens() - {self._native_currency or ""})
        reply = await self._gateway.get_allowances(
            self._require(self._chain, "chain"),
            self._require(self._network, "network"),
            self._require(self._wallet_address, "wallet address"),
            symbols,
            spender or self._require(self._connector_name, "swap provider"),
        )
        return {str(token): Decimal(str(value)) for token, value in (reply.get("approvals") or {}).items()}

    async def approve_token(self, token: str, spender: str | None = None, amount: Decimal | None = None) -> str:
        """Approve ``spender`` (default: the swap provider) to spend ``token``; ``amount`` None approves the maximum.

        Tracks an ``approve-<token>-<nonce>`` order on pair ``<TOKEN>-APPROVAL`` in PENDING_APPROVAL; it becomes
        APPROVED when the transaction confirms (Gateway usually waits for the receipt) or FAILED. Returns its id.
        """
        self._require_allowances()
        order_id = f"approve-{token.lower()}-{get_tracking_nonce()}"
        order = self.start_tracking_order(
            order_id,
            f"{token}{APPROVAL_PAIR_SUFFIX}",
            TradeType.BUY,
            amount or s_decimal_0,
            s_decimal_0,
            OrderType.LIMIT,
            initial_state=OrderState.PENDING_APPROVAL,
        )
        try:
            reply = await self._gateway.approve_token(
                self._require(self._chain, "chain"),
                self._require(self._network, "network"),
                self._require(self._wallet_address, "wallet address"),
                token,
                spender or self._require(self._connector_name, "swap provider"),
                amount,
            )
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self._fail_order(order, f"Approval of {token} failed: {error}", _error_type(error))
            return order_id
        signature = reply.get("signature")
        if not signature:
            self._fail_order(order, f"Gateway returned no approval signature: {reply}", "GatewayError")
            return order_id
        data = reply.get("data") or {}
        if data.get("fee") is not None:
            order.gas_cost = Decimal(str(data["fee"]))
        self._record_transaction(order, str(signature), OrderState.PENDING_APPROVAL)
        if reply.get("status") == TxStatus.CONFIRMED:
            await self._process_update(order, OrderState.APPROVED)
            self._schedule_balance_update()
        elif reply.get("status") == TxStatus.FAILED:
            self._on_transaction_failed(order, f"Approval transaction {signature} failed.")
        return order_id

    def is_approval_pending(self, token: str) -> bool:
        pair = f"{token}{APPROVAL_PAIR_SUFFIX}"
        return any(order.trading_pair == pair and order.is_pending_approval for order in self.gateway_orders)


def _error_type(error: BaseException) -> str:
    """Gateway's error code when it sent one, else the exception's class name."""
    if isinstance(error, GatewayError) and error.code:
        return error.code
    return type(error).__name__

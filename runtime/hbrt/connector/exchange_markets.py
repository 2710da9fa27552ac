"""Markets of a spot connector: the trading-pair symbol map, order books and prices, quantisation of prices and
amounts, fee estimates, and trading rules."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from hbrt.connector.exchange_core import ExchangeCore, s_decimal_0, s_decimal_NaN
from hbrt.connector.trading_pair_symbol_map import TradingPairSymbolMap
from hbrt.data_type.common import OrderType, TradeType
from hbrt.data_type.trade_fee import TradeFeeBase

if TYPE_CHECKING:  # market-data classes are imported where they are built, keeping this module light
    from hbrt.data_type.order_book import OrderBook


class ExchangeMarkets(ExchangeCore):
    """Trading pairs, symbols, order books, prices, quantisation, fees and trading rules."""

    def trading_pair_symbol_map_ready(self) -> bool:
        return self._trading_pair_symbol_map is not None and len(self._trading_pair_symbol_map) > 0

    # ------------------------------------------------------------------------------------------------------------
    # Trading pairs and symbols

    async def trading_pair_symbol_map(self) -> TradingPairSymbolMap:
        """Exchange symbol -> trading pair; initialised lazily (once, under a lock); empty if that failed."""
        if not self.trading_pair_symbol_map_ready():
            async with self._mapping_initialization_lock:
                if not self.trading_pair_symbol_map_ready():
                    await self._initialize_trading_pair_symbol_map()
        return self._trading_pair_symbol_map or TradingPairSymbolMap()

    def _set_trading_pair_symbol_map(
        self, trading_pair_and_symbol_map: Mapping[str, str] | None, other_names: Mapping[str, str] | None = None
    ) -> None:
        """Install ``{exchange symbol: trading pair}`` (any mapping; None clears it), and the ``other_names``
        messages may give the same pairs (see :class:`TradingPairSymbolMap`)."""
        if trading_pair_and_symbol_map is None:
            self._trading_pair_symbol_map = None
        else:
            self._trading_pair_symbol_map = TradingPairSymbolMap(trading_pair_and_symbol_map, other_names)

    async def _initialize_trading_pair_symbol_map(self) -> None:
        try:
            exchange_info = await self._make_trading_pairs_request()
            self._initialize_trading_pair_symbols_from_exchange_info(exchange_info=exchange_info)
        except asyncio.CancelledError:
            raise
        except Exception:
            self.logger().exception("There was an error requesting exchange info.")

    async def all_trading_pairs(self) -> list[str]:
        """Every pair the exchange lists (empty when the request fails)."""
        mapping = await self.trading_pair_symbol_map()
        return list(mapping.values())

    async def exchange_symbol_associated_to_pair(self, trading_pair: str) -> str:
        """Exchange symbol of ``trading_pair``; KeyError when unknown."""
        mapping = await self.trading_pair_symbol_map()
        return mapping.inverse[trading_pair]

    async def trading_pair_associated_to_exchange_symbol(self, symbol: str) -> str:
        """Trading pair of an exchange ``symbol``; KeyError when unknown."""
        mapping = self._trading_pair_symbol_map
        if mapping is not None:  # the common case, once per market message: no readiness check, no lock
            pair = mapping.pair_of(symbol)
            if pair is not None:
                return pair
        mapping = await self.trading_pair_symbol_map()
        return mapping[symbol]

    async def get_last_traded_prices(self, trading_pairs: list[str]) -> dict[str, Decimal]:
        """Last traded price per pair, one request per pair through :meth:`_get_last_traded_price`."""
        prices = await asyncio.gather(*(self._get_last_traded_price(pair) for pair in trading_pairs))
        return dict(zip(trading_pairs, prices, strict=True))

    async def _make_trading_rules_request(self) -> Any:
        return await self._api_get(path_url=self.trading_rules_request_path)

    async def _make_trading_pairs_request(self) -> Any:
        return await self._api_get(path_url=self.trading_pairs_request_path)

    # ------------------------------------------------------------------------------------------------------------
    # Order books, prices, quantisation, fees

    async def add_trading_pair(self, trading_pair: str) -> bool:
        """Start tracking the order book of ``trading_pair`` while running (delegates to the tracker)."""
        added = bool(await self._order_book_tracker.add_trading_pair(trading_pair))
        if added and trading_pair not in self.trading_pairs:
            self.trading_pairs.append(trading_pair)
        return added

    async def remove_trading_pair(self, trading_pair: str) -> bool:
        """Stop tracking the order book of ``trading_pair`` (delegates to the tracker)."""
        removed = bool(await self._order_book_tracker.remove_trading_pair(trading_pair))
        if removed and trading_pair in self.trading_pairs:
            self.trading_pairs.remove(trading_pair)
        return removed

    def get_order_book(self, trading_pair: str) -> OrderBook:
        order_books = self._order_book_tracker.order_books
        if trading_pair not in order_books:
            raise ValueError(f"No order book exists for '{trading_pair}'.")
        return order_books[trading_pair]

    def get_price(self, trading_pair: str, is_buy: bool) -> Decimal:
        """Best ask (``is_buy``) or best bid from the local order book."""
        return Decimal(str(self.get_order_book(trading_pair).get_price(is_buy)))

    def get_order_price_quantum(self, trading_pair: str, price: Decimal) -> Decimal:
        return self._trading_rules[trading_pair].min_price_increment

    def get_order_size_quantum(self, trading_pair: str, order_size: Decimal) -> Decimal:
        return self._trading_rules[trading_pair].min_base_amount_increment

    def quantize_order_price(self, trading_pair: str, price: Decimal) -> Decimal:
        """Floor ``price`` to a multiple of the pair's price increment (NaN passes through)."""
        if price.is_nan():
            return price
        quantum = self.get_order_price_quantum(trading_pair, price)
        return (price // quantum) * quantum

    def quantize_order_amount(self, trading_pair: str, amount: Decimal, price: Decimal = s_decimal_0) -> Decimal:
        """Floor ``amount`` to a multiple of the pair's base amount increment."""
        quantum = self.get_order_size_quantum(trading_pair, amount)
        return (amount // quantum) * quantum

    def get_fee(
        self,
        base_currency: str,
        quote_currency: str,
        order_type: OrderType,
        order_side: TradeType,
        amount: Decimal,
        price: Decimal = s_decimal_NaN,
        is_maker: bool | None = None,
    ) -> TradeFeeBase:
        return self._get_fee(
            base_currency=base_currency,
            quote_currency=quote_currency,
            order_type=order_type,
            order_side=order_side,
            amount=amount,
            price=price,
            is_maker=is_maker,
        )

    # ------------------------------------------------------------------------------------------------------------
    # Trading rules

    async def _update_trading_rules(self) -> None:
        """Fetch and install the trading rules; reuse the payload for the symbol map when it is the same request."""
        exchange_info = await self._make_trading_rules_request()
        rules = await self._format_trading_rules(exchange_info)
        self._trading_rules.clear()
        for rule in rules:
            self._trading_rules[rule.trading_pair] = rule
        if self.trading_rules_request_path == self.trading_pairs_request_path:
            self._initialize_trading_pair_symbols_from_exchange_info(exchange_info=exchange_info)

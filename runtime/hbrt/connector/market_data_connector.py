"""What a market-data source uses of its connector, as a protocol.

An order-book data source needs the connector only to translate between trading pairs and exchange symbols, to
read last traded prices, and (for a book checksum over numbers formatted with the pair's precision) the trading
rules. Typing its ``connector`` argument with this protocol instead of the concrete exchange class
states that dependency exactly: the exchange class satisfies it (``ExchangePyBase`` implements all of them),
and so does any small stand-in a test builds from example data, with no cast.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Protocol

from hbrt.data_type.trading_rule import TradingRule


class MarketDataConnector(Protocol):
    """What an order-book data source uses of its connector."""

    @property
    def trading_rules(self) -> Mapping[str, TradingRule]:
        """The trading rule of each known pair (empty before the rules are fetched)."""
        ...

    async def exchange_symbol_associated_to_pair(self, trading_pair: str) -> str:
        """The exchange symbol of ``trading_pair`` (``BASE-QUOTE``); KeyError when unknown."""
        ...

    async def trading_pair_associated_to_exchange_symbol(self, symbol: str) -> str:
        """The trading pair of an exchange ``symbol``; KeyError when unknown."""
        ...

    async def get_last_traded_prices(self, trading_pairs: list[str]) -> Mapping[str, Decimal]:
        """The last traded price of each of ``trading_pairs``."""
        ...

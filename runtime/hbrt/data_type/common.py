"""Enums shared by every connector (Hummingbot's ``core.data_type.common``)."""

from __future__ import annotations

from enum import Enum


class OrderType(Enum):
    MARKET = 1
    LIMIT = 2
    LIMIT_MAKER = 3
    AMM_SWAP = 4
    AMM_ADD = 5
    AMM_REMOVE = 6

    def is_limit_type(self) -> bool:
        return self in (OrderType.LIMIT, OrderType.LIMIT_MAKER)


class TradeType(Enum):
    BUY = 1
    SELL = 2
    RANGE = 3


class PositionAction(Enum):
    OPEN = "OPEN"
    CLOSE = "CLOSE"
    NIL = "NIL"


class PositionSide(Enum):
    LONG = "LONG"
    SHORT = "SHORT"
    BOTH = "BOTH"


class PositionMode(Enum):
    HEDGE = "HEDGE"
    ONEWAY = "ONEWAY"


class PriceType(Enum):
    MidPrice = 1
    BestBid = 2
    BestAsk = 3
    LastTrade = 4
    LastOwnTrade = 5
    InventoryCost = 6
    Custom = 7

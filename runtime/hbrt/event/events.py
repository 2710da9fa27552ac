"""Event tags and payloads, with Hummingbot's names, values and field order."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, NamedTuple

from hbrt.data_type.common import OrderType, PositionAction, PositionMode, PositionSide, TradeType

if TYPE_CHECKING:  # pragma: no cover
    from hbrt.data_type.trade_fee import TradeFeeBase


class MarketEvent(Enum):
    ReceivedAsset = 101
    BuyOrderCompleted = 102
    SellOrderCompleted = 103
    WithdrawAsset = 105
    OrderCancelled = 106
    OrderFilled = 107
    OrderExpired = 108
    OrderUpdate = 109
    TradeUpdate = 110
    OrderFailure = 198
    TransactionFailure = 199
    BuyOrderCreated = 200
    SellOrderCreated = 201
    FundingPaymentCompleted = 202
    FundingInfo = 203
    RangePositionLiquidityAdded = 300
    RangePositionLiquidityRemoved = 301
    RangePositionUpdateFailure = 303
    RangePositionFeeCollected = 304


class OrderBookEvent(Enum):
    TradeEvent = 901
    OrderBookDataSourceUpdateEvent = 904


class OrderBookDataSourceEvent(Enum):
    SNAPSHOT_EVENT = 1001
    DIFF_EVENT = 1002
    TRADE_EVENT = 1003


class AccountEvent(Enum):
    PositionModeChangeSucceeded = 400
    PositionModeChangeFailed = 401
    BalanceEvent = 402
    PositionUpdate = 403
    MarginCall = 404
    LiquidationEvent = 405


@dataclass
class BuyOrderCreatedEvent:
    timestamp: float
    type: OrderType
    trading_pair: str
    amount: Decimal
    price: Decimal
    order_id: str
    creation_timestamp: float
    exchange_order_id: str | None = None
    leverage: int = 1
    position: str = PositionAction.NIL.value


@dataclass
class SellOrderCreatedEvent:
    timestamp: float
    type: OrderType
    trading_pair: str
    amount: Decimal
    price: Decimal
    order_id: str
    creation_timestamp: float
    exchange_order_id: str | None = None
    leverage: int = 1
    position: str = PositionAction.NIL.value


class OrderFilledEvent(NamedTuple):
    timestamp: float
    order_id: str
    trading_pair: str
    trade_type: TradeType
    order_type: OrderType
    price: Decimal
    amount: Decimal
    trade_fee: TradeFeeBase
    exchange_trade_id: str = ""
    exchange_order_id: str = ""
    leverage: int | None = 1
    position: str | None = PositionAction.NIL.value


@dataclass
class OrderCancelledEvent:
    timestamp: float
    order_id: str
    exchange_order_id: str | None = None


class MarketOrderFailureEvent(NamedTuple):
    timestamp: float
    order_id: str
    order_type: OrderType
    error_message: str | None = None
    error_type: str | None = None


@dataclass
class BuyOrderCompletedEvent:
    timestamp: float
    order_id: str
    base_asset: str
    quote_asset: str
    base_asset_amount: Decimal
    quote_asset_amount: Decimal
    order_type: OrderType
    exchange_order_id: str | None = None


@dataclass
class SellOrderCompletedEvent:
    timestamp: float
    order_id: str
    base_asset: str
    quote_asset: str
    base_asset_amount: Decimal
    quote_asset_amount: Decimal
    order_type: OrderType
    exchange_order_id: str | None = None


@dataclass
class MarketTransactionFailureEvent:
    timestamp: float
    order_id: str


class OrderBookTradeEvent(NamedTuple):
    trading_pair: str
    timestamp: float
    type: TradeType
    price: Decimal
    amount: Decimal
    trade_id: str | None = None
    is_taker: bool = True


@dataclass
class FundingPaymentCompletedEvent:
    timestamp: float
    market: str
    trading_pair: str
    amount: Decimal
    funding_rate: Decimal


@dataclass
class PositionModeChangeEvent:
    timestamp: float
    trading_pair: str
    position_mode: PositionMode
    message: str | None = None


@dataclass
class PositionUpdateEvent:
    """A position opened, changed or closed (``AccountEvent.PositionUpdate``); a closed one has no side."""

    timestamp: float
    trading_pair: str
    position_side: PositionSide | None
    unrealized_pnl: Decimal
    entry_price: Decimal
    amount: Decimal
    leverage: Decimal


@dataclass
class MarginCallEvent:
    """One position named by an exchange's margin call (``AccountEvent.MarginCall``).

    Hummingbot defines the tag but no payload (its connectors only log); this one is hbrt's. Fields the exchange
    does not report are None.
    """

    timestamp: float
    trading_pair: str
    position_side: PositionSide | None = None
    amount: Decimal | None = None
    unrealized_pnl: Decimal | None = None
    maintenance_margin: Decimal | None = None


@dataclass
class BalanceUpdateEvent:
    timestamp: float
    asset_name: str
    total_balance: Decimal | None = None
    available_balance: Decimal | None = None


EventPayload = Any


@dataclass
class RangePositionLiquidityAddedEvent:
    """Liquidity went into a pool (AMM) or a range position (CLMM); amounts are what the transaction added."""

    timestamp: float
    order_id: str
    exchange_order_id: str
    trading_pair: str
    lower_price: Decimal
    upper_price: Decimal
    amount: Decimal
    fee_tier: str
    creation_timestamp: float
    trade_fee: TradeFeeBase
    token_id: int = 0
    position_address: str = ""
    base_amount: Decimal = Decimal(0)
    quote_amount: Decimal = Decimal(0)


@dataclass
class RangePositionLiquidityRemovedEvent:
    """Liquidity came out of a pool or a position (a close removes it all)."""

    timestamp: float
    order_id: str
    exchange_order_id: str
    trading_pair: str
    token_id: str
    trade_fee: TradeFeeBase
    creation_timestamp: float
    position_address: str = ""
    base_amount: Decimal = Decimal(0)
    quote_amount: Decimal = Decimal(0)


@dataclass
class RangePositionFeeCollectedEvent:
    """The fees a CLMM position earned went to the wallet; amounts are what the transaction collected."""

    timestamp: float
    order_id: str
    exchange_order_id: str
    trading_pair: str
    position_address: str
    trade_fee: TradeFeeBase
    base_fee_amount: Decimal = Decimal(0)
    quote_fee_amount: Decimal = Decimal(0)


@dataclass
class RangePositionUpdateFailureEvent:
    """A liquidity transaction failed; ``order_action`` is ``ADD``, ``REMOVE`` or ``COLLECT`` (fees)."""

    timestamp: float
    order_id: str
    order_action: str

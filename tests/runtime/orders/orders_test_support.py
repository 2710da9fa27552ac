"""A fake connector that records the events the tracker emits (shared by the tracker tests)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hbrt.data_type.common import OrderType, TradeType
from hbrt.data_type.in_flight_order import InFlightOrder, OrderState, TradeUpdate
from hbrt.data_type.trade_fee import AddedToCostTradeFee, TokenAmount

PAIR = "COINALPHA-HBOT"


class FakeConnector:
    def __init__(self, timestamp: float = 1640001112.0) -> None:
        self.current_timestamp = timestamp
        self.events: list[tuple[Any, Any]] = []

    def trigger_event(self, event_tag: Any, message: Any) -> None:
        self.events.append((event_tag, message))

    def of(self, tag: Any) -> list[Any]:
        return [event for event_tag, event in self.events if event_tag == tag]


def make_order(
    client_id: str = "OID1",
    amount: str = "10",
    trade_type: TradeType = TradeType.BUY,
    state: OrderState = OrderState.PENDING_CREATE,
    exchange_id: str | None = None,
    price: str = "100",
) -> InFlightOrder:
    return InFlightOrder(
        client_order_id=client_id,
        trading_pair=PAIR,
        order_type=OrderType.LIMIT,
        trade_type=trade_type,
        amount=Decimal(amount),
        creation_timestamp=1640000000.0,
        price=Decimal(price),
        exchange_order_id=exchange_id,
        initial_state=state,
    )


def make_fill(trade_id: str, client_id: str, amount: Decimal, price: Decimal, ex_id: str = "") -> TradeUpdate:
    return TradeUpdate(
        trade_id=trade_id,
        client_order_id=client_id,
        exchange_order_id=ex_id,
        trading_pair=PAIR,
        fill_timestamp=1640000010.0,
        fill_price=price,
        fill_base_amount=amount,
        fill_quote_amount=amount * price,
        fee=AddedToCostTradeFee(flat_fees=[TokenAmount("HBOT", Decimal("0.01"))]),
    )

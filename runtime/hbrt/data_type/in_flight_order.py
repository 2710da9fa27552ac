"""Orders the connector has sent and is still following: state, fills, fees and the updates that change them.

Names, values and field orders follow Hummingbot's ``core.data_type.in_flight_order`` (``OrderUpdate``'s repr is
compared byte for byte in a log line of the shared connector tests). Deliberate differences, all fixes:

* **No way out of a terminal state.** Hummingbot overwrites the state with no validation, so a stale ``OPEN``
  arriving after ``FILLED`` re-opens a finished order. Here an :class:`OrderUpdate` that would move an order out of
  CANCELED, FILLED or FAILED is ignored (logged at DEBUG) and ``update_with_order_update`` returns False. Trade
  updates are still applied to terminal orders: a fill is a fact, even when it arrives after the cancel.
* **Updates in exchange order.** An :class:`OrderUpdate` may carry the exchange's ``sequence`` of the change (an
  update id, or a time in ms, as the spec's mapping declares). One whose sequence is lower than that of the last
  update applied to the order is stale: it is ignored (logged at DEBUG), so a shuffled ``OPEN`` cannot overwrite
  a later ``PARTIALLY_FILLED``. Updates without a sequence (a local failure, a spec that declares none) are
  applied in arrival order, as before; equal sequences too.
* **Loop-safe events.** The three ``asyncio.Event`` objects are created lazily, on first access, and reflect the
  order's state at that moment, so an order can be built (or restored from JSON) outside a running loop.
* **No rate oracle.** :meth:`InFlightOrder.cumulative_fee_paid` sums the fee components it can express in the
  requested token (same token or the pair's base/quote through the fill price) and skips the others unless asked
  to be strict.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any, NamedTuple

from hbrt.data_type.common import OrderType, PositionAction, TradeType
from hbrt.data_type.trade_fee import TradeFeeBase
from hbrt.logger import HummingbotLogger, get_logger

S_DECIMAL_0 = Decimal(0)
GET_EX_ORDER_ID_TIMEOUT = 10  # seconds

# An order counts as completely executed when less than half of the 8th decimal remains (Hummingbot quantises the
# remainder to 1e-8 and compares with zero; this is the same test without quantize's precision limits).
_FILL_TOLERANCE = Decimal("0.5e-8")


class OrderState(Enum):
    """Lifecycle states of an order (values are Hummingbot's)."""

    PENDING_CREATE = 0
    OPEN = 1
    PENDING_CANCEL = 2
    CANCELED = 3
    PARTIALLY_FILLED = 4
    FILLED = 5
    FAILED = 6
    PENDING_APPROVAL = 7
    APPROVED = 8
    CREATED = 9
    COMPLETED = 10


TERMINAL_STATES: frozenset[OrderState] = frozenset({OrderState.CANCELED, OrderState.FILLED, OrderState.FAILED})
OPEN_STATES: frozenset[OrderState] = frozenset(
    {OrderState.PENDING_CREATE, OrderState.OPEN, OrderState.PARTIALLY_FILLED, OrderState.PENDING_CANCEL}
)


class OrderUpdate(NamedTuple):
    """A change of an order's state reported by (or about) the exchange. Field order is part of the contract."""

    trading_pair: str
    update_timestamp: float  # seconds
    new_state: OrderState
    client_order_id: str | None = None
    exchange_order_id: str | None = None
    misc_updates: dict[str, Any] | None = None
    #: The exchange's position of this change among the order's updates (larger is later), or None when unknown.
    sequence: int | None = None

    def __repr__(self) -> str:
        """Hummingbot's repr (log lines quote it); ``sequence``, which Hummingbot lacks, only when it is known."""
        values = self._asdict()
        if self.sequence is None:
            del values["sequence"]
        return "OrderUpdate(" + ", ".join(f"{name}={value!r}" for name, value in values.items()) + ")"


class TradeUpdate(NamedTuple):
    """One fill of an order.

    ``exchange_order_id`` is ``None`` for a fill that arrives before the exchange's order id is known (a private
    stream can report a fill before the reply to the order request): the fill is matched by the client order id.
    """

    trade_id: str
    client_order_id: str
    exchange_order_id: str | None
    trading_pair: str
    fill_timestamp: float  # seconds
    fill_price: Decimal
    fill_base_amount: Decimal
    fill_quote_amount: Decimal
    fee: TradeFeeBase
    is_taker: bool = True

    @property
    def fee_asset(self) -> str | None:
        """The token the fill's fee was paid in."""
        return self.fee.fee_asset

    def to_json(self) -> dict[str, Any]:
        return {
            "trade_id": self.trade_id,
            "client_order_id": self.client_order_id,
            "exchange_order_id": self.exchange_order_id,
            "trading_pair": self.trading_pair,
            "fill_timestamp": self.fill_timestamp,
            "fill_price": str(self.fill_price),
            "fill_base_amount": str(self.fill_base_amount),
            "fill_quote_amount": str(self.fill_quote_amount),
            "fee": self.fee.to_json(),
            "is_taker": self.is_taker,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TradeUpdate:
        return cls(
            trade_id=data["trade_id"],
            client_order_id=data["client_order_id"],
            exchange_order_id=data["exchange_order_id"],
            trading_pair=data["trading_pair"],
            fill_timestamp=data["fill_timestamp"],
            fill_price=Decimal(data["fill_price"]),
            fill_base_amount=Decimal(data["fill_base_amount"]),
            fill_quote_amount=Decimal(data["fill_quote_amount"]),
            fee=TradeFeeBase.from_json(data["fee"]),
            is_taker=data.get("is_taker", True),
        )


def _optional_decimal(value: Any) -> Decimal | None:
    if value is None or value == "None":
        return None
    return Decimal(value)


class InFlightOrder:
    """An order tracked by the connector: its terms, its state, its fills and three lifecycle events."""

    GET_EX_ORDER_ID_TIMEOUT: float = GET_EX_ORDER_ID_TIMEOUT

    def __init__(
        self,
        client_order_id: str,
        trading_pair: str,
        order_type: OrderType,
        trade_type: TradeType,
        amount: Decimal,
        creation_timestamp: float,
        price: Decimal | None = None,
        exchange_order_id: str | None = None,
        initial_state: OrderState = OrderState.PENDING_CREATE,
        leverage: int = 1,
        position: PositionAction = PositionAction.NIL,
    ) -> None:
        self.client_order_id = client_order_id
        self.trading_pair = trading_pair
        self.order_type = order_type
        self.trade_type = trade_type
        self.amount: Decimal = amount
        self.price: Decimal | None = price
        self.creation_timestamp = creation_timestamp
        self.exchange_order_id: str | None = exchange_order_id
        self.current_state: OrderState = initial_state
        self.leverage = leverage
        self.position = position

        self.executed_amount_base: Decimal = S_DECIMAL_0
        self.executed_amount_quote: Decimal = S_DECIMAL_0
        self.last_update_timestamp: float = creation_timestamp
        #: Sequence of the last update applied that carried one (see :meth:`is_stale_update`).
        self.last_update_sequence: int | None = None
        self.order_fills: dict[str, TradeUpdate] = {}

        self._exchange_order_id_update_event: asyncio.Event | None = None
        self._completely_filled_event: asyncio.Event | None = None
        self._processed_by_exchange_event: asyncio.Event | None = None

    @classmethod
    def logger(cls) -> HummingbotLogger:
        return get_logger(__name__)

    # ---- identity -----------------------------------------------------------------------------------------------

    @property
    def attributes(self) -> tuple[Any, ...]:
        """The values that define equality of two orders."""
        return (
            self.client_order_id,
            self.trading_pair,
            self.order_type,
            self.trade_type,
            self.price,
            self.amount,
            self.exchange_order_id,
            self.current_state,
            self.leverage,
            self.position,
            self.executed_amount_base,
            self.executed_amount_quote,
            self.creation_timestamp,
            self.last_update_timestamp,
        )

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return NotImplemented
        assert isinstance(other, InFlightOrder)
        return self.attributes == other.attributes

    # Mutable, so unhashable: equal orders must not be used as set members. Python already sets __hash__ to None
    # for a class defining __eq__; stating it tells type checkers too.
    __hash__ = None  # type: ignore[assignment]  # typeshed types object.__hash__ as a method, not as a None-able value

    def __repr__(self) -> str:
        return (
            f"InFlightOrder(client_order_id={self.client_order_id!r}, exchange_order_id={self.exchange_order_id!r}, "
            f"trading_pair={self.trading_pair!r}, order_type={self.order_type}, trade_type={self.trade_type}, "
            f"price={self.price}, amount={self.amount}, executed_amount_base={self.executed_amount_base}, "
            f"executed_amount_quote={self.executed_amount_quote}, current_state={self.current_state}, "
            f"leverage={self.leverage}, position={self.position}, creation_timestamp={self.creation_timestamp}, "
            f"last_update_timestamp={self.last_update_timestamp})"
        )

    @property
    def base_asset(self) -> str:
        return self.trading_pair.split("-")[0]

    @property
    def quote_asset(self) -> str:
        return self.trading_pair.split("-")[1]

    # ---- events (created lazily so construction needs no running loop) ------------------------------------------

    @property
    def exchange_order_id_update_event(self) -> asyncio.Event:
        """Set once the exchange order id is known."""
        if self._exchange_order_id_update_event is None:
            self._exchange_order_id_update_event = asyncio.Event()
            if self.exchange_order_id is not None:
                self._exchange_order_id_update_event.set()
        return self._exchange_order_id_update_event

    @property
    def completely_filled_event(self) -> asyncio.Event:
        """Set once the executed base amount reaches the order amount."""
        if self._completely_filled_event is None:
            self._completely_filled_event = asyncio.Event()
            if self._is_fully_executed():
                self._completely_filled_event.set()
        return self._completely_filled_event

    @property
    def processed_by_exchange_event(self) -> asyncio.Event:
        """Set once the state has moved past PENDING_CREATE (including to FAILED or CANCELED)."""
        if self._processed_by_exchange_event is None:
            self._processed_by_exchange_event = asyncio.Event()
            if self.current_state.value > OrderState.PENDING_CREATE.value:
                self._processed_by_exchange_event.set()
        return self._processed_by_exchange_event

    def check_filled_condition(self) -> None:
        if self._is_fully_executed() and self._completely_filled_event is not None:
            self._completely_filled_event.set()

    def check_processed_by_exchange_condition(self) -> None:
        if self.current_state.value > OrderState.PENDING_CREATE.value and self._processed_by_exchange_event is not None:
            self._processed_by_exchange_event.set()

    async def wait_until_completely_filled(self) -> None:
        await self.completely_filled_event.wait()

    async def wait_until_processed_by_exchange(self) -> None:
        await self.processed_by_exchange_event.wait()

    async def get_exchange_order_id(self) -> str | None:
        """The exchange order id, waiting up to ``GET_EX_ORDER_ID_TIMEOUT`` seconds for it.

        Raises ``asyncio.TimeoutError`` when the id does not arrive in time.
        """
        if self.exchange_order_id is None:
            async with asyncio.timeout(self.GET_EX_ORDER_ID_TIMEOUT):
                await self.exchange_order_id_update_event.wait()
        return self.exchange_order_id

    def update_exchange_order_id(self, exchange_order_id: str) -> None:
        self.exchange_order_id = exchange_order_id
        if self._exchange_order_id_update_event is not None:
            self._exchange_order_id_update_event.set()

    # ---- predicates ---------------------------------------------------------------------------------------------

    def _is_fully_executed(self) -> bool:
        amount = abs(self.amount)
        return amount != S_DECIMAL_0 and amount - self.executed_amount_base < _FILL_TOLERANCE

    @property
    def is_pending_create(self) -> bool:
        return self.current_state == OrderState.PENDING_CREATE

    @property
    def is_pending_cancel_confirmation(self) -> bool:
        return self.current_state == OrderState.PENDING_CANCEL

    @property
    def is_open(self) -> bool:
        """PENDING_CREATE, OPEN, PARTIALLY_FILLED or PENDING_CANCEL (by state only, like Hummingbot)."""
        return self.current_state in OPEN_STATES

    @property
    def is_terminal(self) -> bool:
        """The state is CANCELED, FILLED or FAILED; no order update can change it any more."""
        return self.current_state in TERMINAL_STATES

    @property
    def is_done(self) -> bool:
        """A terminal state, or the whole amount executed."""
        return self.is_terminal or self._is_fully_executed()

    @property
    def is_filled(self) -> bool:
        """State FILLED, or a non-zero amount fully executed."""
        return self.current_state == OrderState.FILLED or self._is_fully_executed()

    @property
    def is_failure(self) -> bool:
        return self.current_state == OrderState.FAILED

    @property
    def is_cancelled(self) -> bool:
        return self.current_state == OrderState.CANCELED

    @property
    def average_executed_price(self) -> Decimal | None:
        """Volume-weighted fill price, or None without fills."""
        if self.executed_amount_base == S_DECIMAL_0:
            return None
        return self.executed_amount_quote / self.executed_amount_base

    # ---- fees ---------------------------------------------------------------------------------------------------

    def cumulative_fee_paid(self, token: str, exchange: Any = None, strict: bool = False) -> Decimal:
        """Sum of the fees of all fills, expressed in ``token``.

        Each fee component (percentage part, flat fees) that can be expressed in ``token`` without a rate oracle is
        included; the others are skipped, or raise ``FeeConversionError`` when ``strict``. ``exchange`` is accepted
        for Hummingbot signature compatibility and ignored.
        """
        total = S_DECIMAL_0
        for fill in self.order_fills.values():
            if strict:
                total += fill.fee.fee_amount_in_token(self.trading_pair, fill.fill_price, fill.fill_base_amount, token)
                continue
            for component in fill.fee.fee_components(self.trading_pair, fill.fill_price, fill.fill_base_amount):
                converted = TradeFeeBase.convert_amount(component, token, self.trading_pair, fill.fill_price)
                if converted is not None:
                    total += converted
        return total

    def fees_paid_by_token(self) -> dict[str, Decimal]:
        """Flat fees of all fills summed per token (the percentage parts are reported under the quote token)."""
        totals: dict[str, Decimal] = {}
        for fill in self.order_fills.values():
            for component in fill.fee.fee_components(self.trading_pair, fill.fill_price, fill.fill_base_amount):
                totals[component.token] = totals.get(component.token, S_DECIMAL_0) + component.amount
        return totals

    # ---- updates ------------------------------------------------------------------------------------------------

    def _matches(self, client_order_id: str | None, exchange_order_id: str | None) -> bool:
        if client_order_id is not None and client_order_id == self.client_order_id:
            return True
        return exchange_order_id is not None and exchange_order_id == self.exchange_order_id

    def is_stale_update(self, order_update: OrderUpdate) -> bool:
        """Whether ``order_update`` is older than the last update applied: both sequences known, its the lower."""
        last = self.last_update_sequence
        return order_update.sequence is not None and last is not None and order_update.sequence < last

    def update_with_order_update(self, order_update: OrderUpdate) -> bool:
        """Apply ``order_update``; return whether the exchange id or the state changed.

        Ignored when neither id matches, when it is older than the last update applied (:meth:`is_stale_update`),
        and when it would move the order out of a terminal state (see the module docstring). A missing exchange id
        is filled in. ``last_update_timestamp`` moves only on a change.
        """
        if not self._matches(order_update.client_order_id, order_update.exchange_order_id):
            return False
        if self.is_stale_update(order_update):
            self.logger().debug(
                f"Ignoring update of order {self.client_order_id} older than the last one applied "
                f"(sequence {order_update.sequence} < {self.last_update_sequence}): {order_update}"
            )
            return False
        if self.is_terminal and order_update.new_state != self.current_state:
            self.logger().debug(
                f"Ignoring update of order {self.client_order_id} from terminal state {self.current_state.name} "
                f"to {order_update.new_state.name}: {order_update}"
            )
            return False

        previous = (self.exchange_order_id, self.current_state)
        if order_update.sequence is not None:
            self.last_update_sequence = order_update.sequence
        if self.exchange_order_id is None and order_update.exchange_order_id is not None:
            self.update_exchange_order_id(order_update.exchange_order_id)
        self.current_state = order_update.new_state
        self.check_processed_by_exchange_condition()

        updated = previous != (self.exchange_order_id, self.current_state)
        if updated:
            self.last_update_timestamp = order_update.update_timestamp
        return updated

    def update_with_trade_update(self, trade_update: TradeUpdate) -> bool:
        """Record a fill; return False for a duplicate ``trade_id`` or when neither id matches."""
        trade_id = trade_update.trade_id
        if trade_id in self.order_fills:
            return False
        if not self._matches(trade_update.client_order_id, trade_update.exchange_order_id):
            return False
        if self.exchange_order_id is None and trade_update.exchange_order_id:
            self.update_exchange_order_id(trade_update.exchange_order_id)
        self.order_fills[trade_id] = trade_update
        self.executed_amount_base += trade_update.fill_base_amount
        self.executed_amount_quote += trade_update.fill_quote_amount
        self.last_update_timestamp = trade_update.fill_timestamp
        self.check_filled_condition()
        return True

    # ---- serialisation ------------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict (Hummingbot's keys), plus ``cumulative_fee_paid_base``/``_quote``."""
        return {
            "client_order_id": self.client_order_id,
            "exchange_order_id": self.exchange_order_id,
            "trading_pair": self.trading_pair,
            "order_type": self.order_type.name,
            "trade_type": self.trade_type.name,
            "price": None if self.price is None else str(self.price),
            "amount": str(self.amount),
            "executed_amount_base": str(self.executed_amount_base),
            "executed_amount_quote": str(self.executed_amount_quote),
            "last_state": str(self.current_state.value),
            "leverage": str(self.leverage),
            "position": self.position.value,
            "creation_timestamp": self.creation_timestamp,
            "last_update_timestamp": self.last_update_timestamp,
            "last_update_sequence": self.last_update_sequence,
            "order_fills": {trade_id: fill.to_json() for trade_id, fill in self.order_fills.items()},
            "cumulative_fee_paid_base": str(self.cumulative_fee_paid(self.base_asset)),
            "cumulative_fee_paid_quote": str(self.cumulative_fee_paid(self.quote_asset)),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InFlightOrder:
        """Rebuild an order from :meth:`to_json` output (extra keys are ignored)."""
        order = cls(
            client_order_id=data["client_order_id"],
            trading_pair=data["trading_pair"],
            order_type=getattr(OrderType, data["order_type"]),
            trade_type=getattr(TradeType, data["trade_type"]),
            amount=Decimal(data["amount"]),
            price=_optional_decimal(data.get("price")),
            exchange_order_id=data.get("exchange_order_id"),
            initial_state=OrderState(int(data["last_state"])),
            leverage=int(data.get("leverage", 1)),
            position=PositionAction(data.get("position", PositionAction.NIL.value)),
            creation_timestamp=data.get("creation_timestamp", -1),
        )
        order.executed_amount_base = Decimal(data.get("executed_amount_base", "0"))
        order.executed_amount_quote = Decimal(data.get("executed_amount_quote", "0"))
        order.last_update_timestamp = data.get("last_update_timestamp", order.creation_timestamp)
        order.last_update_sequence = data.get("last_update_sequence")
        order.order_fills = {
            trade_id: TradeUpdate.from_json(fill) for trade_id, fill in (data.get("order_fills") or {}).items()
        }
        return order

    def build_order_created_message(self) -> str:
        """The INFO line logged when the exchange accepts the order (compared byte for byte by the test suite)."""
        return (
            f"Created {self.order_type.name.upper()} {self.trade_type.name.upper()} order "
            f"{self.client_order_id} for {self.amount} {self.trading_pair} at {self.price}."
        )


class PerpetualDerivativeInFlightOrder(InFlightOrder):
    """An order of a perpetual connector: its creation line also says which position it opens or closes."""

    def build_order_created_message(self) -> str:
        return (
            f"Created {self.order_type.name.upper()} {self.trade_type.name.upper()} order {self.client_order_id} "
            f"for {self.amount} to {self.position.name.upper()} a {self.trading_pair} position at {self.price}."
        )

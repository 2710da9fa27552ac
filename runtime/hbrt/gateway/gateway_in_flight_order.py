"""``GatewayInFlightOrder``: an :class:`~hbrt.data_type.in_flight_order.InFlightOrder` that is one transaction.

The exchange order id is the transaction hash (signature). Extra fields, kept in the saved JSON: ``gas_price``,
``gas_cost`` (the fee an execute reply reported), ``fee_asset`` (the chain's native currency, Hummingbot defaults
it to the base asset), ``nonce``, and two timestamps for the unknown-transaction limit: ``submitted_timestamp``
(when the hash became known) and ``unknown_since`` (first of the current run of "not found" polls).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

from hbrt.data_type.in_flight_order import InFlightOrder, OrderState

APPROVAL_PAIR_SUFFIX = "-APPROVAL"


class GatewayInFlightOrder(InFlightOrder):
    def __init__(
        self,
        *args: Any,
        gas_price: Decimal = Decimal(0),
        fee_asset: str | None = None,
        nonce: int = -1,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.gas_price = gas_price
        self.gas_cost: Decimal | None = None
        self.fee_asset = fee_asset
        self.nonce = nonce
        self.submitted_timestamp: float | None = None
        self.unknown_since: float | None = None
        self.unknown_polls = 0
        self.metadata: dict[str, Any] = {}

    @property
    def transaction_hash(self) -> str | None:
        return self.exchange_order_id

    @property
    def is_approval(self) -> bool:
        return self.trading_pair.endswith(APPROVAL_PAIR_SUFFIX)

    @property
    def is_pending_approval(self) -> bool:
        return self.current_state == OrderState.PENDING_APPROVAL

    @property
    def awaits_transaction(self) -> bool:
        """Still waiting for its transaction's outcome: open or pending approval, with or without a hash yet."""
        return self.is_open or self.is_pending_approval

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        data.update(
            {
                "gas_price": str(self.gas_price),
                "gas_cost": None if self.gas_cost is None else str(self.gas_cost),
                "fee_asset": self.fee_asset,
                "nonce": self.nonce,
                "submitted_timestamp": self.submitted_timestamp,
                "metadata": {key: str(value) for key, value in self.metadata.items()},
            }
        )
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GatewayInFlightOrder:
        order = cast(GatewayInFlightOrder, super().from_json(data))
        order.gas_price = Decimal(data.get("gas_price", "0"))
        gas_cost = data.get("gas_cost")
        order.gas_cost = None if gas_cost is None else Decimal(gas_cost)
        order.fee_asset = data.get("fee_asset")
        order.nonce = int(data.get("nonce", -1))
        order.submitted_timestamp = data.get("submitted_timestamp")
        order.metadata = dict(data.get("metadata") or {})
        return order

"""Balances of a spot connector: total and available balances, updates from the user stream and REST, and the
amounts locked by open orders."""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from hbrt.connector.exchange_core import s_decimal_0
from hbrt.connector.exchange_markets import ExchangeMarkets
from hbrt.data_type.common import TradeType
from hbrt.data_type.in_flight_order import InFlightOrder
from hbrt.event.events import OrderFilledEvent


class ExchangeBalances(ExchangeMarkets):
    """Total and available balances, and their updates."""

    # ------------------------------------------------------------------------------------------------------------
    # Balances

    @property
    def real_time_balance_update(self) -> bool:
        """True when the user stream reports balance changes; False switches on the in-flight snapshot maths."""
        return self._real_time_balance_update

    @real_time_balance_update.setter
    def real_time_balance_update(self, value: bool) -> None:
        self._real_time_balance_update = value

    def get_balance(self, currency: str) -> Decimal:
        """Total balance of ``currency`` (0 when unknown)."""
        return self._account_balances.get(currency, s_decimal_0)

    def get_all_balances(self) -> dict[str, Decimal]:
        return dict(self._account_balances)

    def _apply_balance_update(
        self, asset: str, total: Decimal, available: Decimal | None, sequence: int | None = None
    ) -> bool:
        """Set the total and available balance of ``asset`` from an account event or a polled balance.

        ``available`` None (an event reporting the total alone, as Binance USD-M's account updates do) keeps the
        available amount last polled.

        ``sequence`` is the exchange's position of the update among the account's updates (larger is later: an
        update id or a time in ms, the ``sequence`` field of the spec's balance mapping). An update whose sequence
        is lower than that of the last update applied to ``asset`` is stale and ignored, so shuffled or replayed
        events cannot overwrite a newer balance. An update without a sequence is applied as it comes (it does not
        reset the asset's sequence). Returns whether the update was applied.
        """
        if sequence is not None:
            last = self._balance_sequences.get(asset)
            if last is not None and sequence < last:
                self.logger().debug(
                    f"Ignoring a balance update of {asset} older than the last one applied ({sequence} < {last})."
                )
                return False
            self._balance_sequences[asset] = sequence
        self._account_balances[asset] = total
        if available is not None:
            self._account_available_balances[asset] = available
        return True

    def _apply_balance_event(
        self, asset: str, total: Decimal, available: Decimal | None, sequence: int | None = None
    ) -> bool:
        """A balance pushed on the user stream: applied as :meth:`_apply_balance_update` applies it, unless the
        connector has no real-time balance updates (``real_time_balance_update`` False). Then the event is ignored:
        the available amount is the last poll corrected with the in-flight order snapshot taken at that poll and
        the connector's own fills since (:meth:`get_available_balance`), and a value pushed in between would be
        corrected a second time. Returns whether the event was applied."""
        if not self._real_time_balance_update:
            return False
        return self._apply_balance_update(asset, total, available, sequence)

    @property
    def available_balances(self) -> dict[str, Decimal]:
        return {asset: self.get_available_balance(asset) for asset in self._account_available_balances}

    def get_available_balance(self, currency: str) -> Decimal:
        """Available balance of ``currency``.

        With websocket balance events this is the last value reported. Without them (``real_time_balance_update``
        False) the last polled value is corrected for what happened since that poll: polled available + amount
        locked in the orders of the snapshot taken at the poll - amount locked in the current orders + net fills
        since the snapshot. A configured ``balance_asset_limit`` then caps the result.
        """
        available = self._account_available_balances.get(currency, s_decimal_0)
        if not self._real_time_balance_update:
            snapshot_locked = self._locked_amounts(self._in_flight_orders_snapshot.values())
            current_locked = self._locked_amounts(self.in_flight_orders.values())
            fills = self._net_fill_amounts(self._fills_since_snapshot)
            available = (
                available
                + snapshot_locked.get(currency, s_decimal_0)
                - current_locked.get(currency, s_decimal_0)
                + fills.get(currency, s_decimal_0)
            )
        limit = self._balance_asset_limit.get(self.name, {}).get(currency)
        if limit is not None:
            locked = self._locked_amounts(self.in_flight_orders.values()).get(currency, s_decimal_0)
            available = max(s_decimal_0, min(available, Decimal(limit) - locked))
        return available

    def _locked_amounts(self, orders: Iterable[InFlightOrder]) -> dict[str, Decimal]:
        """Amount per asset that open orders hold: remaining base for sells, remaining base x price for buys."""
        locked: dict[str, Decimal] = defaultdict(lambda: s_decimal_0)
        for order in orders:
            if not order.is_open:
                continue
            remaining = order.amount - order.executed_amount_base
            if remaining <= 0:
                continue
            if order.trade_type == TradeType.BUY:
                price = order.price
                if price is None or price.is_nan() or price <= 0:
                    continue
                locked[order.quote_asset] += remaining * price
            else:
                locked[order.base_asset] += remaining
        return dict(locked)

    def _net_fill_amounts(self, fills: Iterable[OrderFilledEvent]) -> dict[str, Decimal]:
        """Balance change per asset implied by fills (fees ignored; the next poll corrects them)."""
        net: dict[str, Decimal] = defaultdict(lambda: s_decimal_0)
        for fill in fills:
            base, quote = fill.trading_pair.split("-", 1)
            quote_amount = fill.amount * fill.price
            if fill.trade_type == TradeType.BUY:
                net[base] += fill.amount
                net[quote] -= quote_amount
            else:
                net[base] -= fill.amount
                net[quote] += quote_amount
        return dict(net)

    async def _update_all_balances(self) -> None:
        """Poll balances; without websocket balance events also snapshot the in-flight orders."""
        await self._update_balances()
        if not self._real_time_balance_update:
            self._in_flight_orders_snapshot = {
                order_id: copy.copy(order) for order_id, order in self.in_flight_orders.items()
            }
            self._in_flight_orders_snapshot_timestamp = self.current_timestamp
            self._fills_since_snapshot = []

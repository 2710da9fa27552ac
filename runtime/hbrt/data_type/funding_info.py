"""Funding information of a perpetual market (Hummingbot's ``FundingInfo`` and ``FundingInfoUpdate``).

A :class:`FundingInfo` is the full picture of one pair (index and mark prices, the next funding time, the current
rate), first fetched over REST. Websocket channels then push :class:`FundingInfoUpdate`\\ s that carry only what
changed; :meth:`FundingInfo.update` copies the fields an update sets and keeps the others.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal


@dataclass(slots=True)
class FundingInfo:
    """Funding state of one perpetual market; ``next_funding_utc_timestamp`` is in whole seconds."""

    trading_pair: str
    index_price: Decimal
    mark_price: Decimal
    next_funding_utc_timestamp: int
    rate: Decimal

    def update(self, info_update: FundingInfoUpdate) -> None:
        """Copy every field ``info_update`` sets (not None); the pair itself never changes."""
        if info_update.trading_pair != self.trading_pair:
            raise ValueError(
                f"A funding update of {info_update.trading_pair} cannot change the funding info of {self.trading_pair}."
            )
        for field in fields(info_update):
            if field.name == "trading_pair":
                continue
            value = getattr(info_update, field.name)
            if value is not None:
                setattr(self, field.name, value)


@dataclass(slots=True)
class FundingInfoUpdate:
    """A partial funding update: every field but the pair is optional (None = unchanged)."""

    trading_pair: str
    index_price: Decimal | None = None
    mark_price: Decimal | None = None
    next_funding_utc_timestamp: int | None = None
    rate: Decimal | None = None

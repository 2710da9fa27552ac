"""Fakex as an exchange without a private websocket: orders, fills and balances come from REST polling only.

The same REST API as :class:`~fakex.fakex_exchange.FakexExchange`; the connector declares that it has no user stream
by returning None from ``_create_user_stream_data_source`` and polls balances (``real_time_balance_update`` False).
"""

from __future__ import annotations

from typing import Any

from fakex.fakex_exchange import FakexExchange


class FakexPollingExchange(FakexExchange):
    """Fakex with no user stream (``has_user_stream`` is False)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.real_time_balance_update = False

    def _create_user_stream_data_source(self) -> None:
        return None

    async def _user_stream_event_listener(self) -> None:
        raise RuntimeError("FakexPollingExchange has no user stream; the runtime never starts its listener")

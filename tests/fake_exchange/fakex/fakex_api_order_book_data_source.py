"""Fakex public market data: REST depth snapshots plus one websocket carrying trades and depth diffs.

Websocket messages: ``{"channel": "trades", "data": {"s", "t", "p", "q", "side", "T"}}`` and
``{"channel": "depth", "data": {"s", "U", "u", "b": [[price, amount]...], "a": [...], "T"}}``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, ClassVar

from hbrt.data_type.book_integrity import BookIntegrityPolicy, FirstLastUpdateIdChain
from hbrt.data_type.common import TradeType
from hbrt.data_type.order_book_message import OrderBookMessage, OrderBookMessageType
from hbrt.data_type.order_book_tracker_data_source import OrderBookTrackerDataSource
from hbrt.web_assistant.connections.data_types import RESTMethod, WSJSONRequest, WSRequest
from hbrt.web_assistant.web_assistants_factory import WebAssistantsFactory
from hbrt.web_assistant.ws_assistant import WSAssistant

from fakex import fakex_constants as CONSTANTS
from fakex import fakex_web_utils as web_utils

if TYPE_CHECKING:
    from fakex.fakex_exchange import FakexExchange


class FakexAPIOrderBookDataSource(OrderBookTrackerDataSource):
    """Order book source of Fakex: diffs chain by first/last update id; snapshots come from REST."""

    BOOK_INTEGRITY: ClassVar[BookIntegrityPolicy] = FirstLastUpdateIdChain()
    HEARTBEAT_INTERVAL: ClassVar[float | None] = 30.0

    def __init__(
        self,
        trading_pairs: list[str],
        connector: FakexExchange,
        api_factory: WebAssistantsFactory,
        domain: str = CONSTANTS.DEFAULT_DOMAIN,
    ) -> None:
        super().__init__(trading_pairs)
        self._connector = connector
        self._api_factory = api_factory
        self._domain = domain
        self._trade_messages_queue_key = CONSTANTS.TRADE_CHANNEL
        self._diff_messages_queue_key = CONSTANTS.DIFF_CHANNEL

    async def get_last_traded_prices(self, trading_pairs: list[str], domain: str | None = None) -> dict[str, float]:
        prices = await self._connector.get_last_traded_prices(trading_pairs=trading_pairs)
        return {pair: float(price) for pair, price in prices.items()}

    async def _order_book_snapshot(self, trading_pair: str) -> OrderBookMessage:
        symbol = await self._connector.exchange_symbol_associated_to_pair(trading_pair)
        rest_assistant = await self._api_factory.get_rest_assistant()
        data = await rest_assistant.execute_request(
            url=web_utils.public_rest_url(CONSTANTS.ORDER_BOOK_PATH_URL, domain=self._domain),
            params={"symbol": symbol, "limit": 1000},
            method=RESTMethod.GET,
            throttler_limit_id=CONSTANTS.ORDER_BOOK_PATH_URL,
        )
        return OrderBookMessage(
            OrderBookMessageType.SNAPSHOT,
            {
                "trading_pair": trading_pair,
                "update_id": data["lastUpdateId"],
                "bids": data["bids"],
                "asks": data["asks"],
            },
            timestamp=self._time(),
        )

    async def _connected_websocket_assistant(self) -> WSAssistant:
        ws = await self._api_factory.get_ws_assistant()
        await ws.connect(ws_url=web_utils.wss_url(self._domain), ping_timeout=CONSTANTS.WS_PING_TIMEOUT)
        return ws

    def _subscription_requests(self, trading_pairs: list[str]) -> list[WSRequest]:
        return self._channel_requests("subscribe", trading_pairs)

    def _unsubscription_requests(self, trading_pairs: list[str]) -> list[WSRequest]:
        return self._channel_requests("unsubscribe", trading_pairs)

    def _channel_requests(self, operation: str, trading_pairs: list[str]) -> list[WSRequest]:
        symbols = [pair.replace("-", "") for pair in trading_pairs]
        return [
            WSJSONRequest(payload={"op": operation, "channel": channel, "symbols": symbols})
            for channel in (CONSTANTS.TRADE_CHANNEL, CONSTANTS.DIFF_CHANNEL)
        ]

    def _channel_originating_message(self, event_message: dict[str, Any]) -> Any:
        return event_message.get("channel") if isinstance(event_message, dict) else None

    async def _parse_trade_message(self, raw_message: dict[str, Any], message_queue: asyncio.Queue[Any]) -> None:
        data = raw_message["data"]
        trading_pair = await self._connector.trading_pair_associated_to_exchange_symbol(data["s"])
        message_queue.put_nowait(
            OrderBookMessage(
                OrderBookMessageType.TRADE,
                {
                    "trading_pair": trading_pair,
                    "trade_type": float(TradeType.BUY.value if data["side"] == "BUY" else TradeType.SELL.value),
                    "trade_id": data["t"],
                    "price": data["p"],
                    "amount": data["q"],
                },
                timestamp=data["T"] * 1e-3,
            )
        )

    async def _parse_order_book_diff_message(
        self, raw_message: dict[str, Any], message_queue: asyncio.Queue[Any]
    ) -> None:
        data = raw_message["data"]
        trading_pair = await self._connector.trading_pair_associated_to_exchange_symbol(data["s"])
        message_queue.put_nowait(
            OrderBookMessage(
                OrderBookMessageType.DIFF,
                {
                    "trading_pair": trading_pair,
                    "first_update_id": data["U"],
                    "update_id": data["u"],
                    "bids": data["b"],
                    "asks": data["a"],
                },
                timestamp=data["T"] * 1e-3,
            )
        )

    async def _parse_order_book_snapshot_message(
        self, raw_message: dict[str, Any], message_queue: asyncio.Queue[Any]
    ) -> None:
        """Fakex sends no snapshots on the websocket (``SNAPSHOT_SOURCE`` is ``rest``)."""
        raise ValueError(f"Unexpected websocket snapshot: {raw_message}")

"""A small Binance-spot-like order book data source used by the data-source tests (test helper)."""

from __future__ import annotations

import asyncio
from typing import Any

from hbrt.api_throttler.async_throttler import AsyncThrottler
from hbrt.api_throttler.data_types import RateLimit
from hbrt.data_type.book_integrity import FirstLastUpdateIdChain
from hbrt.data_type.common import TradeType
from hbrt.data_type.order_book_message import OrderBookMessage, OrderBookMessageType
from hbrt.data_type.order_book_tracker_data_source import OrderBookTrackerDataSource
from hbrt.web_assistant.connections.data_types import WSJSONRequest, WSRequest
from hbrt.web_assistant.web_assistants_factory import WebAssistantsFactory
from hbrt.web_assistant.ws_assistant import WSAssistant

REST_URL = "https://api.example-binance.test/api/v3/"
WS_URL = "wss://stream.example-binance.test/ws"


def symbol(trading_pair: str) -> str:
    return trading_pair.replace("-", "")


def diff_message(raw: dict[str, Any], trading_pair: str) -> OrderBookMessage:
    """What a generated connector's parser does with a ``depthUpdate`` event (a plain function, no Decimals)."""
    return OrderBookMessage(
        OrderBookMessageType.DIFF,
        {
            "trading_pair": trading_pair,
            "first_update_id": raw["U"],
            "update_id": raw["u"],
            "bids": raw["b"],
            "asks": raw["a"],
        },
        raw["E"] * 1e-3,
    )


def make_factory() -> WebAssistantsFactory:
    throttler = AsyncThrottler([RateLimit("depth", 1000, 1), RateLimit("ticker", 1000, 1)])
    return WebAssistantsFactory(throttler=throttler)


class BinanceLikeOrderBookDataSource(OrderBookTrackerDataSource):
    BOOK_INTEGRITY = FirstLastUpdateIdChain()
    SNAPSHOT_SOURCE = "rest"
    HEARTBEAT_INTERVAL = None

    def __init__(
        self,
        trading_pairs: list[str],
        api_factory: WebAssistantsFactory,
        rest_url: str = REST_URL,
        ws_url: str = WS_URL,
    ) -> None:
        super().__init__(trading_pairs)
        self._api_factory = api_factory
        self._rest_url = rest_url
        self._ws_url = ws_url
        self._diff_messages_queue_key = "depthUpdate"
        self._trade_messages_queue_key = "trade"
        self.unknown_messages: list[Any] = []

    def _pair_for(self, sym: str) -> str:
        return next(p for p in self._trading_pairs if symbol(p) == sym)

    async def get_last_traded_prices(self, trading_pairs: list[str], domain: str | None = None) -> dict[str, float]:
        rest = await self._api_factory.get_rest_assistant()
        result = {}
        for pair in trading_pairs:
            data = await rest.execute_request(
                url=self._rest_url + "ticker/price", throttler_limit_id="ticker", params={"symbol": symbol(pair)}
            )
            result[pair] = float(data["price"])
        return result

    async def _order_book_snapshot(self, trading_pair: str) -> OrderBookMessage:
        rest = await self._api_factory.get_rest_assistant()
        data = await rest.execute_request(
            url=self._rest_url + "depth",
            throttler_limit_id="depth",
            params={"symbol": symbol(trading_pair), "limit": 1000},
        )
        return OrderBookMessage(
            OrderBookMessageType.SNAPSHOT,
            {
                "trading_pair": trading_pair,
                "update_id": data["lastUpdateId"],
                "bids": data["bids"],
                "asks": data["asks"],
            },
            0.0,
        )

    async def _connected_websocket_assistant(self) -> WSAssistant:
        ws = await self._api_factory.get_ws_assistant()
        await ws.connect(ws_url=self._ws_url, ping_timeout=30)
        return ws

    def _subscription_requests(self, trading_pairs: list[str]) -> list[WSRequest]:
        params = [f"{symbol(p).lower()}@{channel}" for p in trading_pairs for channel in ("trade", "depth@100ms")]
        return [WSJSONRequest(payload={"method": "SUBSCRIBE", "params": params, "id": 1})]

    def _unsubscription_requests(self, trading_pairs: list[str]) -> list[WSRequest]:
        params = [f"{symbol(p).lower()}@{channel}" for p in trading_pairs for channel in ("trade", "depth@100ms")]
        return [WSJSONRequest(payload={"method": "UNSUBSCRIBE", "params": params, "id": 2})]

    def _heartbeat_request(self) -> WSRequest | None:
        return self.heartbeat_request

    heartbeat_request: WSRequest | None = None

    def _channel_originating_message(self, event_message: dict[str, Any]) -> Any:
        return event_message.get("e") if isinstance(event_message, dict) else None

    async def _process_message_for_unknown_channel(self, event_message: Any, websocket_assistant: WSAssistant) -> None:
        self.unknown_messages.append(event_message)

    async def _parse_order_book_diff_message(self, raw_message: dict[str, Any], message_queue: asyncio.Queue) -> None:
        message_queue.put_nowait(diff_message(raw_message, self._pair_for(raw_message["s"])))

    async def _parse_trade_message(self, raw_message: dict[str, Any], message_queue: asyncio.Queue) -> None:
        side = TradeType.SELL if raw_message["m"] else TradeType.BUY
        content = {
            "trading_pair": self._pair_for(raw_message["s"]),
            "trade_id": raw_message["t"],
            "trade_type": float(side.value),
            "price": raw_message["p"],
            "amount": raw_message["q"],
            "update_id": raw_message["T"],
        }
        message_queue.put_nowait(OrderBookMessage(OrderBookMessageType.TRADE, content, raw_message["T"] * 1e-3))

    async def _parse_order_book_snapshot_message(self, raw_message: Any, message_queue: asyncio.Queue) -> None:
        raise NotImplementedError("Binance pushes no snapshots on this stream")

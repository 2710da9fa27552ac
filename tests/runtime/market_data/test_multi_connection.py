"""A data source whose public channels live on two websocket connections (``WS_CONNECTIONS``): each connection has
its own reconnect loop, both feed the same queues, and dynamic subscriptions go to both."""

from __future__ import annotations

import asyncio
import unittest
from typing import Any

import aiohttp
from hbrt.testing.network_mocking_assistant import NetworkMockingAssistant
from hbrt.web_assistant.connections.data_types import WSJSONRequest, WSRequest
from hbrt.web_assistant.ws_assistant import WSAssistant

from .binance_like import BinanceLikeOrderBookDataSource, make_factory, symbol
from .test_data_sources import DEPTH, PAIR, TRADE, fast_sleep

URLS = {"public": "wss://stream.example-binance.test/public", "market": "wss://stream.example-binance.test/market"}
CHANNELS = {"public": "depth@100ms", "market": "trade"}


class TwoConnectionDataSource(BinanceLikeOrderBookDataSource):
    WS_CONNECTIONS = ("public", "market")

    async def _connected_websocket_assistant_on(self, connection: str) -> WSAssistant:
        ws = await self._api_factory.get_ws_assistant()
        await ws.connect(ws_url=URLS[connection], ping_timeout=30)
        return ws

    def _requests(self, method: str, connection: str, trading_pairs: list[str]) -> list[WSRequest]:
        params = [f"{symbol(p).lower()}@{CHANNELS[connection]}" for p in trading_pairs]
        return [WSJSONRequest(payload={"method": method, "params": params, "id": 1})]

    def _subscription_requests_on(self, connection: str, trading_pairs: list[str]) -> list[WSRequest]:
        return self._requests("SUBSCRIBE", connection, trading_pairs)

    def _unsubscription_requests_on(self, connection: str, trading_pairs: list[str]) -> list[WSRequest]:
        return self._requests("UNSUBSCRIBE", connection, trading_pairs)


class _Session:
    """ws_connect by URL: each URL hands out its websocket mocks in order."""

    def __init__(self, mocks: dict[str, list[Any]]) -> None:
        self.mocks = mocks
        self.connected: list[str] = []

    async def ws_connect(self, url: str, **kwargs: Any) -> Any:
        self.connected.append(url)
        ws = self.mocks[url].pop(0)
        ws.closed = False
        return ws


class MultiConnectionTests(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.mocking = NetworkMockingAssistant()
        self.factory = make_factory()
        self.ds = TwoConnectionDataSource([PAIR], self.factory)
        self.ds._sleep = fast_sleep
        self.public = [self.mocking.create_websocket_mock(), self.mocking.create_websocket_mock()]
        self.market = [self.mocking.create_websocket_mock()]
        self.session = _Session({URLS["public"]: list(self.public), URLS["market"]: list(self.market)})
        self.factory.connections_factory.set_ws_session(self.session)
        self.tasks = [asyncio.create_task(self.ds.listen_for_subscriptions())]

    async def asyncTearDown(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.factory.close()

    async def test_each_connection_subscribes_its_channels_and_feeds_the_queues(self) -> None:
        diffs: asyncio.Queue[Any] = asyncio.Queue()
        trades: asyncio.Queue[Any] = asyncio.Queue()
        self.tasks.append(asyncio.create_task(self.ds.listen_for_order_book_diffs(None, diffs)))
        self.tasks.append(asyncio.create_task(self.ds.listen_for_trades(None, trades)))
        self.mocking.add_websocket_json_message(self.public[0], DEPTH)
        self.mocking.add_websocket_json_message(self.market[0], TRADE)
        self.assertEqual(160, (await asyncio.wait_for(diffs.get(), 1)).update_id)
        self.assertEqual(12345, (await asyncio.wait_for(trades.get(), 1)).trade_id)
        self.assertEqual(
            ["coinalphahbot@depth@100ms"],
            self.mocking.json_messages_sent_through_websocket(self.public[0])[0]["params"],
        )
        self.assertEqual(
            ["coinalphahbot@trade"], self.mocking.json_messages_sent_through_websocket(self.market[0])[0]["params"]
        )

    async def test_a_lost_connection_reconnects_alone(self) -> None:
        self.mocking.add_websocket_aiohttp_message(self.public[0], None, aiohttp.WSMsgType.CLOSE)
        self.mocking.add_websocket_json_message(self.public[1], DEPTH)
        await self.mocking.run_until_all_aiohttp_messages_delivered(self.public[1])
        self.assertEqual(2, self.session.connected.count(URLS["public"]))
        self.assertEqual(1, self.session.connected.count(URLS["market"]))
        self.assertIn("market", self.ds._ws_assistants_on)

    async def test_dynamic_subscription_goes_to_every_connection_or_none(self) -> None:
        async with asyncio.timeout(1):
            while len(self.ds._ws_assistants_on) < 2:
                await asyncio.sleep(0)
        self.assertTrue(await self.ds.subscribe_to_trading_pair("ETH-HBOT"))
        self.assertEqual(
            {"method": "SUBSCRIBE", "params": ["ethhbot@depth@100ms"], "id": 1},
            self.mocking.json_messages_sent_through_websocket(self.public[0])[-1],
        )
        self.assertEqual(
            ["ethhbot@trade"], self.mocking.json_messages_sent_through_websocket(self.market[0])[-1]["params"]
        )
        self.ds._ws_assistants_on.pop("market")
        sent_before = len(self.mocking.json_messages_sent_through_websocket(self.public[0]))
        self.assertFalse(await self.ds.unsubscribe_from_trading_pair("ETH-HBOT"))
        self.assertFalse(await self.ds.request_websocket_snapshot("ETH-HBOT"))
        self.assertEqual(sent_before, len(self.mocking.json_messages_sent_through_websocket(self.public[0])))

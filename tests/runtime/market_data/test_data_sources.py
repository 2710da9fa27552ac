"""Order book and user stream data sources: subscriptions, routing, heartbeats, reconnects, REST snapshots,
and one run against a real aiohttp websocket server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import re
import unittest
from decimal import Decimal
from typing import Any

import aiohttp
from aiohttp import web
from aioresponses import aioresponses
from hbrt.data_type.order_book_message import OrderBookMessageType
from hbrt.data_type.order_book_tracker import OrderBookTracker
from hbrt.data_type.user_stream_tracker import UserStreamTracker
from hbrt.data_type.user_stream_tracker_data_source import UserStreamTrackerDataSource
from hbrt.testing.network_mocking_assistant import NetworkMockingAssistant
from hbrt.web_assistant.connections.data_types import WSJSONRequest
from hbrt.web_assistant.web_assistants_factory import WebAssistantsFactory
from hbrt.web_assistant.ws_assistant import WSAssistant

from .binance_like import REST_URL, BinanceLikeOrderBookDataSource, make_factory

PAIR = "COINALPHA-HBOT"
DEPTH = {
    "e": "depthUpdate",
    "E": 123456789,
    "s": "COINALPHAHBOT",
    "U": 157,
    "u": 160,
    "b": [["0.0024", "10"]],
    "a": [["0.0026", "100"]],
}
TRADE = {
    "e": "trade",
    "E": 123456789,
    "s": "COINALPHAHBOT",
    "t": 12345,
    "p": "0.001",
    "q": "100",
    "b": 88,
    "a": 50,
    "T": 123456785,
    "m": True,
    "M": True,
}


async def fast_sleep(_: float) -> None:
    await asyncio.sleep(0)


async def settle(n: int = 30) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


class OrderBookDataSourceTests(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.mocking = NetworkMockingAssistant()
        self.factory = make_factory()
        self.ds = BinanceLikeOrderBookDataSource([PAIR], self.factory)
        self.ds._sleep = fast_sleep
        self.tasks: list[asyncio.Task] = []

    async def asyncTearDown(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.factory.close()

    def run_task(self, coro: Any) -> asyncio.Task:
        task = asyncio.create_task(coro)
        self.tasks.append(task)
        return task

    async def test_subscribes_and_routes_messages(self) -> None:
        ws = self.mocking.configure_web_assistants_factory(self.factory)
        diffs: asyncio.Queue = asyncio.Queue()
        trades: asyncio.Queue = asyncio.Queue()
        self.run_task(self.ds.listen_for_subscriptions())
        self.run_task(self.ds.listen_for_order_book_diffs(None, diffs))
        self.run_task(self.ds.listen_for_trades(None, trades))
        self.mocking.add_websocket_json_message(ws, {"result": None, "id": 1})
        self.mocking.add_websocket_json_message(ws, DEPTH)
        self.mocking.add_websocket_json_message(ws, TRADE)
        await self.mocking.run_until_all_aiohttp_messages_delivered(ws)
        sent = self.mocking.json_messages_sent_through_websocket(ws)
        self.assertEqual(
            sent, [{"method": "SUBSCRIBE", "params": ["coinalphahbot@trade", "coinalphahbot@depth@100ms"], "id": 1}]
        )
        diff = await asyncio.wait_for(diffs.get(), 1)
        self.assertEqual(
            (diff.type, diff.update_id, diff.first_update_id, diff.trading_pair),
            (OrderBookMessageType.DIFF, 160, 157, PAIR),
        )
        self.assertEqual(diff.bids[0].price, Decimal("0.0024"))
        trade = await asyncio.wait_for(trades.get(), 1)
        self.assertEqual(
            (trade.type, trade.trade_id, trade.content["trade_type"]), (OrderBookMessageType.TRADE, 12345, 2.0)
        )
        self.assertEqual(self.ds.unknown_messages, [{"result": None, "id": 1}])

    async def test_reader_parses_inline_and_never_overtakes_a_backlog(self) -> None:
        """With a consumer running, the websocket reader parses each message itself (no queue hop); messages that
        arrive while the channel's queue holds a backlog, or while its consumer is busy, wait behind it."""
        ws = self.mocking.configure_web_assistants_factory(self.factory)
        release = asyncio.Event()
        parsed_by: list[tuple[int, asyncio.Task[Any] | None]] = []
        parse = self.ds._parse_order_book_diff_message

        async def slow_parse(raw: dict[str, Any], queue: asyncio.Queue) -> None:
            if raw["u"] == 1:
                await release.wait()  # e.g. a symbol map still loading
            parsed_by.append((raw["u"], asyncio.current_task()))
            await parse(raw, queue)

        self.ds._parse_order_book_diff_message = slow_parse  # type: ignore[method-assign]

        def depth(update_id: int) -> dict[str, Any]:
            return {**DEPTH, "U": update_id, "u": update_id}

        queue = self.ds._message_queue["depthUpdate"]
        queue.put_nowait(depth(1))
        queue.put_nowait(depth(2))
        diffs: asyncio.Queue = asyncio.Queue()
        consumer = self.run_task(self.ds.listen_for_order_book_diffs(None, diffs))
        reader = self.run_task(self.ds.listen_for_subscriptions())
        await settle()
        self.mocking.add_websocket_json_message(ws, depth(3))
        self.mocking.add_websocket_json_message(ws, depth(4))
        await self.mocking.run_until_all_aiohttp_messages_delivered(ws)
        self.assertEqual(diffs.qsize(), 0)  # 1 is stuck in the consumer; 2, 3 and 4 wait behind it
        release.set()
        await settle()
        self.assertEqual([diffs.get_nowait().update_id for _ in range(4)], [1, 2, 3, 4])
        self.assertTrue(all(task is consumer for _, task in parsed_by))
        self.mocking.add_websocket_json_message(ws, depth(5))  # nothing pending: the reader parses it itself
        await self.mocking.run_until_all_aiohttp_messages_delivered(ws)
        self.assertEqual(diffs.get_nowait().update_id, 5)
        self.assertIs(parsed_by[-1][1], reader)
        self.assertEqual(queue.qsize(), 0)
        consumer.cancel()
        await asyncio.gather(consumer, return_exceptions=True)
        self.mocking.add_websocket_json_message(ws, depth(6))  # no consumer any more: queued for whoever comes
        await self.mocking.run_until_all_aiohttp_messages_delivered(ws)
        self.assertEqual(queue.get_nowait()["u"], 6)

    async def test_a_failing_parse_is_logged_and_the_stream_goes_on(self) -> None:
        ws = self.mocking.configure_web_assistants_factory(self.factory)
        diffs: asyncio.Queue = asyncio.Queue()
        self.run_task(self.ds.listen_for_order_book_diffs(None, diffs))
        self.run_task(self.ds.listen_for_subscriptions())
        await settle()
        self.mocking.add_websocket_json_message(ws, {**DEPTH, "s": "UNKNOWNPAIR"})
        self.mocking.add_websocket_json_message(ws, DEPTH)
        with self.assertLogs("hbrt.data_type.order_book_tracker_data_source", level="ERROR") as logs:
            await self.mocking.run_until_all_aiohttp_messages_delivered(ws)
        self.assertIn("Unexpected error parsing an order book diff message", logs.output[0])
        self.assertEqual((await asyncio.wait_for(diffs.get(), 1)).update_id, 160)
        self.assertEqual(len(self.mocking.mock_ws_session.connect_calls), 1)  # no reconnect for a bad message

    async def test_reconnects_and_resubscribes_after_server_close(self) -> None:
        ws1 = self.mocking.create_websocket_mock()
        ws2 = self.mocking.create_websocket_mock()
        self.mocking.configure_web_assistants_factory(self.factory, [ws1, ws2])
        diffs: asyncio.Queue = asyncio.Queue()
        self.run_task(self.ds.listen_for_subscriptions())
        self.run_task(self.ds.listen_for_order_book_diffs(None, diffs))
        self.mocking.add_websocket_aiohttp_message(ws1, None, aiohttp.WSMsgType.CLOSE)
        self.mocking.add_websocket_json_message(ws2, DEPTH)
        await self.mocking.run_until_all_aiohttp_messages_delivered(ws2)
        self.assertEqual(len(self.mocking.json_messages_sent_through_websocket(ws1)), 1)
        self.assertEqual(len(self.mocking.json_messages_sent_through_websocket(ws2)), 1)
        self.assertEqual(len(self.mocking.mock_ws_session.connect_calls), 2)
        self.assertEqual((await asyncio.wait_for(diffs.get(), 1)).update_id, 160)

    async def test_reconnects_after_silence(self) -> None:
        ws1 = self.mocking.create_websocket_mock()
        ws2 = self.mocking.create_websocket_mock()
        self.mocking.configure_web_assistants_factory(self.factory, [ws1, ws2])
        self.ds.MESSAGE_TIMEOUT = 0.05  # type: ignore[misc]
        self.run_task(self.ds.listen_for_subscriptions())
        for _ in range(200):
            await asyncio.sleep(0.005)
            if len(self.mocking.json_messages_sent_through_websocket(ws2)) == 1:
                break
        self.assertEqual(len(self.mocking.json_messages_sent_through_websocket(ws2)), 1)

    async def test_protocol_ping_heartbeat(self) -> None:
        ws = self.mocking.configure_web_assistants_factory(self.factory)
        intervals: list[float] = []

        async def sleep(delay: float) -> None:
            intervals.append(delay)
            await asyncio.sleep(0)

        self.ds._sleep = sleep
        self.ds.HEARTBEAT_INTERVAL = 20.0  # type: ignore[misc]
        self.run_task(self.ds.listen_for_subscriptions())
        await settle()
        self.assertTrue(ws.ping.called)
        self.assertIn(20.0, intervals)
        self.assertEqual(self.mocking.json_messages_sent_through_websocket(ws)[0]["method"], "SUBSCRIBE")

    async def test_json_heartbeat_message(self) -> None:
        ws = self.mocking.configure_web_assistants_factory(self.factory)
        self.ds.HEARTBEAT_INTERVAL = 5.0  # type: ignore[misc]
        self.ds.heartbeat_request = WSJSONRequest(payload={"op": "ping"})
        self.run_task(self.ds.listen_for_subscriptions())
        await settle()
        self.assertIn({"op": "ping"}, self.mocking.json_messages_sent_through_websocket(ws))
        self.assertFalse(ws.ping.called)

    async def test_dynamic_subscription(self) -> None:
        self.assertFalse(await self.ds.subscribe_to_trading_pair("ETH-HBOT"))
        ws = self.mocking.configure_web_assistants_factory(self.factory)
        self.run_task(self.ds.listen_for_subscriptions())
        await settle()
        self.assertTrue(await self.ds.subscribe_to_trading_pair("ETH-HBOT"))
        self.assertIn("ETH-HBOT", self.ds.trading_pairs)
        self.assertTrue(await self.ds.unsubscribe_from_trading_pair("ETH-HBOT"))
        sent = self.mocking.json_messages_sent_through_websocket(ws)
        self.assertEqual([m["method"] for m in sent], ["SUBSCRIBE", "SUBSCRIBE", "UNSUBSCRIBE"])
        self.assertEqual(sent[1]["params"], ["ethhbot@trade", "ethhbot@depth@100ms"])

    async def test_rest_snapshot_and_periodic_snapshots(self) -> None:
        with aioresponses() as mocked:
            url = re.compile(re.escape(REST_URL + "depth") + r".*")
            body = {
                "lastUpdateId": 1027024,
                "bids": [["4.00000000", "431.00000000"]],
                "asks": [["4.00000200", "12.00000000"]],
            }
            mocked.get(url, payload=body, repeat=True)
            book = await self.ds.get_new_order_book(PAIR)
            self.assertEqual(book.snapshot_uid, 1027024)
            self.assertEqual(book.get_price(True), Decimal("4.000002"))
            self.ds.FULL_ORDER_BOOK_RESET_DELTA_SECONDS = 0.01
            output: asyncio.Queue = asyncio.Queue()
            self.run_task(self.ds.listen_for_order_book_snapshots(None, output))
            message = await asyncio.wait_for(output.get(), 1)
            self.assertEqual((message.type, message.update_id), (OrderBookMessageType.SNAPSHOT, 1027024))
            request = next(iter(mocked.requests.values()))[0]
            self.assertEqual(request.kwargs["params"], {"symbol": "COINALPHAHBOT", "limit": 1000})


class LoopbackServerTest(unittest.IsolatedAsyncioTestCase):
    """The whole public path over real sockets: aiohttp server (REST depth + websocket) on 127.0.0.1, port 0."""

    async def test_tracker_syncs_against_real_websocket_server(self) -> None:
        subscribed = asyncio.Event()
        received: list[Any] = []

        async def depth(request: web.Request) -> web.Response:
            await subscribed.wait()
            return web.json_response(
                {"lastUpdateId": 102, "bids": [["10.00", "1"], ["9.99", "2"], ["9.98", "5"]], "asks": [["10.01", "3"]]}
            )

        async def stream(request: web.Request) -> web.WebSocketResponse:
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            received.append(json.loads((await ws.receive()).data))
            await ws.send_json({"result": None, "id": 1})
            # 101..102 are in the snapshot; 103..104 must be replayed from the buffer; 105 arrives live.
            await ws.send_json(
                {"e": "depthUpdate", "E": 1, "s": "COINALPHAHBOT", "U": 100, "u": 101, "b": [["9.98", "5"]], "a": []}
            )
            await ws.send_json(
                {
                    "e": "depthUpdate",
                    "E": 2,
                    "s": "COINALPHAHBOT",
                    "U": 102,
                    "u": 104,
                    "b": [["10.00", "0"]],
                    "a": [["10.02", "4"]],
                }
            )
            subscribed.set()
            await asyncio.sleep(0.05)
            await ws.send_json(
                {"e": "depthUpdate", "E": 3, "s": "COINALPHAHBOT", "U": 105, "u": 105, "b": [["9.99", "7"]], "a": []}
            )
            async for _ in ws:
                pass
            return ws

        app = web.Application()
        app.router.add_get("/api/v3/depth", depth)
        app.router.add_get("/ws", stream)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        factory = make_factory()
        ds = BinanceLikeOrderBookDataSource(
            [PAIR], factory, rest_url=f"http://127.0.0.1:{port}/api/v3/", ws_url=f"ws://127.0.0.1:{port}/ws"
        )
        tracker = OrderBookTracker(ds, [PAIR])
        try:
            tracker.start()
            await asyncio.wait_for(tracker.wait_ready(), 5)
            book = tracker.order_books[PAIR]
            for _ in range(100):
                if book.last_diff_uid == 105:
                    break
                await asyncio.sleep(0.01)
            self.assertEqual(received[0]["method"], "SUBSCRIBE")
            bids, asks = book.snapshot
            self.assertEqual(
                [(r.price, r.amount) for r in bids], [(Decimal("9.99"), Decimal("7")), (Decimal("9.98"), Decimal("5"))]
            )
            self.assertEqual(
                [(r.price, r.amount) for r in asks],
                [(Decimal("10.01"), Decimal("3")), (Decimal("10.02"), Decimal("4"))],
            )
            self.assertEqual(tracker.integrity_stats(PAIR)["resyncs"], 1)
        finally:
            tracker.stop()
            await asyncio.sleep(0)
            await factory.close()
            await runner.cleanup()


class FakeUserStream(UserStreamTrackerDataSource):
    KEEP_ALIVE_INTERVAL = 1800.0

    def __init__(self, factory: WebAssistantsFactory) -> None:
        super().__init__()
        self._factory = factory
        self.keep_alives = 0
        self._sleep = fast_sleep

    async def _connected_websocket_assistant(self) -> WSAssistant:
        ws = await self._factory.get_ws_assistant()
        await ws.connect(ws_url="wss://user.example.test/ws?listenKey=abc")
        return ws

    async def _subscribe_channels(self, websocket_assistant: WSAssistant) -> None:
        await websocket_assistant.send(WSJSONRequest(payload={"method": "userDataStream.subscribe.signature", "id": 7}))

    async def _keep_alive(self) -> None:
        self.keep_alives += 1
        await asyncio.sleep(0.5)  # slower than the test: still running when the connection drops

    async def _process_event_message(self, event_message: Any, queue: asyncio.Queue) -> None:
        if isinstance(event_message, dict) and "result" in event_message:
            return  # subscription ack
        await super()._process_event_message(event_message, queue)


class UserStreamTests(unittest.IsolatedAsyncioTestCase):
    async def test_login_forwarding_keep_alive_and_reconnect(self) -> None:
        mocking = NetworkMockingAssistant()
        factory = make_factory()
        ws1 = mocking.create_websocket_mock()
        ws2 = mocking.create_websocket_mock()
        mocking.configure_web_assistants_factory(factory, [ws1, ws2])
        ds = FakeUserStream(factory)
        tracker = UserStreamTracker(ds)
        self.assertEqual(tracker.last_recv_time, 0)
        runner = asyncio.create_task(tracker.start())
        mocking.add_websocket_json_message(ws1, {"result": None, "id": 7})
        mocking.add_websocket_json_message(ws1, {"e": "executionReport", "c": "OID1"})
        await mocking.run_until_all_aiohttp_messages_delivered(ws1)
        self.assertEqual(await asyncio.wait_for(tracker.user_stream.get(), 1), {"e": "executionReport", "c": "OID1"})
        self.assertTrue(tracker.user_stream.empty(), "the ack was filtered")
        self.assertGreater(tracker.last_recv_time, 0)
        self.assertEqual(
            mocking.json_messages_sent_through_websocket(ws1)[0]["method"], "userDataStream.subscribe.signature"
        )
        self.assertTrue(ws1.ping.called)
        await settle()
        self.assertEqual(ds.keep_alives, 1)
        keep_alive_task = ds._keep_alive_task
        self.assertIsNotNone(keep_alive_task)
        mocking.add_websocket_aiohttp_message(ws1, None, aiohttp.WSMsgType.CLOSE)
        mocking.add_websocket_json_message(ws2, {"e": "outboundAccountPosition"})
        await mocking.run_until_all_aiohttp_messages_delivered(ws2)
        await settle()
        self.assertTrue(keep_alive_task.cancelled(), "keep-alive cancelled on interruption")
        self.assertEqual(await asyncio.wait_for(tracker.user_stream.get(), 1), {"e": "outboundAccountPosition"})
        self.assertEqual(len(mocking.json_messages_sent_through_websocket(ws2)), 1, "logged in again")
        await tracker.stop()
        await asyncio.wait_for(runner, 1)  # start() returns once stopped
        self.assertEqual(tracker.last_recv_time, 0)
        await factory.close()


if __name__ == "__main__":
    unittest.main()

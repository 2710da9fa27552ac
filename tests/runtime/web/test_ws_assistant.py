"""WSAssistant against a real aiohttp websocket server on 127.0.0.1 (port 0)."""

from __future__ import annotations

import asyncio
import gzip
import random
import time
import unittest
from typing import Any

import aiohttp
from aiohttp import web
from hbrt.web_assistant import (
    AuthBase,
    ExponentialBackoff,
    GZipCompressionWSPostProcessor,
    RESTRequest,
    WebAssistantsFactory,
    WSAssistant,
    WSBinaryRequest,
    WSJSONRequest,
    WSPlainTextRequest,
    WSRequest,
    run_with_reconnect,
)


class NoThrottle:
    def __init__(self) -> None:
        self.limit_ids: list[str] = []

    def execute_task(self, limit_id: str) -> Any:
        self.limit_ids.append(limit_id)
        return _Nothing()


class _Nothing:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc: object) -> None:
        return None


class TokenAuth(AuthBase):
    async def rest_authenticate(self, request: RESTRequest) -> RESTRequest:
        return request

    async def ws_authenticate(self, request: WSRequest) -> WSRequest:
        assert isinstance(request, WSJSONRequest)
        request.payload = {**request.payload, "token": "signed"}
        return request


async def wait_for_condition(predicate: Any, timeout: float = 1.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.005)


class WSServerTestCase(unittest.IsolatedAsyncioTestCase):
    """Starts a websocket server whose sockets the test drives directly."""

    drop_first_connections = 0
    answer_pings = True  # False: a peer that is gone without closing (its pings go unanswered)

    async def asyncSetUp(self) -> None:
        self.server_sockets: asyncio.Queue[web.WebSocketResponse] = asyncio.Queue()
        self.server_frames: asyncio.Queue[tuple[aiohttp.WSMsgType, Any]] = asyncio.Queue()
        self.seen_headers: list[dict[str, str]] = []
        self.connection_count = 0
        self.close_codes: list[int | None] = []

        async def handler(request: web.Request) -> web.WebSocketResponse:
            self.seen_headers.append(dict(request.headers))
            self.connection_count += 1
            ws = web.WebSocketResponse(autoping=False)
            await ws.prepare(request)
            if self.connection_count <= self.drop_first_connections:
                await ws.close(code=aiohttp.WSCloseCode.INTERNAL_ERROR, message=b"go away")
                return ws
            await self.server_sockets.put(ws)
            while True:
                msg = await ws.receive()
                if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                    self.close_codes.append(ws.close_code if msg.type != aiohttp.WSMsgType.CLOSE else msg.data)
                    await ws.close()
                    break
                if msg.type == aiohttp.WSMsgType.PING and self.answer_pings:
                    await ws.pong(msg.data)
                await self.server_frames.put((msg.type, msg.data))
            return ws

        app = web.Application()
        app.router.add_get("/ws", handler)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"ws://127.0.0.1:{port}/ws"
        self.throttler = NoThrottle()
        self.factory = WebAssistantsFactory(
            throttler=self.throttler, auth=TokenAuth(), ws_post_processors=[GZipCompressionWSPostProcessor()]
        )

    async def asyncTearDown(self) -> None:
        await self.factory.close()
        await self.runner.cleanup()

    async def connected_pair(self, **kwargs: Any) -> tuple[WSAssistant, web.WebSocketResponse]:
        client = await self.factory.get_ws_assistant()
        await client.connect(self.url, **kwargs)
        server = await asyncio.wait_for(self.server_sockets.get(), 1)
        return client, server

    async def next_server_frame(self) -> tuple[aiohttp.WSMsgType, Any]:
        return await asyncio.wait_for(self.server_frames.get(), 1)


class WSAssistantRealServerTests(WSServerTestCase):
    async def test_connect_sends_headers(self) -> None:
        client, _server = await self.connected_pair(ws_headers={"X-Test": "hello"})
        self.assertTrue(client.connected)
        self.assertEqual("hello", self.seen_headers[0]["X-Test"])
        await client.disconnect()

    async def test_send_json_text_binary_with_auth_and_receive_json_text_binary(self) -> None:
        client, server = await self.connected_pair()

        original = WSJSONRequest(payload={"op": "subscribe"}, is_auth_required=True)
        await client.send(original)
        self.assertEqual({"op": "subscribe"}, original.payload)  # auth signed a copy
        await client.subscribe(WSJSONRequest(payload={"op": "public"}))
        await client.send(WSPlainTextRequest(payload="ping-text"))
        await client.send(WSBinaryRequest(payload=b"\x00\x01"))

        signed = '{"op": "subscribe", "token": "signed"}'
        self.assertEqual((aiohttp.WSMsgType.TEXT, signed), await self.next_server_frame())
        self.assertEqual((aiohttp.WSMsgType.TEXT, '{"op": "public"}'), await self.next_server_frame())
        self.assertEqual((aiohttp.WSMsgType.TEXT, "ping-text"), await self.next_server_frame())
        self.assertEqual((aiohttp.WSMsgType.BINARY, b"\x00\x01"), await self.next_server_frame())
        self.assertEqual([], self.throttler.limit_ids)  # websocket sends are not throttled by default

        await server.send_json({"e": "trade", "p": "1.5"})
        await server.send_str("not json")
        await server.send_bytes(gzip.compress(b'{"zipped": true}'))
        self.assertEqual({"e": "trade", "p": "1.5"}, (await client.receive()).data)
        self.assertEqual("not json", (await client.receive()).data)
        self.assertEqual({"zipped": True}, (await client.receive()).data)
        await client.disconnect()

    async def test_server_ping_is_answered_with_pong_and_not_returned(self) -> None:
        client, server = await self.connected_pair()
        receiving = asyncio.create_task(client.receive())

        await server.ping(b"are-you-there")
        self.assertEqual((aiohttp.WSMsgType.PONG, b"are-you-there"), await self.next_server_frame())
        self.assertFalse(receiving.done())
        self.assertGreater(client.last_recv_time, 0)

        await server.send_json({"after": "ping"})
        self.assertEqual({"after": "ping"}, (await asyncio.wait_for(receiving, 1)).data)
        await client.disconnect()

    async def test_client_ping_gets_pong_which_updates_last_recv_time_but_is_dropped(self) -> None:
        client, server = await self.connected_pair()
        self.assertEqual(0, client.last_recv_time)
        receiving = asyncio.create_task(client.receive())

        await client.ping()
        self.assertEqual(aiohttp.WSMsgType.PING, (await self.next_server_frame())[0])
        await wait_for_condition(lambda: client.last_recv_time > 0)
        self.assertFalse(receiving.done())

        await server.send_str("data")
        self.assertEqual("data", (await asyncio.wait_for(receiving, 1)).data)
        await client.disconnect()

    async def test_server_close_raises_connection_error_and_marks_disconnected(self) -> None:
        client, server = await self.connected_pair()
        await server.send_json({"n": 1})
        await server.close(code=aiohttp.WSCloseCode.GOING_AWAY)

        received: list[Any] = []
        with self.assertRaises(ConnectionError) as ctx:
            async for message in client.iter_messages():
                received.append(message.data)

        self.assertEqual([{"n": 1}], received)
        self.assertIn("1001", str(ctx.exception))
        self.assertFalse(client.connected)
        self.assertIsNone(await client.receive())
        with self.assertRaises(RuntimeError):
            await client.send(WSPlainTextRequest(payload="late"))

    async def test_disconnect_from_another_task_ends_iteration_and_closes_cleanly(self) -> None:
        client, server = await self.connected_pair()
        received: list[Any] = []

        async def consume() -> None:
            async for message in client.iter_messages():
                received.append(message.data)

        consumer = asyncio.create_task(consume())
        await server.send_json({"n": 1})
        await wait_for_condition(lambda: received == [{"n": 1}])

        await client.disconnect()
        await asyncio.wait_for(consumer, 1)  # ends without an exception

        await wait_for_condition(lambda: self.close_codes == [aiohttp.WSCloseCode.OK])
        self.assertFalse(client.connected)
        await client.disconnect()  # idempotent

    async def test_message_timeout_raises_timeout_error(self) -> None:
        client, _server = await self.connected_pair(message_timeout=0.05)
        with self.assertRaises(asyncio.TimeoutError):
            await client.receive()
        await client.disconnect()

    async def test_connect_twice_is_rejected(self) -> None:
        client, _server = await self.connected_pair()
        with self.assertRaises(RuntimeError):
            await client.connect(self.url)
        await client.disconnect()


class WSLivenessTests(WSServerTestCase):
    """``ping_timeout``: a silent connection is pinged; one that does not answer is closed and ``receive`` raises."""

    def server_pings(self) -> int:
        frames = []
        while not self.server_frames.empty():
            frames.append(self.server_frames.get_nowait())
        return sum(1 for kind, _ in frames if kind == aiohttp.WSMsgType.PING)

    async def test_a_silent_peer_that_answers_pings_stays_connected(self) -> None:
        client, server = await self.connected_pair(ping_timeout=0.1)
        receiving = asyncio.create_task(client.receive())
        await asyncio.sleep(0.45)  # two to four liveness checks, each answered by a pong

        self.assertFalse(receiving.done())
        self.assertTrue(client.connected)
        self.assertGreaterEqual(self.server_pings(), 1)
        await server.send_str("still here")
        self.assertEqual("still here", (await asyncio.wait_for(receiving, 1)).data)
        await client.disconnect()

    async def test_a_peer_that_stops_answering_is_closed_and_receive_raises(self) -> None:
        self.answer_pings = False
        client, _server = await self.connected_pair(ping_timeout=0.1)
        started = time.monotonic()
        with self.assertRaises(ConnectionError) as ctx:
            await asyncio.wait_for(client.receive(), 2)

        self.assertIn("dead", str(ctx.exception))
        self.assertLess(time.monotonic() - started, 0.5)  # 1.5 to 2.5 ping timeouts
        self.assertFalse(client.connected)
        self.assertIsNone(await client.receive())
        await client.disconnect()  # idempotent

    async def test_frames_flowing_mean_no_pings(self) -> None:
        client, server = await self.connected_pair(ping_timeout=0.1)
        for n in range(20):
            await server.send_json({"n": n})
            self.assertEqual({"n": n}, (await asyncio.wait_for(client.receive(), 1)).data)
            await asyncio.sleep(0.02)

        self.assertEqual(0, self.server_pings())
        await client.disconnect()

    async def test_no_ping_timeout_no_pings(self) -> None:
        client, _server = await self.connected_pair(ping_timeout=None)
        receiving = asyncio.create_task(client.receive())
        await asyncio.sleep(0.2)

        self.assertFalse(receiving.done())
        self.assertEqual(0, self.server_pings())
        await client.disconnect()
        self.assertIsNone(await asyncio.wait_for(receiving, 1))


class WSReconnectRealServerTests(WSServerTestCase):
    drop_first_connections = 1

    async def test_reconnects_with_backoff_after_the_server_drops_the_first_connection(self) -> None:
        delays: list[float] = []

        async def fake_sleep(delay: float) -> None:
            delays.append(delay)

        async def serve_second_connection() -> None:
            server = await asyncio.wait_for(self.server_sockets.get(), 1)
            await server.send_json({"hello": 2})

        serving = asyncio.create_task(serve_second_connection())

        async def connect_and_run() -> Any:
            client = await self.factory.get_ws_assistant()
            await client.connect(self.url)
            try:
                async for message in client.iter_messages():
                    return message.data
            finally:
                await client.disconnect()
            return None

        backoff = ExponentialBackoff(initial=0.5, maximum=4.0, jitter=0.2, rng=random.Random(7))
        reference = ExponentialBackoff(initial=0.5, maximum=4.0, jitter=0.2, rng=random.Random(7))
        expected_first_delay = reference.next_delay()

        result = await run_with_reconnect(connect_and_run, backoff=backoff, sleep=fake_sleep)

        await serving
        self.assertEqual({"hello": 2}, result)
        self.assertEqual(2, self.connection_count)
        self.assertEqual([expected_first_delay], delays)
        self.assertEqual(0, backoff.attempts)  # reset after the successful run

"""NetworkMockingAssistant and the same websocket flows as the real-server tests, through the mock."""

from __future__ import annotations

import asyncio
import json
import random
import unittest
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from unittest.mock import AsyncMock, patch

import aiohttp
from hbrt.testing import NetworkMockingAssistant
from hbrt.web_assistant import (
    AuthBase,
    ExponentialBackoff,
    RESTRequest,
    WebAssistantsFactory,
    WSBinaryRequest,
    WSJSONRequest,
    WSPlainTextRequest,
    WSPreProcessorBase,
    WSRequest,
    run_with_reconnect,
)


class RecordingThrottler:
    def __init__(self, events: list[str]) -> None:
        self.events = events
        self.limit_ids: list[str] = []

    def execute_task(self, limit_id: str) -> Any:
        @asynccontextmanager
        async def context() -> AsyncIterator[None]:
            self.limit_ids.append(limit_id)
            self.events.append(f"throttle:{limit_id}")
            yield

        return context()


class RecordingPreProcessor(WSPreProcessorBase):
    def __init__(self, events: list[str]) -> None:
        self.events = events

    async def pre_process(self, request: WSRequest) -> WSRequest:
        self.events.append("pre")
        return request


class RecordingAuth(AuthBase):
    def __init__(self, events: list[str]) -> None:
        self.events = events

    async def rest_authenticate(self, request: RESTRequest) -> RESTRequest:
        return request

    async def ws_authenticate(self, request: WSRequest) -> WSRequest:
        self.events.append("auth")
        assert isinstance(request, WSJSONRequest)
        request.payload = {**request.payload, "sig": "s"}
        return request


class NetworkMockingAssistantTests(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.mocking = NetworkMockingAssistant()
        self.events: list[str] = []
        self.throttler = RecordingThrottler(self.events)
        self.factory = WebAssistantsFactory(
            throttler=self.throttler,
            ws_pre_processors=[RecordingPreProcessor(self.events)],
            auth=RecordingAuth(self.events),
        )
        self.ws = self.mocking.configure_web_assistants_factory(self.factory)

    async def asyncTearDown(self) -> None:
        await self.factory.close()

    async def test_connect_records_url_and_headers_and_sends_are_recorded(self) -> None:
        client = await self.factory.get_ws_assistant()
        await client.connect("wss://stream.example.test/ws", ws_headers={"X-Key": "k"}, ping_timeout=5)

        await client.send(WSJSONRequest(payload={"op": "sub"}, is_auth_required=True))
        await client.send(WSPlainTextRequest(payload="ping"))
        await client.send(WSBinaryRequest(payload=b"\x01"))

        session = self.mocking.mock_ws_session
        assert session is not None
        (call,) = session.connect_calls
        self.assertEqual("wss://stream.example.test/ws", call.url)
        self.assertEqual({"X-Key": "k"}, call.kwargs["headers"])
        self.assertIsNone(call.kwargs["heartbeat"])  # WSConnection checks liveness itself
        self.assertFalse(call.kwargs["autoping"])
        self.assertEqual([{"op": "sub", "sig": "s"}], self.mocking.json_messages_sent_through_websocket(self.ws))
        self.assertEqual(["ping"], self.mocking.text_messages_sent_through_websocket(self.ws))
        self.assertEqual([b"\x01"], self.mocking.binary_messages_sent_through_websocket(self.ws))
        self.assertEqual([], self.throttler.limit_ids)

    async def test_queued_messages_are_received_and_receive_blocks_when_empty(self) -> None:
        client = await self.factory.get_ws_assistant()
        await client.connect("wss://x")
        received: list[Any] = []

        async def consume() -> None:
            async for message in client.iter_messages():
                received.append(message.data)

        consumer = asyncio.create_task(consume())
        for i in range(5):
            self.mocking.add_websocket_aiohttp_message(self.ws, json.dumps({"i": i}))
        self.mocking.add_websocket_aiohttp_message(self.ws, b"raw", message_type=aiohttp.WSMsgType.BINARY)
        await self.mocking.run_until_all_aiohttp_messages_delivered(self.ws)

        self.assertEqual([{"i": 0}, {"i": 1}, {"i": 2}, {"i": 3}, {"i": 4}, b"raw"], received)
        for _ in range(5):
            await asyncio.sleep(0)
        self.assertFalse(consumer.done())  # blocked on the empty queue like a real socket

        self.mocking.add_websocket_json_message(self.ws, {"late": True})
        await self.mocking.run_until_all_aiohttp_messages_delivered(self.ws)
        self.assertEqual({"late": True}, received[-1])

        await client.disconnect()  # wakes the blocked reader with a CLOSED frame
        await asyncio.wait_for(consumer, 1)
        self.ws.close.assert_awaited()

    async def test_ping_frame_is_answered_and_pong_frame_dropped(self) -> None:
        client = await self.factory.get_ws_assistant()
        await client.connect("wss://x")
        self.mocking.add_websocket_aiohttp_message(self.ws, b"p1", message_type=aiohttp.WSMsgType.PING)
        self.mocking.add_websocket_aiohttp_message(self.ws, b"", message_type=aiohttp.WSMsgType.PONG)
        self.mocking.add_websocket_aiohttp_message(self.ws, "payload")

        response = await client.receive()

        self.assertEqual("payload", response.data)
        self.ws.pong.assert_awaited_once_with(b"p1")
        self.assertGreater(client.last_recv_time, 0)

    async def test_client_ping_uses_the_socket_ping(self) -> None:
        client = await self.factory.get_ws_assistant()
        await client.connect("wss://x")
        await client.ping()
        self.ws.ping.assert_awaited_once()

    async def test_queued_exception_is_raised_and_close_frame_raises_connection_error(self) -> None:
        client = await self.factory.get_ws_assistant()
        await client.connect("wss://x")
        self.mocking.add_websocket_aiohttp_exception(self.ws, TimeoutError())
        self.mocking.add_websocket_aiohttp_message(self.ws, 1006, message_type=aiohttp.WSMsgType.CLOSE)

        with self.assertRaises(asyncio.TimeoutError):
            await client.receive()
        with self.assertRaises(ConnectionError) as ctx:
            await client.receive()
        self.assertIn("1006", str(ctx.exception))
        self.assertFalse(client.connected)

    async def test_error_frame_raises_connection_error(self) -> None:
        client = await self.factory.get_ws_assistant()
        await client.connect("wss://x")
        self.mocking.add_websocket_aiohttp_message(self.ws, None, message_type=aiohttp.WSMsgType.ERROR)
        with self.assertRaises(ConnectionError):
            await client.receive()
        self.assertFalse(client.connected)

    async def test_message_timeout_is_honoured_by_the_mock(self) -> None:
        client = await self.factory.get_ws_assistant()
        await client.connect("wss://x", message_timeout=0.02)
        with self.assertRaises(TimeoutError):
            await client.receive()

    async def test_run_until_delivered_times_out_when_nobody_reads(self) -> None:
        self.mocking.add_websocket_aiohttp_message(self.ws, "unread")
        with self.assertRaises(asyncio.TimeoutError):
            await self.mocking.run_until_all_aiohttp_messages_delivered(self.ws, timeout=0.02)

    async def test_receive_json_and_receive_str_pop_the_same_queue(self) -> None:
        self.mocking.add_websocket_json_message(self.ws, {"a": 1})
        self.mocking.add_websocket_text_message(self.ws, "txt")
        self.assertEqual({"a": 1}, await self.ws.receive_json())
        self.assertEqual("txt", await self.ws.receive_str())

    async def test_unknown_mock_is_rejected(self) -> None:
        with self.assertRaises(ValueError):
            self.mocking.add_websocket_aiohttp_message(AsyncMock(), "x")

    async def test_throttled_sends_enter_throttler_before_pre_processors_and_auth(self) -> None:
        factory = WebAssistantsFactory(
            throttler=self.throttler,
            ws_pre_processors=[RecordingPreProcessor(self.events)],
            auth=RecordingAuth(self.events),
            throttle_ws_sends=True,
        )
        ws = self.mocking.configure_web_assistants_factory(factory)
        ws.send_json.side_effect = lambda *args, **kwargs: self.events.append("send")
        client = await factory.get_ws_assistant()
        await client.connect("wss://x")

        await client.send(WSJSONRequest(payload={"op": "order"}, throttler_limit_id="ws-order", is_auth_required=True))
        await client.send(WSJSONRequest(payload={"op": "no-limit-id"}))
        await client.send(WSJSONRequest(payload={"op": "opt-out"}, throttler_limit_id="ws-order"), throttle=False)

        self.assertEqual(["ws-order"], self.throttler.limit_ids)
        self.assertEqual(["throttle:ws-order", "pre", "auth", "send", "pre", "send", "pre", "send"], self.events)
        await factory.close()

    async def test_per_request_throttling_when_factory_does_not_throttle(self) -> None:
        client = await self.factory.get_ws_assistant()
        await client.connect("wss://x")
        await client.send(WSPlainTextRequest(payload="a", throttler_limit_id="ws-sub"), throttle=True)
        await client.send(WSPlainTextRequest(payload="b", throttler_limit_id="ws-sub"))
        self.assertEqual(["ws-sub"], self.throttler.limit_ids)
        self.assertEqual(["a", "b"], self.mocking.text_messages_sent_through_websocket(self.ws))

    async def test_reconnect_through_mocks_uses_backoff_delays(self) -> None:
        first, second = self.mocking.create_websocket_mock(), self.mocking.create_websocket_mock()
        self.mocking.configure_web_assistants_factory(self.factory, ws_mocks=[first, OSError("refused"), second])
        self.mocking.add_websocket_aiohttp_message(first, 1011, message_type=aiohttp.WSMsgType.CLOSE)
        self.mocking.add_websocket_json_message(second, {"ok": True})
        delays: list[float] = []

        async def fake_sleep(delay: float) -> None:
            delays.append(delay)

        async def connect_and_run() -> Any:
            client = await self.factory.get_ws_assistant()
            await client.connect("wss://x")
            async for message in client.iter_messages():
                await client.disconnect()
                return message.data
            return None

        backoff = ExponentialBackoff(initial=1.0, maximum=30.0, factor=2.0, jitter=0.1, rng=random.Random(1))
        reference = ExponentialBackoff(initial=1.0, maximum=30.0, factor=2.0, jitter=0.1, rng=random.Random(1))

        result = await run_with_reconnect(connect_and_run, backoff=backoff, sleep=fake_sleep)

        self.assertEqual({"ok": True}, result)
        self.assertEqual([reference.next_delay(), reference.next_delay()], delays)
        session = self.mocking.mock_ws_session
        assert session is not None
        self.assertEqual(3, len(session.connect_calls))


class PatchedAiohttpTests(unittest.IsolatedAsyncioTestCase):
    """Hummingbot-style wiring: patch aiohttp.ClientSession.ws_connect to return the mock."""

    async def test_patched_ws_connect_returns_mock(self) -> None:
        mocking = NetworkMockingAssistant()
        ws = mocking.create_websocket_mock()
        async with WebAssistantsFactory(throttler=RecordingThrottler([])) as factory:
            with patch("aiohttp.ClientSession.ws_connect", new_callable=AsyncMock) as ws_connect:
                ws_connect.return_value = ws
                client = await factory.get_ws_assistant()
                await client.connect("wss://patched", ws_headers={"A": "b"})
                mocking.add_websocket_json_message(ws, {"x": 1})
                self.assertEqual({"x": 1}, (await client.receive()).data)
                await client.send(WSJSONRequest(payload={"y": 2}))
                self.assertEqual([{"y": 2}], mocking.json_messages_sent_through_websocket(ws))
                self.assertEqual("wss://patched", ws_connect.call_args.args[0])
                await client.disconnect()

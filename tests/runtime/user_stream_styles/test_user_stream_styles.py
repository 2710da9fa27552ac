"""The login-style user-stream data sources: signed subscribe, signed login, listen key and REST token."""

from __future__ import annotations

import asyncio
import unittest
from collections.abc import Mapping
from typing import Any

import aiohttp
from hbrt.api_throttler.async_throttler import AsyncThrottler
from hbrt.api_throttler.data_types import RateLimit
from hbrt.connector.rest_token import TokenSession
from hbrt.connector.user_stream_styles import (
    ListenKeyUserStreamDataSource,
    LoginFailedError,
    RestTokenUserStreamDataSource,
    SignedLoginUserStreamDataSource,
    SignedSubscribeUserStreamDataSource,
    StyledUserStreamDataSource,
    fill_template,
)
from hbrt.data_type.user_stream_tracker import UserStreamTracker
from hbrt.testing.network_mocking_assistant import NetworkMockingAssistant
from hbrt.web_assistant.web_assistants_factory import WebAssistantsFactory


async def fast_sleep(_: float) -> None:
    await asyncio.sleep(0)


async def settle(n: int = 30) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


def make_factory() -> WebAssistantsFactory:
    return WebAssistantsFactory(throttler=AsyncThrottler([RateLimit("x", 1000, 1)]))


class BinanceLike(SignedSubscribeUserStreamDataSource):
    """The Binance spot WS API facts, written by hand the way the template writes them."""

    def _ws_url(self) -> str:
        return f"wss://ws-api.example.{self._domain}/ws-api/v3"

    async def _login_message(self) -> Mapping[str, Any]:
        values = {"uuid": "u-1", "signed_params": {"apiKey": "k", "timestamp": 1, "signature": "s"}}
        return fill_template(
            {"id": "${uuid}", "method": "userDataStream.subscribe.signature", "params": "${signed_params}"}, values
        )

    def _is_login_success(self, reply: Any) -> bool:
        return isinstance(reply, Mapping) and reply.get("status") == 200

    def _is_ignored(self, message: Any) -> bool:
        return isinstance(message, Mapping) and "id" in message and "status" in message

    def _unwrap(self, message: Any) -> Any:
        return message.get("event") if isinstance(message, Mapping) and "event" in message else message

    def _is_terminated(self, event: Any) -> bool:
        return isinstance(event, Mapping) and event.get("e") == "eventStreamTerminated"


class FillTemplateTests(unittest.TestCase):
    def test_whole_placeholder_keeps_the_value_type(self) -> None:
        out = fill_template({"id": "${id}", "params": "${p}", "x": ["${id}", 3]}, {"id": 7, "p": {"a": 1}})
        self.assertEqual({"id": 7, "params": {"a": 1}, "x": [7, 3]}, out)

    def test_embedded_placeholders_become_text(self) -> None:
        self.assertEqual("k-7@x", fill_template("k-${id}@${s}", {"id": 7, "s": "x"}))

    def test_template_is_not_modified_and_unknown_names_fail(self) -> None:
        template = {"a": ["${id}"]}
        fill_template(template, {"id": 1})
        self.assertEqual({"a": ["${id}"]}, template)
        with self.assertRaises(KeyError):
            fill_template("${nope}", {})

    def test_non_placeholder_values_pass_through(self) -> None:
        self.assertEqual({"$": 1, "b": None, "c": "$x"}, fill_template({"$": 1, "b": None, "c": "$x"}, {}))


class SignedSubscribeTests(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.mocking = NetworkMockingAssistant()
        self.factory = make_factory()
        self.ws = self.mocking.create_websocket_mock()
        self.ws2 = self.mocking.create_websocket_mock()
        self.mocking.configure_web_assistants_factory(self.factory, [self.ws, self.ws2])
        self.ds = BinanceLike(auth=None, trading_pairs=["A-B"], connector=None, api_factory=self.factory, domain="com")
        self.ds._sleep = fast_sleep

    async def asyncTearDown(self) -> None:
        await self.ds.stop()
        await self.factory.close()

    async def test_abstract_facts_are_enforced(self) -> None:
        with self.assertRaises(TypeError):
            SignedSubscribeUserStreamDataSource(None, [], None, self.factory, "com")  # type: ignore[abstract]

    async def test_login_reply_is_read_before_streaming_and_events_are_unwrapped(self) -> None:
        queue: asyncio.Queue[Any] = asyncio.Queue()
        self.mocking.add_websocket_json_message(self.ws, {"id": "u-1", "status": 200, "result": {}})
        self.mocking.add_websocket_json_message(self.ws, {"id": "x", "status": 200})  # a late request reply: dropped
        self.mocking.add_websocket_json_message(self.ws, {"subscriptionId": 0, "event": {"e": "executionReport"}})
        self.mocking.add_websocket_text_message(self.ws, "not json")
        self.mocking.add_websocket_json_message(self.ws, {})
        task = asyncio.create_task(self.ds.listen_for_user_stream(queue))
        try:
            await self.mocking.run_until_all_aiohttp_messages_delivered(self.ws)
            self.assertEqual({"e": "executionReport"}, queue.get_nowait())
            self.assertTrue(queue.empty())
            sent = self.mocking.json_messages_sent_through_websocket(self.ws)
            self.assertEqual(
                [
                    {
                        "id": "u-1",
                        "method": "userDataStream.subscribe.signature",
                        "params": {"apiKey": "k", "timestamp": 1, "signature": "s"},
                    }
                ],
                sent,
            )
            url = self.mocking.mock_ws_session.connect_calls[0].url
            self.assertEqual("wss://ws-api.example.com/ws-api/v3", url)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def test_rejected_login_reconnects_and_never_queues_the_reply(self) -> None:
        queue: asyncio.Queue[Any] = asyncio.Queue()
        self.mocking.add_websocket_json_message(self.ws, {"id": "u-1", "status": 401, "error": {"msg": "bad key"}})
        self.mocking.add_websocket_json_message(self.ws2, {"id": "u-1", "status": 200})
        self.mocking.add_websocket_json_message(self.ws2, {"subscriptionId": 0, "event": {"e": "x"}})
        with self.assertLogs("hbrt", level="ERROR") as logs:
            task = asyncio.create_task(self.ds.listen_for_user_stream(queue))
            try:
                await self.mocking.run_until_all_aiohttp_messages_delivered(self.ws2)
                self.assertEqual({"e": "x"}, await asyncio.wait_for(queue.get(), 1))
                self.assertTrue(queue.empty())
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self.assertTrue(any("bad key" in line for line in logs.output), logs.output)
        self.assertEqual(2, len(self.mocking.mock_ws_session.connect_calls))

    async def test_login_failure_raises_login_failed(self) -> None:
        ws = await self.ds._connected_websocket_assistant()
        self.mocking.add_websocket_json_message(self.ws, {"status": 400})
        with self.assertRaises(LoginFailedError):
            await self.ds._subscribe_channels(ws)

    async def test_terminated_event_forces_a_new_login(self) -> None:
        queue: asyncio.Queue[Any] = asyncio.Queue()
        self.mocking.add_websocket_json_message(self.ws, {"id": "u-1", "status": 200})
        self.mocking.add_websocket_json_message(self.ws, {"subscriptionId": 0, "event": {"e": "eventStreamTerminated"}})
        self.mocking.add_websocket_json_message(self.ws2, {"id": "u-1", "status": 200})
        task = asyncio.create_task(self.ds.listen_for_user_stream(queue))
        try:
            await self.mocking.run_until_all_aiohttp_messages_delivered(self.ws2)
            await settle()
            self.assertTrue(queue.empty())
            self.assertEqual(1, len(self.mocking.json_messages_sent_through_websocket(self.ws2)), "logged in again")
            self.assertTrue(self.ws.close.called)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


class Bybitish(SignedLoginUserStreamDataSource):
    HEARTBEAT_INTERVAL = 20.0

    def _ws_url(self) -> str:
        return "wss://private.example.test/v5"

    async def _login_message(self) -> Mapping[str, Any]:
        return {"op": "auth", "args": ["key", 1, "sig"]}

    def _is_login_success(self, reply: Any) -> bool:
        return isinstance(reply, Mapping) and reply.get("success") is True

    def _subscription_messages(self) -> list[Mapping[str, Any]]:
        return [{"op": "subscribe", "args": ["order", "execution", "wallet"], "req_id": self._next_request_id()}]

    def _is_ignored(self, message: Any) -> bool:
        return isinstance(message, Mapping) and "op" in message


class SignedLoginTests(unittest.IsolatedAsyncioTestCase):
    async def test_login_then_subscriptions_then_events(self) -> None:
        mocking = NetworkMockingAssistant()
        factory = make_factory()
        ws = mocking.configure_web_assistants_factory(factory)
        ds = Bybitish(auth=None, trading_pairs=[], connector=None, api_factory=factory, domain="com")
        tracker = UserStreamTracker(ds)
        runner = asyncio.create_task(tracker.start())
        mocking.add_websocket_json_message(ws, {"op": "auth", "success": True})
        mocking.add_websocket_json_message(ws, {"op": "subscribe", "success": True})
        mocking.add_websocket_json_message(ws, {"topic": "order", "data": [{"orderId": "1"}]})
        await mocking.run_until_all_aiohttp_messages_delivered(ws)
        self.assertEqual(
            {"topic": "order", "data": [{"orderId": "1"}]}, await asyncio.wait_for(tracker.user_stream.get(), 1)
        )
        self.assertTrue(tracker.user_stream.empty())
        sent = mocking.json_messages_sent_through_websocket(ws)
        self.assertEqual(["auth", "subscribe"], [m["op"] for m in sent])
        self.assertEqual(1, sent[1]["req_id"])
        assert ds._ws_assistant is not None
        self.assertEqual(20.0, ds._ws_assistant.ping_timeout)  # the spec's ping interval is the liveness check
        await tracker.stop()
        await asyncio.wait_for(runner, 1)
        await factory.close()


class ListenKeyish(ListenKeyUserStreamDataSource):
    KEEP_ALIVE_INTERVAL = 1800.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.created = 0
        self.kept_alive: list[str] = []
        self._sleep = fast_sleep

    async def _create_listen_key(self) -> str:
        self.created += 1
        return f"key{self.created}"

    async def _keep_alive_listen_key(self, listen_key: str) -> None:
        self.kept_alive.append(listen_key)
        await asyncio.sleep(10)  # still running when the connection drops

    def _ws_url_for(self, listen_key: str) -> str:
        return f"wss://fstream.example.test/ws/{listen_key}"


class ListenKeyTests(unittest.IsolatedAsyncioTestCase):
    async def test_fresh_key_per_connection_and_keep_alive(self) -> None:
        mocking = NetworkMockingAssistant()
        factory = make_factory()
        ws1 = mocking.create_websocket_mock()
        ws2 = mocking.create_websocket_mock()
        mocking.configure_web_assistants_factory(factory, [ws1, ws2])
        ds = ListenKeyish(auth=None, trading_pairs=[], connector=None, api_factory=factory, domain="com")
        queue: asyncio.Queue[Any] = asyncio.Queue()
        task = asyncio.create_task(ds.listen_for_user_stream(queue))
        try:
            mocking.add_websocket_json_message(ws1, {"e": "ORDER_TRADE_UPDATE"})
            await mocking.run_until_all_aiohttp_messages_delivered(ws1)
            await settle()
            self.assertEqual({"e": "ORDER_TRADE_UPDATE"}, queue.get_nowait())
            self.assertEqual(["key1"], ds.kept_alive)
            self.assertEqual([], mocking.json_messages_sent_through_websocket(ws1), "no login message")
            mocking.add_websocket_aiohttp_message(ws1, None, aiohttp.WSMsgType.CLOSE)
            mocking.add_websocket_json_message(ws2, {"e": "ACCOUNT_UPDATE"})
            await mocking.run_until_all_aiohttp_messages_delivered(ws2)
            self.assertEqual({"e": "ACCOUNT_UPDATE"}, await asyncio.wait_for(queue.get(), 1))
            urls = [call.url for call in mocking.mock_ws_session.connect_calls]
            self.assertEqual(["wss://fstream.example.test/ws/key1", "wss://fstream.example.test/ws/key2"], urls)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await ds.stop()
            await factory.close()
        self.assertIsNone(ds._listen_key)

    async def test_url_before_a_key_is_an_error(self) -> None:
        ds = ListenKeyish(auth=None, trading_pairs=[], connector=None, api_factory=make_factory(), domain="com")
        with self.assertRaises(RuntimeError):
            ds._ws_url()

    async def test_the_key_is_closed_when_the_connection_ends(self) -> None:
        closed: list[str] = []

        class Closing(ListenKeyish):
            async def _close_listen_key(self, listen_key: str) -> None:
                closed.append(listen_key)

        ds = Closing(auth=None, trading_pairs=[], connector=None, api_factory=make_factory(), domain="com")
        await ds._connection_url()
        await ds._on_user_stream_interruption(None)
        await ds._on_user_stream_interruption(None)  # no key any more: nothing to close
        self.assertEqual(["key1"], closed)
        self.assertIsNone(ds._listen_key)

    async def test_a_failing_or_slow_close_is_logged_not_raised(self) -> None:
        class FailingClose(ListenKeyish):
            CLOSE_TIMEOUT = 0.01

            async def _close_listen_key(self, listen_key: str) -> None:
                if listen_key == "key1":
                    raise OSError("the exchange is unreachable")
                await asyncio.sleep(10)

        ds = FailingClose(auth=None, trading_pairs=[], connector=None, api_factory=make_factory(), domain="com")
        with self.assertLogs(level="WARNING") as logs:
            for _ in range(2):
                await ds._connection_url()
                await ds._on_user_stream_interruption(None)
        self.assertEqual(2, sum("Could not close the listen key" in line for line in logs.output))
        self.assertIsNone(ds._listen_key)


class KucoinLike(RestTokenUserStreamDataSource):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.minted = 0

    async def _mint_session(self) -> TokenSession:
        self.minted += 1
        return TokenSession(f"tok{self.minted}", "wss://push.example.test/endpoint")

    def _ws_url_for(self, token: str, url: str | None) -> str:
        return f"{url}?token={token}"

    def _subscription_messages(self) -> list[Mapping[str, Any]]:
        return [{"type": "subscribe", "topic": "/spotMarket/tradeOrders", "id": self._next_request_id()}]

    def _is_ignored(self, message: Any) -> bool:
        return isinstance(message, Mapping) and message.get("type") in ("welcome", "ack", "pong")


class RestTokenTests(unittest.IsolatedAsyncioTestCase):
    async def test_token_url_subscription_and_filtering(self) -> None:
        mocking = NetworkMockingAssistant()
        factory = make_factory()
        ws = mocking.configure_web_assistants_factory(factory)
        ds = KucoinLike(auth=None, trading_pairs=[], connector=None, api_factory=factory, domain="com")
        queue: asyncio.Queue[Any] = asyncio.Queue()
        task = asyncio.create_task(ds.listen_for_user_stream(queue))
        try:
            mocking.add_websocket_json_message(ws, {"type": "welcome"})
            mocking.add_websocket_json_message(ws, {"type": "message", "subject": "orderChange"})
            await mocking.run_until_all_aiohttp_messages_delivered(ws)
            self.assertEqual({"type": "message", "subject": "orderChange"}, queue.get_nowait())
            self.assertTrue(queue.empty())
            self.assertEqual(
                "wss://push.example.test/endpoint?token=tok1", mocking.mock_ws_session.connect_calls[0].url
            )
            sent = mocking.json_messages_sent_through_websocket(ws)
            self.assertEqual([{"type": "subscribe", "topic": "/spotMarket/tradeOrders", "id": 1}], sent)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await ds.stop()
            await factory.close()

    async def test_token_is_forgotten_after_an_interruption(self) -> None:
        ds = KucoinLike(auth=None, trading_pairs=[], connector=None, api_factory=make_factory(), domain="com")
        await ds._connection_url()
        self.assertEqual("tok1", ds._token)
        await ds._on_user_stream_interruption(None)
        self.assertIsNone(ds._token)
        with self.assertRaises(RuntimeError):
            ds._ws_url()


class DefaultsTests(unittest.IsolatedAsyncioTestCase):
    async def test_defaults_queue_everything_non_empty(self) -> None:
        class Plain(StyledUserStreamDataSource):
            def _ws_url(self) -> str:
                return "wss://x"

        ds = Plain(auth=None, trading_pairs=[], connector=None, api_factory=make_factory(), domain="com")
        queue: asyncio.Queue[Any] = asyncio.Queue()
        for message in ({"a": 1}, [1, 2], {}, [], "text", b"bytes", None):
            await ds._process_event_message(message, queue)
        self.assertEqual([{"a": 1}, [1, 2]], [queue.get_nowait() for _ in range(queue.qsize())])
        self.assertEqual(1, ds._next_request_id())
        self.assertEqual(2, ds._next_request_id())


if __name__ == "__main__":
    unittest.main()

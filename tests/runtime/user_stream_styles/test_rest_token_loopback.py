"""REST-minted websocket sessions over real sockets: a KuCoin-like aiohttp server on 127.0.0.1 mints tokens over REST
(assigning the endpoint and the ping interval), greets every connection, answers JSON pings and records what each
connection received. Both the private user stream and the public order book data source are exercised: the
greeting is awaited before anything is sent, JSON pings follow the server's interval (not the class default), every
connection uses a fresh token and connectId, and a token's lifetime renews the connection before it lapses.

The runtime classes are exercised twice: through minimal hand-written subclasses, and through the generated KuCoin
package (generated/kucoin, from specs/kucoin.yaml) pointed at the server, so what the spec states is what the
package does on a real socket."""

from __future__ import annotations

import asyncio
import json
import time
import unittest
from collections.abc import Mapping
from typing import Any
from unittest import mock

from aiohttp import WSMsgType, web
from hbrt.api_throttler.async_throttler import AsyncThrottler
from hbrt.api_throttler.data_types import RateLimit
from hbrt.connector.rest_token import RestTokenOrderBookTrackerDataSource, TokenSession, TokenSessions
from hbrt.connector.user_stream_styles import RestTokenUserStreamDataSource
from hbrt.time_synchronizer import TimeSynchronizer
from hbrt.web_assistant.connections.data_types import RESTMethod, WSJSONRequest, WSRequest
from hbrt.web_assistant.reconnect import ExponentialBackoff
from hbrt.web_assistant.upkeep import NotReadyError, wait_until_ready
from hbrt.web_assistant.web_assistants_factory import WebAssistantsFactory
from hbrt.web_assistant.ws_assistant import WSAssistant
from kucoin import kucoin_constants as KUCOIN
from kucoin import kucoin_web_utils
from kucoin.kucoin_api_order_book_data_source import KucoinAPIOrderBookDataSource
from kucoin.kucoin_api_user_stream_data_source import KucoinAPIUserStreamDataSource
from kucoin.kucoin_auth import KucoinAuth

PING_MS = 100  # what the server asks for; the data sources' own default is 30 s


class Connection:
    def __init__(self, token: str, connect_id: str) -> None:
        self.token = token
        self.connect_id = connect_id
        self.before_welcome: list[Any] = []
        self.received: list[Any] = []
        self.pings: list[float] = []
        self.closed_by_client = False


class KucoinLikeServer:
    """Token minting (bullet-public / bullet-private) and a websocket that greets, answers pings and acks."""

    def __init__(self, *, welcome_after: float = 0.05, greet: bool = True, lifetime_s: float | None = None) -> None:
        self.welcome_after = welcome_after
        self.greet = greet
        self.lifetime_s = lifetime_s
        self.minted: list[str] = []
        self.mint_headers: list[tuple[str, dict[str, str]]] = []  # (path, headers) of every token request
        self.connections: list[Connection] = []
        self.sockets: list[web.WebSocketResponse] = []
        self.runner: web.AppRunner | None = None
        self.base = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/v1/bullet-public", self.bullet)
        app.router.add_post("/api/v1/bullet-private", self.bullet)
        app.router.add_get("/endpoint", self.socket)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"127.0.0.1:{port}"

    async def stop(self) -> None:
        for ws in self.sockets:
            await ws.close()
        if self.runner is not None:
            await self.runner.cleanup()

    async def bullet(self, request: web.Request) -> web.Response:
        token = f"tok-{len(self.minted) + 1}"
        self.minted.append(token)
        self.mint_headers.append((request.path, dict(request.headers)))
        server = {"endpoint": f"ws://{self.base}/endpoint", "encrypt": False, "protocol": "websocket"}
        server |= {"pingInterval": PING_MS, "pingTimeout": 10000}
        data: dict[str, Any] = {"token": token, "instanceServers": [server]}
        if self.lifetime_s is not None:
            data["expires"] = self.lifetime_s
        return web.json_response({"code": "200000", "data": data})

    async def socket(self, request: web.Request) -> web.WebSocketResponse:
        token, connect_id = request.query["token"], request.query["connectId"]
        connection = Connection(token, connect_id)
        reused = token not in self.minted or any(c.token == token for c in self.connections)
        self.connections.append(connection)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        if reused:
            await ws.send_json({"id": connect_id, "type": "error", "code": 401, "data": "token is invalid"})
            await ws.close()
            return ws
        deadline = time.monotonic() + (self.welcome_after if self.greet else 3600)
        while (left := deadline - time.monotonic()) > 0:
            try:
                msg = await ws.receive(timeout=left)
            except TimeoutError:
                break
            if msg.type != WSMsgType.TEXT:
                connection.closed_by_client = True
                return ws
            connection.before_welcome.append(json.loads(msg.data))
        await ws.send_json({"id": connect_id, "type": "welcome"})
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                break
            data = json.loads(msg.data)
            connection.received.append(data)
            if data.get("type") == "ping":
                connection.pings.append(time.monotonic())
                await ws.send_json({"id": data["id"], "type": "pong"})
            elif data.get("type") == "subscribe":
                await ws.send_json({"id": str(data["id"]), "type": "ack"})
                payload = {"topic": data["topic"], "subject": "update", "data": {"connection": len(self.connections)}}
                await ws.send_json({"type": "message"} | payload)
        connection.closed_by_client = True
        return ws

    async def drop(self, index: int) -> None:
        """Close connection ``index`` from the server side (the client must reconnect with a new token)."""
        await self.sockets[index].close()


def factory() -> WebAssistantsFactory:
    return WebAssistantsFactory(throttler=AsyncThrottler([RateLimit("bullet", 1000, 1)]))


async def mint(api_factory: WebAssistantsFactory, url: str) -> TokenSession:
    rest = await api_factory.get_rest_assistant()
    reply = await rest.execute_request(url=url, method=RESTMethod.POST, throttler_limit_id="bullet")
    server = reply["data"]["instanceServers"][0]
    lifetime = reply["data"].get("expires")
    return TokenSession(reply["data"]["token"], server["endpoint"], server["pingInterval"] / 1000, lifetime)


def is_welcome(message: Any) -> bool:
    return isinstance(message, Mapping) and message.get("type") == "welcome"


class PrivateStream(RestTokenUserStreamDataSource):
    """What the generated user stream of a rest_token spec states (written by hand, the way the template does)."""

    HEARTBEAT_INTERVAL = 30.0
    HEARTBEAT_MESSAGES = True
    AWAIT_READY = True
    base = ""

    async def _mint_session(self) -> TokenSession:
        return await mint(self._api_factory, f"http://{self.base}/api/v1/bullet-private")

    def _ws_url_for(self, token: str, url: str | None) -> str:
        return f"{url}?token={token}&connectId={self._new_uuid()}"

    def _heartbeat_request(self) -> WSRequest | None:
        return WSJSONRequest(payload={"id": str(self._next_request_id()), "type": "ping"})

    def _is_ready(self, message: Any) -> bool:
        return is_welcome(message)

    def _subscription_messages(self) -> list[Mapping[str, Any]]:
        topic = "/spotMarket/tradeOrdersV2"
        return [{"id": self._next_request_id(), "type": "subscribe", "topic": topic, "privateChannel": True}]

    def _is_ignored(self, message: Any) -> bool:
        return isinstance(message, Mapping) and message.get("type") in ("welcome", "ack", "pong")


class PublicBook(RestTokenOrderBookTrackerDataSource):
    """What the generated order book data source of a spec with a REST-minted public token states."""

    HEARTBEAT_INTERVAL = 30.0
    AWAIT_READY = True

    def __init__(self, api_factory: WebAssistantsFactory, base: str) -> None:
        super().__init__(["BTC-USDT"])
        self._api_factory = api_factory
        self._base = base
        self._next_id = 1

    async def _mint_session(self) -> TokenSession:
        return await mint(self._api_factory, f"http://{self._base}/api/v1/bullet-public")

    def _ws_url_for(self, token: str, url: str | None) -> str:
        return f"{url}?token={token}&connectId=public-{self._sessions.minted}"

    async def _connected_websocket_assistant(self) -> WSAssistant:
        url = await self._connection_url()
        ws = await self._api_factory.get_ws_assistant()
        await ws.connect(ws_url=url)
        return ws

    def _heartbeat_request(self) -> WSRequest | None:
        self._next_id += 1
        return WSJSONRequest(payload={"id": str(self._next_id), "type": "ping"})

    def _is_ready(self, message: Any) -> bool:
        return is_welcome(message)

    def _subscription_requests(self, trading_pairs: list[str]) -> list[WSRequest]:
        topic = "/market/level2:" + ",".join(trading_pairs)
        return [WSJSONRequest(payload={"id": 1, "type": "subscribe", "topic": topic, "response": True})]

    def _channel_originating_message(self, event_message: dict[str, Any]) -> Any:
        return self._diff_messages_queue_key if event_message.get("type") == "message" else None


async def until(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def spacing(pings: list[float]) -> float:
    return (pings[-1] - pings[0]) / (len(pings) - 1)


class PrivateStreamLoopbackTests(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.server = KucoinLikeServer()
        await self.server.start()
        self.factory = factory()
        self.ds = PrivateStream(auth=None, trading_pairs=[], connector=None, api_factory=self.factory, domain="x")
        self.ds.base = self.server.base
        self.ds._reconnect_backoff = ExponentialBackoff(initial=0.01, maximum=0.02)
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.task = asyncio.create_task(self.ds.listen_for_user_stream(self.queue))

    async def asyncTearDown(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        await self.ds.stop()
        await self.factory.close()
        await self.server.stop()

    async def test_welcome_awaited_json_pings_at_the_servers_interval_and_a_new_token_per_connection(self) -> None:
        event = await asyncio.wait_for(self.queue.get(), 5)
        self.assertEqual({"connection": 1}, event["data"])
        first = self.server.connections[0]
        self.assertEqual([], first.before_welcome)  # nothing was sent before the greeting
        self.assertEqual("subscribe", first.received[0]["type"])
        await until(lambda: len(first.pings) >= 4)
        self.assertLess(spacing(first.pings), 1.0)  # the server's 100 ms, not the 30 s default
        self.assertEqual(0.1, self.ds._ping_interval())

        await self.server.drop(0)
        event = await asyncio.wait_for(self.queue.get(), 5)
        self.assertEqual({"connection": 2}, event["data"])
        second = self.server.connections[1]
        self.assertEqual(["tok-1", "tok-2"], [c.token for c in self.server.connections])
        self.assertNotEqual(first.connect_id, second.connect_id)
        self.assertEqual([], second.before_welcome)
        self.assertEqual("tok-2", self.ds._token)


class TokenLifetimeLoopbackTests(unittest.IsolatedAsyncioTestCase):
    async def test_the_connection_is_renewed_before_the_token_lapses(self) -> None:
        server = KucoinLikeServer(lifetime_s=0.6)  # the reply says how long the token lives (Kraken's expires)
        await server.start()
        api_factory = factory()
        ds = PrivateStream(auth=None, trading_pairs=[], connector=None, api_factory=api_factory, domain="x")
        ds.base = server.base
        ds._reconnect_backoff = ExponentialBackoff(initial=0.01, maximum=0.02)
        queue: asyncio.Queue[Any] = asyncio.Queue()
        started = time.monotonic()
        task = asyncio.create_task(ds.listen_for_user_stream(queue))
        try:
            await until(lambda: len(server.connections) >= 2 and bool(server.connections[1].received))
            renewed_after = time.monotonic() - started
            self.assertTrue(server.connections[0].closed_by_client)
            self.assertEqual(["tok-1", "tok-2"], [c.token for c in server.connections[:2]])
            self.assertGreater(renewed_after, 0.4)  # 0.6 s lifetime, renewed a tenth of it early
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await ds.stop()
            await api_factory.close()
            await server.stop()


class PublicBookLoopbackTests(unittest.IsolatedAsyncioTestCase):
    async def test_public_socket_with_a_rest_minted_token(self) -> None:
        server = KucoinLikeServer()
        await server.start()
        api_factory = factory()
        ds = PublicBook(api_factory, server.base)
        ds._reconnect_backoff = ExponentialBackoff(initial=0.01, maximum=0.02)
        task = asyncio.create_task(ds.listen_for_subscriptions())
        try:
            diff = await asyncio.wait_for(ds._message_queue[ds._diff_messages_queue_key].get(), 5)
            self.assertEqual({"connection": 1}, diff["data"])
            first = server.connections[0]
            self.assertEqual([], first.before_welcome)
            self.assertEqual("/market/level2:BTC-USDT", first.received[0]["topic"])
            await until(lambda: len(first.pings) >= 4)
            self.assertLess(spacing(first.pings), 1.0)
            self.assertEqual(0.1, ds._heartbeat_interval())

            await server.drop(0)
            diff = await asyncio.wait_for(ds._message_queue[ds._diff_messages_queue_key].get(), 5)
            self.assertEqual({"connection": 2}, diff["data"])
            self.assertEqual(["tok-1", "tok-2"], [c.token for c in server.connections])
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await api_factory.close()
            await server.stop()

    async def test_a_server_that_never_greets_gets_nothing_and_the_source_reconnects(self) -> None:
        server = KucoinLikeServer(greet=False)
        await server.start()
        api_factory = factory()
        ds = PublicBook(api_factory, server.base)
        ds.READY_TIMEOUT = 0.2  # type: ignore[misc]
        ds._reconnect_backoff = ExponentialBackoff(initial=0.01, maximum=0.02)
        with self.assertLogs(level="WARNING") as logs:
            task = asyncio.create_task(ds.listen_for_subscriptions())
            try:
                await until(lambda: len(server.connections) >= 2)
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                await api_factory.close()
                await server.stop()
        self.assertTrue(all(c.before_welcome == [] for c in server.connections))
        self.assertTrue(any("did not say the websocket was ready" in line for line in logs.output))


class TokenSessionsTests(unittest.IsolatedAsyncioTestCase):
    async def test_lifetime_from_the_reply_or_the_default_and_renewal_time(self) -> None:
        now = [1000.0]
        replies = [TokenSession("a", ping_interval=18.0), TokenSession("b", lifetime=900.0)]

        async def mint_one() -> TokenSession:
            return replies.pop(0)

        sessions = TokenSessions(mint_one, lifetime=86400.0, clock=lambda: now[0])
        first = await sessions.open()
        self.assertEqual((86400.0, 1000.0), (first.lifetime, first.minted_at))
        self.assertEqual(1000.0 + 86400.0 - 60.0, sessions.renew_at())
        self.assertEqual(18.0, sessions.ping_interval(30.0))
        sessions.close()
        self.assertIsNone(sessions.current)
        self.assertEqual(30.0, sessions.ping_interval(30.0))
        second = await sessions.open()
        self.assertEqual(900.0, second.lifetime)  # the reply's lifetime wins over the default
        self.assertEqual(1000.0 + 900.0 - 60.0, sessions.renew_at())
        self.assertEqual(2, sessions.minted)
        self.assertIsNone(TokenSession("c").renew_at)

    async def test_wait_until_ready_quotes_a_rejection(self) -> None:
        class Reply:
            def __init__(self, data: Any) -> None:
                self.data = data

        class Socket:
            def __init__(self) -> None:
                self.replies = [Reply({"type": "error", "data": "token is invalid"})]

            async def receive(self) -> Reply | None:
                if self.replies:
                    return self.replies.pop(0)
                await asyncio.sleep(10)
                return None

        with self.assertRaisesRegex(NotReadyError, "token is invalid"):
            await wait_until_ready(Socket(), is_welcome, 0.05)  # type: ignore[arg-type]


class SymbolsAsPairs:
    """The connector surface a public data source uses, with exchange symbols equal to trading pairs."""

    async def exchange_symbol_associated_to_pair(self, trading_pair: str) -> str:
        return trading_pair

    async def trading_pair_associated_to_exchange_symbol(self, symbol: str) -> str:
        return symbol

    async def get_last_traded_prices(self, trading_pairs: list[str]) -> dict[str, float]:
        return {}


def topics(connection: Connection) -> list[str]:
    return [m["topic"] for m in connection.received if m.get("type") == "subscribe"]


def ping_ids(connection: Connection) -> list[Any]:
    return [m["id"] for m in connection.received if m.get("type") == "ping"]


class GeneratedKucoinLoopbackTests(unittest.IsolatedAsyncioTestCase):
    """generated/kucoin's data sources, as generated, on a loopback domain: both sockets mint their token over REST
    (the private one signed), await the welcome, ping at the server's interval, and reconnect with a new token and
    connectId."""

    async def asyncSetUp(self) -> None:
        self.server = KucoinLikeServer()
        await self.server.start()
        self.enterContext(mock.patch.dict(KUCOIN.REST_URLS, {"loopback": f"http://{self.server.base}"}))
        unused = {"public": "ws://127.0.0.1:9/unused", "private": "ws://127.0.0.1:9/unused"}  # the reply assigns
        self.enterContext(mock.patch.dict(KUCOIN.WSS_URLS, {"loopback": unused}))
        clock = TimeSynchronizer()
        clock.add_time_offset_ms_sample(0)
        self.auth = KucoinAuth(api_key="key", secret_key="secret", time_provider=clock, passphrase="phrase")
        self.factory = WebAssistantsFactory(throttler=kucoin_web_utils.create_throttler(), auth=self.auth)
        self.tasks: list[asyncio.Task[Any]] = []

    async def asyncTearDown(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.factory.close()
        await self.server.stop()

    def private_stream(self) -> KucoinAPIUserStreamDataSource:
        ds = KucoinAPIUserStreamDataSource(
            auth=self.auth, trading_pairs=["BTC-USDT"], connector=None, api_factory=self.factory, domain="loopback"
        )
        ds._reconnect_backoff = ExponentialBackoff(initial=0.01, maximum=0.02)
        return ds

    async def test_private_socket(self) -> None:
        ds = self.private_stream()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        self.tasks.append(asyncio.create_task(ds.listen_for_user_stream(queue)))
        try:
            self.assertEqual({"connection": 1}, (await asyncio.wait_for(queue.get(), 5))["data"])
            path, headers = self.server.mint_headers[0]
            self.assertEqual("/api/v1/bullet-private", path)
            self.assertIn("KC-API-SIGN", headers)
            self.assertEqual("2", headers["KC-API-KEY-VERSION"])
            self.assertNotIn(headers["KC-API-PASSPHRASE"], ("", "phrase"))  # sent HMAC-signed, never in clear
            first = self.server.connections[0]
            self.assertEqual([], first.before_welcome)
            self.assertEqual(["/spotMarket/tradeOrdersV2", "/account/balance"], topics(first))
            await until(lambda: len(first.pings) >= 4)
            self.assertLess(spacing(first.pings), 1.0)  # the reply's 100 ms, not the spec's 18 s
            self.assertEqual(0.1, ds._ping_interval())
            self.assertEqual(len(ping_ids(first)), len(set(ping_ids(first))), "every ping has its own id")

            await self.server.drop(0)
            while (await asyncio.wait_for(queue.get(), 5))["data"] != {"connection": 2}:
                pass  # the first connection's pushes (one per subscription)
            second = self.server.connections[1]
            self.assertEqual(["tok-1", "tok-2"], [c.token for c in self.server.connections])
            self.assertNotEqual(first.connect_id, second.connect_id)
            self.assertEqual([], second.before_welcome)
            self.assertEqual(["/spotMarket/tradeOrdersV2", "/account/balance"], topics(second))
        finally:
            await ds.stop()

    async def test_private_socket_renewed_within_the_token_lifetime(self) -> None:
        self.assertEqual(86400.0, KucoinAPIUserStreamDataSource.TOKEN_LIFETIME)  # the spec's 24 hours, shortened:
        with mock.patch.object(KucoinAPIUserStreamDataSource, "TOKEN_LIFETIME", 0.6):
            ds = self.private_stream()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        started = time.monotonic()
        self.tasks.append(asyncio.create_task(ds.listen_for_user_stream(queue)))
        try:
            await until(lambda: len(self.server.connections) >= 2 and bool(topics(self.server.connections[1])))
            self.assertGreater(time.monotonic() - started, 0.4)
            self.assertTrue(self.server.connections[0].closed_by_client)
            self.assertEqual(["tok-1", "tok-2"], [c.token for c in self.server.connections[:2]])
        finally:
            await ds.stop()

    async def test_public_socket(self) -> None:
        ds = KucoinAPIOrderBookDataSource(
            trading_pairs=["COINALPHA-HBOT"],
            connector=SymbolsAsPairs(),  # type: ignore[arg-type]
            api_factory=self.factory,
            domain="loopback",
        )
        ds._reconnect_backoff = ExponentialBackoff(initial=0.01, maximum=0.02)
        self.tasks.append(asyncio.create_task(ds.listen_for_subscriptions()))
        expected = ["/market/match:COINALPHA-HBOT", "/market/level2:COINALPHA-HBOT"]
        await until(lambda: len(self.server.connections) == 1 and len(topics(self.server.connections[0])) == 2)
        path, headers = self.server.mint_headers[0]
        self.assertEqual("/api/v1/bullet-public", path)
        self.assertNotIn("KC-API-SIGN", headers)
        first = self.server.connections[0]
        self.assertEqual([], first.before_welcome)
        self.assertEqual(expected, topics(first))
        await until(lambda: len(first.pings) >= 4)
        self.assertLess(spacing(first.pings), 1.0)
        self.assertEqual(0.1, ds._heartbeat_interval())
        self.assertEqual(len(ping_ids(first)), len(set(ping_ids(first))), "every ping has its own id")

        await self.server.drop(0)
        await until(lambda: len(self.server.connections) == 2 and len(topics(self.server.connections[1])) == 2)
        second = self.server.connections[1]
        self.assertEqual(["tok-1", "tok-2"], [c.token for c in self.server.connections])
        self.assertNotEqual(first.connect_id, second.connect_id)
        self.assertEqual([], second.before_welcome)
        self.assertEqual(expected, topics(second))


if __name__ == "__main__":
    unittest.main()

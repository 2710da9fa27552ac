"""RESTAssistant: ordering of throttle/pre-processors/auth, body and headers, errors, timeouts, post-processors."""

from __future__ import annotations

import asyncio
import json
import re
import time
import unittest
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web
from aioresponses import CallbackResult, aioresponses
from hbrt.web_assistant import (
    AuthBase,
    ConnectionsFactory,
    RESTMethod,
    RESTPostProcessorBase,
    RESTPreProcessorBase,
    RESTRequest,
    RESTRequestError,
    RESTResponse,
    WebAssistantsFactory,
    WSRequest,
)

URL = "https://api.example.test/api/v3/order"


class RecordingThrottler:
    """Throttler fake: records entered limit ids and appends to a shared event log on enter/exit."""

    def __init__(self, events: list[str]) -> None:
        self.events = events
        self.limit_ids: list[str] = []

    def execute_task(self, limit_id: str) -> Any:
        @asynccontextmanager
        async def context() -> AsyncIterator[None]:
            self.limit_ids.append(limit_id)
            self.events.append(f"throttle-enter:{limit_id}")
            yield
            self.events.append(f"throttle-exit:{limit_id}")

        return context()


class HeaderAddingPreProcessor(RESTPreProcessorBase):
    def __init__(self, events: list[str]) -> None:
        self.events = events

    async def pre_process(self, request: RESTRequest) -> RESTRequest:
        self.events.append("pre")
        headers = dict(request.headers or {})
        headers["X-Pre"] = "1"
        headers["X-Signature-Target"] = "pre-value"
        request.headers = headers
        return request


class SigningAuth(AuthBase):
    """Adds a signature param and an api key header; records what it saw."""

    def __init__(self, events: list[str]) -> None:
        self.events = events
        self.seen_headers: dict[str, str] = {}
        self.seen_data: Any = None

    async def rest_authenticate(self, request: RESTRequest) -> RESTRequest:
        self.events.append("auth")
        self.seen_headers = dict(request.headers or {})
        self.seen_data = request.data
        params = dict(request.params or {})
        params["signature"] = "deadbeef"
        request.params = params
        headers = dict(request.headers or {})
        headers["X-API-KEY"] = "my-key"
        headers["X-Signature-Target"] = "auth-value"
        request.headers = headers
        return request

    async def ws_authenticate(self, request: WSRequest) -> WSRequest:
        return request


class StatusRecordingPostProcessor(RESTPostProcessorBase):
    def __init__(self, events: list[str]) -> None:
        self.events = events

    async def post_process(self, response: RESTResponse) -> RESTResponse:
        self.events.append(f"post:{response.status}")
        return response


class RESTAssistantTests(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.events: list[str] = []
        self.throttler = RecordingThrottler(self.events)
        self.auth = SigningAuth(self.events)
        self.factory = WebAssistantsFactory(
            throttler=self.throttler,
            rest_pre_processors=[HeaderAddingPreProcessor(self.events)],
            rest_post_processors=[StatusRecordingPostProcessor(self.events)],
            auth=self.auth,
        )
        self.mock = aioresponses()
        self.mock.start()

    async def asyncTearDown(self) -> None:
        self.mock.stop()
        await self.factory.close()

    def _sent(self, method: str) -> list[Any]:
        return [call for (verb, _url), calls in self.mock.requests.items() if verb == method for call in calls]

    async def test_auth_runs_after_throttle_and_pre_processors_and_signs_the_sent_request(self) -> None:
        def on_request(url: Any, **kwargs: Any) -> CallbackResult:
            self.events.append("send")
            return CallbackResult(status=200, payload={"orderId": 1})

        self.mock.post(re.compile(r"^https://api\.example\.test/api/v3/order.*"), callback=on_request)
        rest = await self.factory.get_rest_assistant()

        result = await rest.execute_request(
            url=URL,
            throttler_limit_id="/api/v3/order",
            params={"symbol": "BTCUSDT"},
            data={"side": "BUY", "qty": "1"},
            method=RESTMethod.POST,
            is_auth_required=True,
        )

        self.assertEqual({"orderId": 1}, result)
        self.assertEqual(
            [
                "throttle-enter:/api/v3/order",
                "pre",
                "auth",
                "send",
                "post:200",
                "throttle-exit:/api/v3/order",
            ],
            self.events,
        )
        self.assertEqual(["/api/v3/order"], self.throttler.limit_ids)
        # auth saw the pre-processor's headers and a JSON string body, and could overwrite headers
        self.assertEqual("1", self.auth.seen_headers["X-Pre"])
        self.assertEqual('{"side": "BUY", "qty": "1"}', self.auth.seen_data)
        (call,) = self._sent("POST")
        self.assertEqual({"symbol": "BTCUSDT", "signature": "deadbeef"}, dict(call.kwargs["params"]))
        self.assertEqual("my-key", call.kwargs["headers"]["X-API-KEY"])
        self.assertEqual("auth-value", call.kwargs["headers"]["X-Signature-Target"])
        self.assertEqual({"side": "BUY", "qty": "1"}, json.loads(call.kwargs["data"]))
        self.assertEqual("application/json", call.kwargs["headers"]["Content-Type"])

    async def test_auth_skipped_when_not_required(self) -> None:
        self.mock.get(URL, payload={"ok": True})
        rest = await self.factory.get_rest_assistant()

        await rest.execute_request(url=URL, throttler_limit_id="public")

        self.assertNotIn("auth", self.events)
        (call,) = self._sent("GET")
        self.assertNotIn("X-API-KEY", call.kwargs["headers"])
        self.assertEqual(["public"], self.throttler.limit_ids)

    async def test_default_content_types_and_caller_headers_win(self) -> None:
        self.mock.get(URL, payload={})
        self.mock.delete(URL, payload={})
        self.mock.put(URL, payload={})
        rest = await self.factory.get_rest_assistant()

        await rest.execute_request(url=URL, throttler_limit_id="x")
        await rest.execute_request(url=URL, throttler_limit_id="x", method=RESTMethod.DELETE)
        await rest.execute_request(
            url=URL, throttler_limit_id="x", method=RESTMethod.PUT, headers={"content-type": "text/plain"}
        )

        self.assertEqual("application/x-www-form-urlencoded", self._sent("GET")[0].kwargs["headers"]["Content-Type"])
        self.assertEqual("application/json", self._sent("DELETE")[0].kwargs["headers"]["Content-Type"])
        put_headers = self._sent("PUT")[0].kwargs["headers"]
        self.assertEqual("text/plain", put_headers["content-type"])
        self.assertNotIn("Content-Type", put_headers)

    async def test_string_body_is_sent_as_is_and_list_body_is_json_dumped(self) -> None:
        self.mock.post(URL, payload={})
        self.mock.post(URL, payload={})
        rest = await self.factory.get_rest_assistant()

        await rest.execute_request(url=URL, throttler_limit_id="x", method=RESTMethod.POST, data="a=1&b=2")
        await rest.execute_request(url=URL, throttler_limit_id="x", method=RESTMethod.POST, data=[1, 2])

        first, second = self._sent("POST")
        self.assertEqual("a=1&b=2", first.kwargs["data"])
        self.assertEqual("[1, 2]", second.kwargs["data"])

    async def test_caller_request_is_not_mutated_by_call(self) -> None:
        self.mock.get(re.compile(r"^https://api\.example\.test/.*"), payload={})
        rest = await self.factory.get_rest_assistant()
        request = RESTRequest(
            method=RESTMethod.GET, url=URL, params={"a": "1"}, headers={"H": "v"}, is_auth_required=True
        )

        response = await rest.call(request)

        self.assertEqual(200, response.status)
        self.assertEqual({"a": "1"}, request.params)
        self.assertEqual({"H": "v"}, request.headers)
        self.assertEqual([], self.throttler.limit_ids)  # call() is not throttled

    async def test_non_2xx_raises_rest_request_error_with_sanitised_url_and_body(self) -> None:
        body = '{"code":-2013,"msg":"Order does not exist."}'
        self.mock.get(re.compile(r"^https://api\.example\.test/.*"), status=400, body=body)
        rest = await self.factory.get_rest_assistant()

        with self.assertRaises(RESTRequestError) as ctx:
            await rest.execute_request(
                url=URL,
                throttler_limit_id="x",
                params={"symbol": "BTCUSDT", "apiKey": "KEY123"},
                is_auth_required=True,
            )

        error = ctx.exception
        self.assertIsInstance(error, IOError)
        self.assertEqual(400, error.status)
        self.assertEqual("GET", error.method)
        self.assertEqual(body, error.body)
        self.assertIn("symbol=BTCUSDT", error.url)
        self.assertIn("apiKey=***", error.url)
        self.assertIn("signature=***", error.url)
        self.assertNotIn("deadbeef", error.url)
        self.assertNotIn("KEY123", str(error))
        self.assertNotIn("deadbeef", str(error))
        self.assertIn("HTTP status is 400", str(error))
        self.assertIn("-2013", str(error))
        self.assertIn("GET", str(error))
        self.assertIn(error.url, str(error))
        self.assertIn("post:400", self.events)  # post-processors run before the status check

    async def test_unfollowed_redirect_and_server_error_are_errors(self) -> None:
        self.mock.get(URL, status=304, body="")
        self.mock.get(URL, status=503, body="<html><body>" + "x" * 10_000 + "</body></html>")
        rest = await self.factory.get_rest_assistant()

        with self.assertRaises(RESTRequestError) as redirect:
            await rest.execute_request(url=URL, throttler_limit_id="x")
        with self.assertRaises(RESTRequestError) as unavailable:
            await rest.execute_request(url=URL, throttler_limit_id="x")

        self.assertEqual(304, redirect.exception.status)
        self.assertIn("HTTP status is 304", str(redirect.exception))
        self.assertEqual(503, unavailable.exception.status)
        self.assertTrue(unavailable.exception.body.startswith("<html><body>xxx"))
        self.assertLess(len(str(unavailable.exception)), 5000)

    async def test_return_err_returns_the_error_body(self) -> None:
        self.mock.post(URL, status=400, payload={"code": -1021, "msg": "Timestamp outside recvWindow"})
        rest = await self.factory.get_rest_assistant()

        result = await rest.execute_request(url=URL, throttler_limit_id="x", method=RESTMethod.POST, return_err=True)

        self.assertEqual({"code": -1021, "msg": "Timestamp outside recvWindow"}, result)

    async def test_post_processor_can_replace_the_response(self) -> None:
        class Rewrap(RESTPostProcessorBase):
            async def post_process(self, response: RESTResponse) -> RESTResponse:
                class Wrapped(RESTResponse):
                    async def json(self) -> Any:
                        return {"wrapped": await super().json()}

                return Wrapped(response._aiohttp_response, await response.read(), response.method)

        factory = WebAssistantsFactory(throttler=RecordingThrottler([]), rest_post_processors=[Rewrap()])
        self.mock.get(URL, payload={"a": 1})
        try:
            rest = await factory.get_rest_assistant()
            self.assertEqual({"wrapped": {"a": 1}}, await rest.execute_request(url=URL, throttler_limit_id="x"))
        finally:
            await factory.close()

    async def test_text_plain_body_that_is_not_json_is_returned_as_text(self) -> None:
        self.mock.get(URL, body="pong", content_type="text/plain")
        rest = await self.factory.get_rest_assistant()

        self.assertEqual("pong", await rest.execute_request(url=URL, throttler_limit_id="x"))


class RealThrottlerIntegrationTests(unittest.IsolatedAsyncioTestCase):
    async def test_real_async_throttler_gates_requests_and_rejects_unknown_ids(self) -> None:
        from hbrt.api_throttler import AsyncThrottler, RateLimit, UnknownLimitIdError

        throttler = AsyncThrottler([RateLimit(limit_id="ping", limit=5, time_interval=1)])
        async with WebAssistantsFactory(throttler=throttler) as factory:
            with aioresponses() as mock:
                mock.get(URL, payload={}, repeat=True)
                rest = await factory.get_rest_assistant()
                self.assertEqual({}, await rest.execute_request(url=URL, throttler_limit_id="ping"))
                with self.assertRaises(UnknownLimitIdError):
                    await rest.execute_request(url=URL, throttler_limit_id="not-registered")
                self.assertEqual(1, len(mock.requests[("GET", next(iter(mock.requests))[1])]))


class RESTTimeoutTests(unittest.IsolatedAsyncioTestCase):
    """Timeouts against a real loopback server whose handler stalls until released."""

    async def asyncSetUp(self) -> None:
        self.release = asyncio.Event()

        async def slow(request: web.Request) -> web.Response:
            try:
                await asyncio.wait_for(self.release.wait(), 2)
            except TimeoutError:
                pass
            return web.json_response({"late": True})

        async def fast(request: web.Request) -> web.Response:
            return web.json_response({"fast": True})

        app = web.Application()
        app.router.add_get("/slow", slow)
        app.router.add_get("/fast", fast)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"

    async def asyncTearDown(self) -> None:
        self.release.set()
        await self.runner.cleanup()

    async def test_explicit_timeout_raises_timeout_error(self) -> None:
        async with WebAssistantsFactory(throttler=RecordingThrottler([])) as factory:
            rest = await factory.get_rest_assistant()
            started = time.monotonic()
            with self.assertRaises(asyncio.TimeoutError):
                await rest.execute_request(url=f"{self.base}/slow", throttler_limit_id="x", timeout=0.05)
            self.assertLess(time.monotonic() - started, 0.5)
            fast = await rest.execute_request(url=f"{self.base}/fast", throttler_limit_id="x")
            self.assertEqual({"fast": True}, fast)

    async def test_factory_default_timeout_applies_when_none_given(self) -> None:
        async with WebAssistantsFactory(throttler=RecordingThrottler([]), rest_timeout=0.05) as factory:
            rest = await factory.get_rest_assistant()
            self.assertEqual(0.05, rest.default_timeout)
            with self.assertRaises(TimeoutError):
                await rest.execute_request(url=f"{self.base}/slow", throttler_limit_id="x")

    async def test_connections_factory_passed_in_is_left_open_by_the_web_assistants_factory(self) -> None:
        async with ConnectionsFactory() as connections:
            factory = WebAssistantsFactory(throttler=RecordingThrottler([]), connections_factory=connections)
            session = await connections.get_session()
            rest = await factory.get_rest_assistant()
            fast = await rest.execute_request(url=f"{self.base}/fast", throttler_limit_id="x")
            self.assertEqual({"fast": True}, fast)
            await factory.close()
            self.assertFalse(session.closed)
        self.assertTrue(session.closed)

    async def test_factory_close_closes_the_owned_session_and_a_new_one_is_made_lazily(self) -> None:
        factory = WebAssistantsFactory(throttler=RecordingThrottler([]))
        session = await factory.connections_factory.get_session()
        self.assertIs(session, await factory.connections_factory.get_session())
        await factory.close()
        self.assertTrue(session.closed)
        rest = await factory.get_rest_assistant()
        self.assertEqual({"fast": True}, await rest.execute_request(url=f"{self.base}/fast", throttler_limit_id="x"))
        self.assertIsNot(session, await factory.connections_factory.get_session())
        await factory.close()

"""Credentials never reach another host, an error or a log line (issue 10 §3).

Real loopback aiohttp servers on 127.0.0.1: ``origin`` answers like an exchange, ``other`` (another port, so another
origin) records whatever reaches it. Before the fix an authenticated call followed a redirect to ``other`` with the
API key and the signed query, aiohttp's ``TooManyRedirects`` text put ``signature=<hex>`` into the network log with
the API-key header in its ``request_info``, and an error body echoing the API key was raised as it was.
"""

from __future__ import annotations

import contextlib
import io
import logging
import unittest
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web
from aioresponses import aioresponses
from hbrt.logger import get_logger
from hbrt.redaction import KNOWN_SECRETS, REDACTED, redact, remember_secret
from hbrt.web_assistant import AuthBase, RESTMethod, RESTRequest, RESTRequestError, WebAssistantsFactory, WSRequest
from hbrt.web_assistant.connections.connections_factory import RedirectRefusedError
from hbrt.web_assistant.connections.data_types import WSJSONRequest
from hbrt.web_assistant.errors import masked_exception

API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SIGNATURE = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
LISTEN_KEY = "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1"
SECRETS = (API_KEY, SIGNATURE, LISTEN_KEY)


class KeyAndSignature(AuthBase):
    """Signs like Binance: the API key in a header, the signature in the query."""

    async def rest_authenticate(self, request: RESTRequest) -> RESTRequest:
        request.params = {**(request.params or {}), "timestamp": 1, "signature": SIGNATURE}
        request.headers = {**(request.headers or {}), "X-MBX-APIKEY": API_KEY}
        return request

    async def ws_authenticate(self, request: WSRequest) -> WSRequest:
        return request


class Throttler:
    def execute_task(self, limit_id: str) -> Any:
        return contextlib.nullcontext()


def assert_clean(case: unittest.TestCase, *texts: object) -> None:
    for text in texts:
        for secret in SECRETS:
            case.assertNotIn(secret, str(text))


class LoopbackCase(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.reached_other: list[str] = []
        self.runners: list[web.AppRunner] = []
        self.other = await self._serve(self._other_routes)
        self.origin = await self._serve(self._origin_routes)
        self.factory = WebAssistantsFactory(throttler=Throttler(), auth=KeyAndSignature())

    async def asyncTearDown(self) -> None:
        await self.factory.close()
        for runner in self.runners:
            await runner.cleanup()
        KNOWN_SECRETS.clear()

    async def _serve(self, routes: Callable[[web.Application], None]) -> str:
        app = web.Application()
        routes(app)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.runners.append(runner)
        port = runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    def _other_routes(self, app: web.Application) -> None:
        async def record(request: web.Request) -> web.Response:
            self.reached_other.append(f"{request.path_qs} {dict(request.headers)}")
            return web.json_response({"stolen": True})

        app.router.add_route("*", "/{tail:.*}", record)

    def _origin_routes(self, app: web.Application) -> None:
        async def away(request: web.Request) -> web.Response:
            raise web.HTTPFound(f"{self.other}/collect?{request.query_string}")

        async def loop(request: web.Request) -> web.Response:
            raise web.HTTPFound(f"/loop?{request.query_string}")

        async def echo_key(request: web.Request) -> web.Response:
            key = request.headers.get("X-MBX-APIKEY", "")
            return web.json_response({"code": -2015, "msg": f"Invalid API-key {key}, IP, or permissions"}, status=401)

        async def ws_refused(request: web.Request) -> web.Response:
            return web.Response(status=403, text="forbidden")

        async def ws_away(request: web.Request) -> web.Response:
            raise web.HTTPFound(f"{self.other}{request.path_qs}")

        app.router.add_route("*", "/away", away)
        app.router.add_route("*", "/loop", loop)
        app.router.add_get("/echo", echo_key)
        app.router.add_get("/ws/refused/{key}", ws_refused)
        app.router.add_get("/ws/away/{key}", ws_away)


class RedirectTests(LoopbackCase):
    async def test_an_authenticated_call_never_follows_a_redirect_to_another_host(self) -> None:
        rest = await self.factory.get_rest_assistant()
        for method in (RESTMethod.GET, RESTMethod.POST):
            with self.assertRaises(RESTRequestError) as caught:
                await rest.execute_request(
                    f"{self.origin}/away", "order", params={"symbol": "BTCUSDT"}, method=method, is_auth_required=True
                )
            self.assertEqual(302, caught.exception.status)
            self.assertIn("not followed", str(caught.exception))
            self.assertIn("symbol=BTCUSDT", str(caught.exception))
            assert_clean(self, caught.exception, repr(caught.exception), caught.exception.body)
        self.assertEqual([], self.reached_other)

    async def test_a_call_carrying_a_key_header_without_auth_is_not_redirected_either(self) -> None:
        rest = await self.factory.get_rest_assistant()
        with self.assertRaises(RESTRequestError):
            await rest.execute_request(f"{self.origin}/away", "x", headers={"X-MBX-APIKEY": API_KEY})
        self.assertEqual([], self.reached_other)

    async def test_a_public_call_still_follows_redirects(self) -> None:
        rest = await self.factory.get_rest_assistant()
        self.assertEqual({"stolen": True}, await rest.execute_request(f"{self.origin}/away", "x"))
        self.assertEqual(1, len(self.reached_other))

    async def test_a_redirect_loop_on_a_signed_call_leaves_no_signature_in_the_log(self) -> None:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        logger = get_logger("hbrt.tests.redirect_loop")
        logger.addHandler(handler)
        try:
            rest = await self.factory.get_rest_assistant()
            try:
                await rest.execute_request(f"{self.origin}/loop", "order", is_auth_required=True)
            except Exception:
                logger.network("Unexpected error while fetching account updates.", exc_info=True)
                logger.error("failed", exc_info=True)
        finally:
            logger.removeHandler(handler)
        self.assertIn("HTTP status is 302", stream.getvalue())
        assert_clean(self, stream.getvalue())

    async def test_a_websocket_handshake_never_follows_a_redirect_to_another_host(self) -> None:
        ws = await self.factory.get_ws_assistant()
        remember_secret(LISTEN_KEY)
        with self.assertRaises(RedirectRefusedError) as caught:
            await ws.connect(ws_url=f"{self.origin.replace('http', 'ws')}/ws/away/{LISTEN_KEY}")
        self.assertEqual([], self.reached_other)
        self.assertIsInstance(caught.exception, ConnectionError)
        assert_clean(self, caught.exception, repr(caught.exception))


class MaskedErrorTests(LoopbackCase):
    async def test_an_error_body_echoing_the_api_key_is_masked(self) -> None:
        rest = await self.factory.get_rest_assistant()
        with self.assertRaises(RESTRequestError) as caught:
            await rest.execute_request(f"{self.origin}/echo", "x", is_auth_required=True)
        error = caught.exception
        self.assertEqual(401, error.status)
        self.assertIn("-2015", error.body)
        self.assertIn(f"Invalid API-key {REDACTED}", error.body)
        assert_clean(self, error, error.body, repr(error))

    async def test_connection_errors_carry_no_signed_url(self) -> None:
        rest = await self.factory.get_rest_assistant()
        with aioresponses():  # nothing mocked: aioresponses refuses with "Connection refused: GET <url>"
            with self.assertRaises(aiohttp.ClientConnectionError) as caught:
                await rest.execute_request(f"{self.origin}/api/v3/order", "x", is_auth_required=True)
        self.assertIn("/api/v3/order", str(caught.exception))
        assert_clean(self, caught.exception, repr(caught.exception), caught.exception.args)
        self.assertIsNone(caught.exception.__cause__)
        self.assertIsNone(caught.exception.__context__)

    async def test_a_refused_websocket_handshake_hides_the_listen_key_and_headers(self) -> None:
        remember_secret(LISTEN_KEY)
        ws = await self.factory.get_ws_assistant()
        with self.assertRaises(aiohttp.WSServerHandshakeError) as caught:
            await ws.connect(
                ws_url=f"{self.origin.replace('http', 'ws')}/ws/refused/{LISTEN_KEY}", ws_headers={"X-KEY": API_KEY}
            )
        error = caught.exception
        self.assertEqual(403, error.status)
        assert_clean(self, error, repr(error), error.request_info, error.history)


class MaskedExceptionTests(unittest.TestCase):
    def test_too_many_redirects_is_rebuilt_without_credentials(self) -> None:
        from aiohttp.client_reqrep import RequestInfo
        from multidict import CIMultiDict, CIMultiDictProxy
        from yarl import URL

        url = URL(f"https://api.x.test/api/v3/order?symbol=BTCUSDT&timestamp=1&signature={SIGNATURE}")
        info = RequestInfo(url, "GET", CIMultiDictProxy(CIMultiDict({"X-MBX-APIKEY": API_KEY})), url)
        error = aiohttp.TooManyRedirects(info, (object(),), status=302, message="Found")
        safe = masked_exception(error, [API_KEY, SIGNATURE])
        self.assertIsInstance(safe, aiohttp.TooManyRedirects)
        self.assertEqual(302, safe.status)
        self.assertIn("symbol=BTCUSDT", str(safe))
        self.assertEqual((), safe.history)
        assert_clean(self, safe, repr(safe), safe.request_info, safe.args)
        # By name alone, without knowing the values: the signature in the URL, the key in its header.
        by_name = masked_exception(error)
        assert_clean(self, by_name, repr(by_name), by_name.request_info)

    def test_an_error_without_credentials_is_left_alone(self) -> None:
        error = aiohttp.ClientConnectionError("Cannot connect to host api.x.test:443")
        self.assertIs(error, masked_exception(error, [API_KEY]))

    def test_an_exception_naming_a_signed_url_in_its_args(self) -> None:
        error = aiohttp.ServerTimeoutError(f"Connection timeout to host https://h.test/o?signature={SIGNATURE}")
        safe = masked_exception(error)
        self.assertIsInstance(safe, aiohttp.ServerTimeoutError)
        self.assertIsInstance(safe, TimeoutError)
        assert_clean(self, safe, repr(safe), safe.args)


class LogAndReprTests(unittest.TestCase):
    def tearDown(self) -> None:
        KNOWN_SECRETS.clear()

    def test_every_hbrt_log_line_is_masked(self) -> None:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        logger = get_logger("hbrt.tests.log_lines")
        logger.addHandler(handler)
        remember_secret(LISTEN_KEY)
        try:
            logger.warning("GET https://h.test/o?symbol=A&signature=%s failed", SIGNATURE)
            logger.warning("headers %r", {"X-MBX-APIKEY": API_KEY, "Content-Type": "application/json"})
            logger.warning('login {"op": "login", "args": [{"apiKey": "%s", "sign": "%s"}]}', API_KEY, SIGNATURE)
            logger.warning("connected to wss://stream.test/ws/%s", LISTEN_KEY)
            try:
                raise ValueError(f"listen key {LISTEN_KEY} expired")
            except ValueError:
                logger.exception("lost the stream")
        finally:
            logger.removeHandler(handler)
        text = stream.getvalue()
        assert_clean(self, text)
        self.assertIn("symbol=A", text)
        self.assertIn("application/json", text)
        self.assertIn("ValueError: listen key *** expired", text)

    def test_signed_requests_never_show_credentials_in_their_repr(self) -> None:
        request = RESTRequest(
            method=RESTMethod.GET,
            url=f"https://h.test/o?signature={SIGNATURE}",
            params={"signature": SIGNATURE, "symbol": "A"},
            headers={"X-MBX-APIKEY": API_KEY},
        )
        ws = WSJSONRequest(payload={"method": "session.logon", "params": {"apiKey": API_KEY, "signature": SIGNATURE}})
        assert_clean(self, repr(request), repr(ws))
        self.assertIn("'symbol': 'A'", repr(request))

    def test_short_or_ordinary_values_are_never_masked_by_value(self) -> None:
        remember_secret("1234")
        remember_secret(None)
        self.assertEqual("price 1234", redact("price 1234"))
        self.assertEqual("a=1&b=2", redact("a=1&b=2"))

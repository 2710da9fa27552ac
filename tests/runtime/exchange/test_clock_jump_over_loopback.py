"""Clock jumps followed promptly, against a Binance-shaped server on 127.0.0.1 whose clock is shifted.

The server answers ``GET /api/v3/time`` and the signed ``GET /api/v3/account`` over real HTTP, and the WS API user
data stream login over a real websocket; like Binance it refuses a timestamp more than 5,000 ms behind or 1,000 ms
ahead of its clock with code -1021. The generated Binance connector starts with five samples of the old clock.

* A refused timestamp resets the estimate: the sample taken next is trusted alone, instead of being outvoted by the
  five taken before the jump. This held for REST requests; the private websocket login kept signing with the old
  estimate (rejected at every reconnect until periodic samples outvoted it).
* No server-time call is made whose result goes unused: when the retry is refused too, the request fails without a
  second sample; the next signed request samples before it is signed.
"""

from __future__ import annotations

import asyncio
import time
import unittest
from typing import Any
from unittest.mock import patch

from aiohttp import WSMsgType, web
from binance import binance_constants as CONSTANTS
from binance.binance_exchange import BinanceExchange
from hbrt.web_assistant.reconnect import ExponentialBackoff

JUMP_MS = 10_000
RECV_WINDOW_MS = 5_000
TIME_ERROR = {"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."}


class _ShiftedClockExchange:
    """The server: ``clock_shift_ms`` shifts the clock requests are judged by; ``/time`` reports
    ``time_shift_ms`` (the same, unless a test makes the time endpoint lag behind a jump)."""

    def __init__(self) -> None:
        self.clock_shift_ms = 0.0
        self.time_shift_ms = 0.0
        self.time_calls = 0
        self.refused = 0
        self.accepted = 0
        self.logins: list[bool] = []
        self._runner: web.AppRunner | None = None

    def _now_ms(self) -> float:
        return time.time() * 1e3 + self.clock_shift_ms

    def _accepts(self, timestamp: Any) -> bool:
        now = self._now_ms()
        ok = now - RECV_WINDOW_MS <= int(timestamp) <= now + 1_000
        self.accepted += ok
        self.refused += not ok
        return ok

    async def start(self) -> int:
        app = web.Application()
        app.router.add_get("/api/v3/time", self._time)
        app.router.add_get("/api/v3/account", self._account)
        app.router.add_get("/ws-api/v3", self._ws_api)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        port: int = self._runner.addresses[0][1]
        return port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _time(self, request: web.Request) -> web.Response:
        self.time_calls += 1
        return web.json_response({"serverTime": int(time.time() * 1e3 + self.time_shift_ms)})

    async def _account(self, request: web.Request) -> web.Response:
        if not self._accepts(request.query["timestamp"]):
            return web.json_response(TIME_ERROR, status=400)
        return web.json_response({"balances": [{"asset": "HBOT", "free": "10", "locked": "0"}]})

    async def _ws_api(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        login = await ws.receive_json()
        accepted = self._accepts(login["params"]["timestamp"])
        self.logins.append(accepted)
        if accepted:
            await ws.send_json({"id": login["id"], "status": 200, "result": {"subscriptionId": 0}})
        else:
            await ws.send_json({"id": login["id"], "status": 400, "error": TIME_ERROR})
        async for message in ws:
            if message.type == WSMsgType.ERROR:
                break
        return ws


class ClockJumpOverLoopbackTests(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.server = _ShiftedClockExchange()
        port = await self.server.start()
        domain = CONSTANTS.DEFAULT_DOMAIN
        urls = patch.dict(CONSTANTS.REST_URLS, {domain: f"http://127.0.0.1:{port}/api"})
        ws_urls = patch.dict(
            CONSTANTS.WSS_URLS[domain], {CONSTANTS.PRIVATE_WS_URL_NAME: f"ws://127.0.0.1:{port}/ws-api/v3"}
        )
        for patcher in (urls, ws_urls):
            patcher.start()
            self.addCleanup(patcher.stop)
        self.exchange = BinanceExchange(binance_api_key="key", binance_api_secret="secret", trading_pairs=[])
        for _ in range(5):  # five samples of the clock before the jump
            await self.exchange._update_time_synchronizer()
        self.assertEqual(5, len(self.exchange._time_synchronizer.samples))
        self.server.time_calls = 0
        self.tasks: list[asyncio.Task[Any]] = []

    async def asyncTearDown(self) -> None:
        tracker = self.exchange._user_stream_tracker
        if tracker is not None:
            await tracker.stop()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.exchange._web_assistants_factory.close()
        await self.server.stop()

    def assert_follows_the_server_clock(self) -> None:
        offset_s = self.exchange._time_synchronizer.time() - time.time()
        self.assertAlmostEqual(JUMP_MS / 1e3, offset_s, delta=0.5)

    async def test_a_refused_request_resets_the_estimate_and_the_retry_succeeds(self) -> None:
        self.server.clock_shift_ms = self.server.time_shift_ms = JUMP_MS

        await self.exchange._update_balances()

        self.assertEqual((1, 1, 1), (self.server.refused, self.server.accepted, self.server.time_calls))
        self.assertEqual(1, len(self.exchange._time_synchronizer.samples), "the old samples were dropped")
        self.assert_follows_the_server_clock()
        self.assertEqual(10, self.exchange.get_balance("HBOT"))

    async def test_a_second_refusal_raises_without_a_server_time_call_whose_result_goes_unused(self) -> None:
        # The clock jumps, but the time endpoint still reports the old clock (a node behind the jump).
        self.server.clock_shift_ms = JUMP_MS
        with self.assertRaises(OSError):
            await self.exchange._update_balances()
        self.assertEqual((2, 1), (self.server.refused, self.server.time_calls))
        self.assertEqual((), self.exchange._time_synchronizer.samples, "reset, and no sample after the last refusal")

        # The time endpoint catches up: the next signed request samples once before it is signed, and goes through.
        self.server.time_shift_ms = JUMP_MS
        await self.exchange._update_balances()
        self.assertEqual((2, 1, 2), (self.server.refused, self.server.accepted, self.server.time_calls))
        self.assert_follows_the_server_clock()

    async def test_a_login_refused_for_its_timestamp_is_signed_again_with_a_fresh_sample(self) -> None:
        self.server.clock_shift_ms = self.server.time_shift_ms = JUMP_MS
        tracker = self.exchange._user_stream_tracker
        assert tracker is not None
        tracker.data_source._reconnect_backoff = ExponentialBackoff(initial=0.01, maximum=0.05)
        self.tasks.append(asyncio.create_task(tracker.start()))

        async def logged_in() -> None:
            while True not in self.server.logins:
                await asyncio.sleep(0.01)

        await asyncio.wait_for(logged_in(), 5)
        self.assertEqual([False, True], self.server.logins)
        self.assertEqual(1, self.server.time_calls, "one sample, taken after the refusal and used by the next login")
        self.assert_follows_the_server_clock()

"""Ready-made processors, URL sanitising and RESTRequestError, RESTMethod and RESTResponse details."""

from __future__ import annotations

import gzip
import inspect
import pickle
import unittest
from collections.abc import Awaitable, Coroutine
from typing import Any

from hbrt.web_assistant import (
    GZipCompressionWSPostProcessor,
    RESTMethod,
    RESTRequest,
    RESTRequestError,
    TimeSynchronizerRESTPreProcessor,
    WSResponse,
    sanitize_url,
)


class FakeSynchronizer:
    """Duck-typed TimeSynchronizer: awaits the provider only when it has no sample yet."""

    def __init__(self, initialized: bool) -> None:
        self.samples: list[float] = [0.0] if initialized else []

    async def update_server_time_if_not_initialized(self, time_provider: Awaitable[float]) -> None:
        if not self.samples:
            self.samples.append(await time_provider)


class TimeSynchronizerPreProcessorTests(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.provided: list[Coroutine[Any, Any, float]] = []
        self.provider_runs = 0

    def provider(self) -> Coroutine[Any, Any, float]:
        async def server_time() -> float:
            self.provider_runs += 1
            return 1_700_000_000_000.0

        coro = server_time()
        self.provided.append(coro)
        return coro

    async def test_fetches_server_time_when_synchronizer_is_empty(self) -> None:
        synchronizer = FakeSynchronizer(initialized=False)
        processor = TimeSynchronizerRESTPreProcessor(synchronizer, self.provider)
        request = RESTRequest(method=RESTMethod.GET, url="https://x")

        self.assertIs(request, await processor.pre_process(request))
        self.assertEqual([1_700_000_000_000.0], synchronizer.samples)
        self.assertEqual(1, self.provider_runs)

    async def test_unused_provider_coroutine_is_closed_when_already_initialized(self) -> None:
        synchronizer = FakeSynchronizer(initialized=True)
        processor = TimeSynchronizerRESTPreProcessor(synchronizer, self.provider)

        await processor.pre_process(RESTRequest(method=RESTMethod.GET, url="https://x"))

        self.assertEqual(0, self.provider_runs)
        self.assertEqual(inspect.CORO_CLOSED, inspect.getcoroutinestate(self.provided[0]))


class RealTimeSynchronizerIntegrationTests(unittest.IsolatedAsyncioTestCase):
    async def test_pre_processor_initialises_the_real_synchronizer_once(self) -> None:
        from hbrt.time_synchronizer import TimeSynchronizer

        synchronizer = TimeSynchronizer()
        calls = 0

        async def server_time_ms() -> float:
            nonlocal calls
            calls += 1
            return 1_000_000.0

        processor = TimeSynchronizerRESTPreProcessor(synchronizer, server_time_ms)
        for _ in range(3):
            await processor.pre_process(RESTRequest(method=RESTMethod.GET, url="https://x"))

        self.assertEqual(1, calls)
        self.assertNotEqual(0, synchronizer.time_offset_ms)


class GZipPostProcessorTests(unittest.IsolatedAsyncioTestCase):
    async def test_gunzips_and_parses_bytes_and_passes_other_payloads_through(self) -> None:
        processor = GZipCompressionWSPostProcessor()
        zipped = WSResponse(gzip.compress(b'{"ch":"market"}'))
        self.assertEqual({"ch": "market"}, (await processor.post_process(zipped)).data)
        self.assertEqual("plain", (await processor.post_process(WSResponse(gzip.compress(b"plain")))).data)
        untouched = WSResponse({"already": "parsed"})
        self.assertIs(untouched, await processor.post_process(untouched))
        with self.assertRaises(OSError):
            await processor.post_process(WSResponse(b"not gzip"))


class SanitizeUrlTests(unittest.TestCase):
    def test_secret_values_are_removed_and_names_kept(self) -> None:
        url = (
            "https://api.x.test/api/v3/order?symbol=BTCUSDT&timestamp=1&Signature=abc&APIKEY=k1&api_key=k2"
            "&listenKey=lk&passphrase=pp&access_token=t&secret=s&key=k3&X-MBX-APIKEY=k4&recvWindow=5000"
        )
        clean = sanitize_url(url)
        for secret in ("abc", "k1", "k2", "lk", "pp", "=t&", "=s&", "k3", "k4"):
            self.assertNotIn(secret, clean)
        for kept in ("symbol=BTCUSDT", "timestamp=1", "recvWindow=5000", "Signature=***", "listenKey=***"):
            self.assertIn(kept, clean)
        self.assertTrue(clean.startswith("https://api.x.test/api/v3/order?"))

    def test_user_info_is_removed_and_clean_urls_are_unchanged(self) -> None:
        self.assertEqual("https://***@h.test/p", sanitize_url("https://user:pw@h.test/p"))
        self.assertEqual("https://h.test/p?a=1&b=2", sanitize_url("https://h.test/p?a=1&b=2"))


class RESTRequestErrorTests(unittest.TestCase):
    def test_message_attributes_and_pickling(self) -> None:
        error = RESTRequestError(
            status=418, method="POST", url="https://h.test/o?signature=zzz&a=1", body='{"code":-2013}'
        )
        self.assertIsInstance(error, IOError)
        self.assertEqual(
            "Error executing request POST https://h.test/o?signature=***&a=1. HTTP status is 418. "
            'Error: {"code":-2013}',
            str(error),
        )
        clone = pickle.loads(pickle.dumps(error))
        self.assertEqual((418, "POST", error.url, error.body), (clone.status, clone.method, clone.url, clone.body))

    def test_long_html_body_is_shortened(self) -> None:
        body = "<HTML>" + "y" * 20_000
        error = RESTRequestError(status=500, method="GET", url="https://h", body=body)
        self.assertTrue(error.body.startswith("<HTML>yyy"))
        self.assertLess(len(error.body), 5000)
        self.assertLess(len(str(error)), 5000)


class RESTMethodTests(unittest.TestCase):
    def test_value_and_str_are_the_verb(self) -> None:
        self.assertEqual(["GET", "POST", "PUT", "PATCH", "DELETE"], [m.value for m in RESTMethod])
        self.assertEqual("PATCH", str(RESTMethod.PATCH))
        self.assertEqual("DELETE", repr(RESTMethod.DELETE))

"""ExponentialBackoff and run_with_reconnect with an injected sleep and a seeded RNG."""

from __future__ import annotations

import asyncio
import logging
import random
import unittest
from typing import Any

import aiohttp
from hbrt.web_assistant import ExponentialBackoff, RESTRequestError, reconnecting, run_with_reconnect


class ExponentialBackoffTests(unittest.TestCase):
    def test_grows_by_factor_and_caps_without_jitter(self) -> None:
        backoff = ExponentialBackoff(initial=1.0, maximum=30.0, factor=2.0, jitter=0.0)
        self.assertEqual([1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0], [backoff.next_delay() for _ in range(7)])
        self.assertEqual(7, backoff.attempts)

    def test_reset_starts_over(self) -> None:
        backoff = ExponentialBackoff(initial=0.5, maximum=10.0, factor=3.0, jitter=0.0)
        backoff.next_delay()
        backoff.next_delay()
        backoff.reset()
        self.assertEqual(0, backoff.attempts)
        self.assertEqual(0.5, backoff.next_delay())

    def test_jitter_is_seeded_bounded_and_capped(self) -> None:
        rng = random.Random(42)
        expected_rng = random.Random(42)
        backoff = ExponentialBackoff(initial=1.0, maximum=8.0, factor=2.0, jitter=0.25, rng=rng)
        delays = [backoff.next_delay() for _ in range(6)]
        expected = [min(8.0, min(8.0, 2.0**n) * (1 + expected_rng.uniform(-0.25, 0.25))) for n in range(6)]
        self.assertEqual(expected, delays)
        self.assertTrue(all(0.75 <= d <= 8.0 for d in delays))
        self.assertNotEqual(delays[0], 1.0)
        self.assertEqual(8.0, max(delays))  # jitter above the cap is clipped

    def test_huge_attempt_count_does_not_overflow(self) -> None:
        backoff = ExponentialBackoff(initial=1.0, maximum=5.0, jitter=0.0)
        for _ in range(5000):
            delay = backoff.next_delay()
        self.assertEqual(5.0, delay)

    def test_invalid_parameters(self) -> None:
        with self.assertRaises(ValueError):
            ExponentialBackoff(initial=2.0, maximum=1.0)
        with self.assertRaises(ValueError):
            ExponentialBackoff(factor=0.5)
        with self.assertRaises(ValueError):
            ExponentialBackoff(jitter=1.5)


class RunWithReconnectTests(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.delays: list[float] = []
        self.backoff = ExponentialBackoff(initial=1.0, maximum=30.0, jitter=0.0)
        self.logger = logging.getLogger("test.reconnect")

    async def fake_sleep(self, delay: float) -> None:
        self.delays.append(delay)

    async def test_retries_network_errors_with_backoff_then_returns_and_resets(self) -> None:
        errors: list[BaseException] = [
            ConnectionError("dropped"),
            TimeoutError(),
            aiohttp.ClientConnectionError("refused"),
            RESTRequestError(status=502, method="GET", url="https://x", body="bad gateway"),
        ]

        async def attempt() -> str:
            if errors:
                raise errors.pop(0)
            return "done"

        with self.assertLogs("test.reconnect", level="WARNING") as logs:
            result = await run_with_reconnect(attempt, backoff=self.backoff, sleep=self.fake_sleep, logger=self.logger)

        self.assertEqual("done", result)
        self.assertEqual([1.0, 2.0, 4.0, 8.0], self.delays)
        self.assertEqual(0, self.backoff.attempts)
        self.assertEqual(4, len(logs.records))
        self.assertIn("reconnecting in 1.00 s", logs.output[0])

    async def test_run_may_reset_backoff_once_healthy(self) -> None:
        calls = 0

        async def attempt() -> None:
            nonlocal calls
            calls += 1
            if calls in (1, 2):
                raise ConnectionError("handshake failed")
            if calls == 3:
                self.backoff.reset()  # connected and subscribed, then the stream dropped later
                raise ConnectionError("dropped after a while")

        await run_with_reconnect(attempt, backoff=self.backoff, sleep=self.fake_sleep, logger=self.logger)
        self.assertEqual([1.0, 2.0, 1.0], self.delays)

    async def test_fatal_and_non_network_errors_propagate_without_sleeping(self) -> None:
        async def unauthorised() -> None:
            raise RESTRequestError(status=401, method="GET", url="https://x", body="bad key")

        async def bug() -> None:
            raise ValueError("parse error")

        with self.assertRaises(RESTRequestError):
            await run_with_reconnect(
                unauthorised,
                backoff=self.backoff,
                sleep=self.fake_sleep,
                is_fatal=lambda exc: isinstance(exc, RESTRequestError) and exc.status == 401,
            )
        with self.assertRaises(ValueError):
            await reconnecting(bug, backoff=self.backoff, sleep=self.fake_sleep)
        self.assertEqual([], self.delays)

    async def test_max_attempts_reraises_the_last_failure(self) -> None:
        count = 0

        async def always_fails() -> None:
            nonlocal count
            count += 1
            raise ConnectionError(f"failure {count}")

        with self.assertRaises(ConnectionError) as ctx:
            await run_with_reconnect(
                always_fails, backoff=self.backoff, sleep=self.fake_sleep, logger=self.logger, max_attempts=3
            )
        self.assertEqual("failure 3", str(ctx.exception))
        self.assertEqual([1.0, 2.0], self.delays)

    async def test_cancellation_propagates_during_run_and_during_sleep(self) -> None:
        started = asyncio.Event()

        async def runs_forever() -> Any:
            started.set()
            await asyncio.Event().wait()

        task = asyncio.create_task(run_with_reconnect(runs_forever, backoff=self.backoff, sleep=self.fake_sleep))
        await started.wait()
        task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await task

        async def fails() -> None:
            raise ConnectionError("x")

        sleeping = asyncio.Event()

        async def blocking_sleep(delay: float) -> None:
            sleeping.set()
            await asyncio.Event().wait()

        task = asyncio.create_task(
            run_with_reconnect(fails, backoff=self.backoff, sleep=blocking_sleep, logger=self.logger)
        )
        await sleeping.wait()
        task.cancel()
        with self.assertRaises(asyncio.CancelledError):
            await task

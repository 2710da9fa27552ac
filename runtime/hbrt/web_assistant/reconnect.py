"""Reconnect-with-backoff for long-lived streams (order book and user stream data sources)."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp

from hbrt.logger import get_logger

T = TypeVar("T")

RETRYABLE_ERRORS: tuple[type[BaseException], ...] = (ConnectionError, OSError, TimeoutError, aiohttp.ClientError)


class ExponentialBackoff:
    """Delays ``initial * factor**n`` capped at ``maximum``, each scaled by a random factor in ``[1-jitter, 1+jitter]``.

    The jittered delay never exceeds ``maximum`` and is never negative. Pass a seeded :class:`random.Random` as
    ``rng`` for reproducible delays.
    """

    def __init__(
        self,
        initial: float = 1.0,
        maximum: float = 30.0,
        factor: float = 2.0,
        jitter: float = 0.1,
        rng: random.Random | None = None,
    ) -> None:
        if initial < 0 or maximum < initial:
            raise ValueError("need 0 <= initial <= maximum")
        if factor < 1:
            raise ValueError("factor must be >= 1")
        if not 0 <= jitter <= 1:
            raise ValueError("jitter must be within [0, 1]")
        self._initial = initial
        self._maximum = maximum
        self._factor = factor
        self._jitter = jitter
        self._rng = rng if rng is not None else random.Random()
        self._attempts = 0
        self._next_base = initial

    @property
    def attempts(self) -> int:
        """How many delays were handed out since the last :meth:`reset`."""
        return self._attempts

    def next_delay(self) -> float:
        """The delay (seconds) before the next attempt; each call grows the base delay by ``factor``."""
        base = self._next_base
        # Grow iteratively and stop at the cap, so a long outage cannot overflow ``factor ** attempts``.
        self._next_base = min(self._maximum, base * self._factor)
        self._attempts += 1
        if self._jitter:
            base *= 1 + self._rng.uniform(-self._jitter, self._jitter)
        return max(0.0, min(self._maximum, base))

    def reset(self) -> None:
        """Start again from ``initial`` (call once a connection proved healthy)."""
        self._attempts = 0
        self._next_base = self._initial


async def run_with_reconnect(
    connect_and_run: Callable[[], Awaitable[T]],
    *,
    backoff: ExponentialBackoff,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    logger: logging.Logger | None = None,
    is_fatal: Callable[[BaseException], bool] | None = None,
    retry_on: tuple[type[BaseException], ...] = RETRYABLE_ERRORS,
    max_attempts: int | None = None,
) -> T:
    """Run ``connect_and_run`` until it returns, reconnecting after network failures.

    On an exception in ``retry_on`` (connection errors, ``OSError`` including :class:`RESTRequestError`, timeouts,
    aiohttp client errors) that ``is_fatal`` does not claim, log it, sleep ``backoff.next_delay()`` and run again.
    Any other exception, a fatal one, or the last failure once ``max_attempts`` consecutive attempts failed, is
    raised (failures are counted by ``backoff.attempts``, so a ``reset()`` restarts the count). ``CancelledError``
    always propagates. When ``connect_and_run`` returns, the backoff is reset and its
    result returned. A long-lived ``connect_and_run`` should call ``backoff.reset()`` itself once connected and
    subscribed, so a drop after hours of healthy streaming reconnects after ``initial`` seconds again.
    """
    log = logger if logger is not None else get_logger(__name__)
    while True:
        try:
            result = await connect_and_run()
        except asyncio.CancelledError:
            raise
        except retry_on as exc:
            if is_fatal is not None and is_fatal(exc):
                raise
            if max_attempts is not None and backoff.attempts + 1 >= max_attempts:
                raise
            delay = backoff.next_delay()
            log.warning(
                "Stream connection failed (%r); reconnecting in %.2f s (retry %d).", exc, delay, backoff.attempts
            )
            await sleep(delay)
            continue
        backoff.reset()
        return result


reconnecting = run_with_reconnect
"""Alias of :func:`run_with_reconnect` under the name used in ``docs/runtime.md``."""

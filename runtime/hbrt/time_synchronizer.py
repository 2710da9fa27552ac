"""Server-time estimation: :class:`TimeSynchronizer`.

Signed exchange requests carry a timestamp the server compares with its own clock, so connectors sign with an
estimate of the *server's* time rather than the local wall clock.
"""

from __future__ import annotations

import asyncio
import inspect
import statistics
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol

from hbrt.logger import HummingbotLogger, get_logger

# What a caller may hand over as the server-time fetch: an awaitable (e.g. a coroutine object) or a zero-argument
# callable returning one (called only when a sample is actually taken). Either resolves to server time in ms.
ServerTimeProvider = Awaitable[float] | Callable[[], Awaitable[float]]


class ServerClock(Protocol):
    """What signing needs of a clock: ``time()``, the exchange's current time in seconds.

    :class:`TimeSynchronizer` is one; a test signing a published vector passes a clock fixed at its instant.
    """

    def time(self) -> float: ...


class TimeSynchronizer:
    """Keeps an estimate of the offset between the server's clock and a local monotonic clock.

    ``time()`` is the local monotonic clock plus the estimated offset, so jumps of the local wall clock (NTP steps,
    manual changes) do not affect it. With no samples the offset is that of the wall clock, i.e. ``time()`` returns
    the local wall-clock time.

    **Estimator.** Hummingbot averages the median of the samples with a weighted mean that favours the newest
    sample. The weighted mean has no breakdown point: one sample that is off by seconds (a response delayed in a
    queue, a proxy's cached ``/time``) moves the estimate by 2 % (if it is the oldest of five) to 18 % (if it is the
    newest) of its error, e.g. 1.26 s for a 7 s outlier. Here the median of the samples is the anchor; samples
    further from it than ``max(outlier_mads * MAD, outlier_floor_ms)`` (MAD = median absolute deviation, scaled to a
    standard deviation) are discarded, and the remaining ones are averaged with weights 1, 3, 5, ... favouring the
    newest, which keeps Hummingbot's responsiveness to drift. With three or more samples one arbitrarily large
    outlier (with five samples, two) cannot move the estimate beyond the spread of the good samples. With two
    samples no estimator can tell which one is wrong; their mean is used.
    """

    def __init__(
        self,
        max_samples: int = 5,
        *,
        outlier_mads: float = 3.0,
        outlier_floor_ms: float = 50.0,
        monotonic_clock: Callable[[], float] = time.perf_counter,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if max_samples < 1:
            raise ValueError(f"max_samples must be at least 1, got {max_samples}")
        self._time_offset_ms: deque[float] = deque(maxlen=max_samples)
        self._outlier_mads = outlier_mads
        self._outlier_floor_ms = outlier_floor_ms
        self._monotonic = monotonic_clock
        self._wall = wall_clock
        self._lock = asyncio.Lock()

    @classmethod
    def logger(cls) -> HummingbotLogger:
        return get_logger(__name__)

    def _current_seconds_counter(self) -> float:
        """The local monotonic clock in seconds (``monotonic_clock``, ``time.perf_counter`` by default).

        Test seam, as in Hummingbot: tests patch it on the class (``patch.object(TimeSynchronizer,
        "_current_seconds_counter")``) to control what ``time()`` and the offset samples read.
        """
        return self._monotonic()

    def _time(self) -> float:
        """The local wall clock in seconds (``wall_clock``, ``time.time`` by default); patchable like
        :meth:`_current_seconds_counter`. Read only while there is no sample."""
        return self._wall()

    @property
    def time_offset_ms(self) -> float:
        """Estimated server time minus local monotonic time, in milliseconds."""
        samples = self._time_offset_ms
        if not samples:
            return (self._time() - self._current_seconds_counter()) * 1e3
        return self._robust_estimate(list(samples))

    @property
    def samples(self) -> tuple[float, ...]:
        """The offset samples currently kept (oldest first), for diagnostics."""
        return tuple(self._time_offset_ms)

    def _robust_estimate(self, samples: list[float]) -> float:
        if len(samples) <= 2:
            return statistics.fmean(samples)
        median = statistics.median(samples)
        mad = statistics.median(abs(s - median) for s in samples) * 1.4826
        tolerance = max(self._outlier_mads * mad, self._outlier_floor_ms)
        kept = [(i, s) for i, s in enumerate(samples) if abs(s - median) <= tolerance]
        # The median itself always lies within tolerance of itself, so at least half the samples are kept.
        weights = [2 * i + 1 for i, _ in kept]
        return sum(w * s for w, (_, s) in zip(weights, kept, strict=True)) / sum(weights)

    def time(self) -> float:
        """Estimated server time in seconds."""
        return self._current_seconds_counter() + self.time_offset_ms * 1e-3

    def add_time_offset_ms_sample(self, offset: float) -> None:
        """Add one offset sample (server ms minus local monotonic ms); the oldest is dropped beyond ``max_samples``."""
        self._time_offset_ms.append(float(offset))

    def clear_time_offset_ms_samples(self) -> None:
        """Forget every sample (``time()`` falls back to the wall clock)."""
        self._time_offset_ms.clear()

    async def update_server_time_offset_with_time_provider(self, time_provider: ServerTimeProvider) -> None:
        """Take one sample: server ms minus the midpoint of the local readings before and after the fetch.

        Errors other than cancellation are logged at ``NETWORK`` level and swallowed (the old estimate stays);
        cancellation propagates. A coroutine that ends up not awaited is closed, so it never warns.
        """
        awaitable: Awaitable[float] | None = None
        try:
            awaitable = time_provider() if callable(time_provider) else time_provider
            local_before = self._current_seconds_counter()
            server_time_ms = await awaitable
            local_after = self._current_seconds_counter()
            midpoint_ms = (local_before + local_after) * 0.5e3
            self.add_time_offset_ms_sample(float(server_time_ms) - midpoint_ms)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.logger().network(f"Error getting server time: {exc!r}", exc_info=True)
        finally:
            _close_if_unused(awaitable if awaitable is not None else time_provider)

    async def update_server_time_if_not_initialized(self, time_provider: ServerTimeProvider) -> None:
        """Take a sample only if there is none yet; concurrent callers share one fetch (serialised by a lock)."""
        async with self._lock:
            if not self._time_offset_ms:
                await self.update_server_time_offset_with_time_provider(time_provider)
                return
        _close_if_unused(time_provider)


class ClockSync:
    """The connector's :class:`TimeSynchronizer` together with how to fetch a server-time sample.

    What a signer outside the REST path (a websocket login) needs to follow the exchange's clock as REST requests
    do (there ``TimeSynchronizerRESTPreProcessor`` plays the part of :meth:`ensure_sample`):

    * :meth:`ensure_sample` before signing takes a sample only when the synchronizer holds none (never synced, or
      reset), so no call is made whose result is not used;
    * :meth:`reset` after the exchange rejected a timestamp forgets the estimate, so the next sample is trusted
      alone instead of being outvoted as an outlier by the samples taken before a clock jump.
    """

    def __init__(self, synchronizer: TimeSynchronizer, fetch: Callable[[], Awaitable[float]]) -> None:
        self.synchronizer = synchronizer
        self._fetch = fetch

    def time(self) -> float:
        """Estimated server time in seconds (a :class:`ServerClock`)."""
        return self.synchronizer.time()

    async def ensure_sample(self) -> None:
        """Fetch one sample if the synchronizer holds none (concurrent callers share one fetch)."""
        await self.synchronizer.update_server_time_if_not_initialized(self._fetch)

    def reset(self) -> None:
        """The exchange rejected a timestamp signed with the current estimate: forget it."""
        self.synchronizer.logger().info("The exchange rejected a request timestamp: the server-time estimate is reset.")
        self.synchronizer.clear_time_offset_ms_samples()


def _close_if_unused(candidate: object) -> None:
    """Close a coroutine object that was never run to completion (no-op for anything else)."""
    if inspect.iscoroutine(candidate) and inspect.getcoroutinestate(candidate) != inspect.CORO_CLOSED:
        candidate.close()

"""A sliding-log rate limiter for exchange APIs: :class:`AsyncThrottler`.

Usage::

    throttler = AsyncThrottler(rate_limits)
    async with throttler.execute_task("/order"):
        ...  # send the request

Entering the context waits until every pool the limit id draws from (its own limit plus its linked limits) has room
for the call's weight, then records the call. Leaving the context does nothing: capacity comes back only as
records age out of the window, exactly like the exchange's own accounting.

Differences from Hummingbot's throttler, all on purpose:

* **Per-pool logs.** Each pool keeps its own deque of ``(timestamp, weight)`` records plus a running sum of the
  weights, so expiry is amortised O(1) (pop from the left) and a capacity check costs O(number of linked pools),
  independent of how many calls are logged. Hummingbot rebuilds and scans one shared list of all records on every
  check, which is O(all records) -- about a million entries near Binance's daily order cap.
* **Atomic check-and-record.** The check and the recording happen in one synchronous step with no ``await`` in
  between, so two coroutines can never both pass the check on the last unit of capacity (Hummingbot checks and
  records under two separate lock sections and can over-admit).
* **Strict FIFO.** Waiting calls are served in arrival order *across all limit ids*: a call never overtakes an
  earlier call that is still waiting, even when the pools it needs are free. This gives predictable ordering (a
  cancel sent after its create is never admitted first) and makes starvation impossible (a heavy ``/depth`` call is
  not starved by a stream of light calls). The price is head-of-line blocking: while the oldest waiter waits for a
  saturated pool (say ``ORDERS`` for up to ~10 s), later calls wait behind it even if they only need other pools.
  Only the oldest waiter sleeps; it sleeps exactly until the earliest expiry that makes room for it (bounded by
  ``max_sleep``; a change of limits wakes it early) and hands over to the next waiter once admitted. Nothing polls.
* **Unknown ids fail at once** with :class:`UnknownLimitIdError` naming the id and the known ids (Hummingbot lets
  the call through and then crashes with ``AttributeError``).
* **Impossible calls fail at once.** A call whose weight exceeds a pool's (possibly share-scaled) limit can never
  be admitted; it raises :class:`ValueError` instead of waiting forever.
* **Integer limits.** Share scaling computes ``max(1, floor(limit * pct / 100))`` with exact decimal arithmetic but
  stores an ``int``.
* **One clock.** Every timestamp comes from ``time_provider`` (default :func:`time.monotonic`), so tests can drive
  time; sleeping is injectable too.

Window semantics are Hummingbot's: the safety margin lengthens the window, so with the default 5 % a 60 s limit
counts every record from the last 63 s (a record counts while ``now - timestamp <= interval * (1 + margin)``).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType, TracebackType

from hbrt.api_throttler.data_types import (
    MAX_CAPACITY_REACHED_WARNING_INTERVAL,
    LinkedLimitWeightPair,
    RateLimit,
)
from hbrt.logger import HummingbotLogger, get_logger

_MAX_IDS_IN_ERROR = 20
# Added to a computed wake-up delay so that, after sleeping, the record that had to expire is strictly older than
# the window even after floating-point rounding of the clock (one microsecond is far above the rounding error of
# any realistic monotonic timestamp and far below anything an exchange can measure).
_WAKE_EPSILON = 1e-6


class UnknownLimitIdError(KeyError):
    """Raised when a call names a limit id that is not registered with the throttler."""

    def __init__(self, limit_id: str, known_ids: Iterable[str]) -> None:
        self.limit_id = limit_id
        self.known_ids: list[str] = sorted(known_ids)
        shown = ", ".join(repr(i) for i in self.known_ids[:_MAX_IDS_IN_ERROR])
        hidden = len(self.known_ids) - _MAX_IDS_IN_ERROR
        if hidden > 0:
            shown += f", ... and {hidden} more"
        self.message = (
            f"Unknown rate limit id {limit_id!r}: register it with a RateLimit before calling it. "
            f"Known ids ({len(self.known_ids)}): {shown or 'none'}"
        )
        super().__init__(self.message)

    def __str__(self) -> str:  # KeyError would repr() the message and add quotes
        return self.message


class _Pool:
    """One capacity pool: the records inside the window, oldest first, and the sum of their weights."""

    __slots__ = ("limit_id", "limit", "window", "interval", "log", "used")

    def __init__(self, limit_id: str, limit: int, interval: float, window: float) -> None:
        self.limit_id = limit_id
        self.limit = limit
        self.interval = interval
        self.window = window
        self.log: deque[tuple[float, int]] = deque()
        self.used = 0

    def expire(self, now: float) -> None:
        """Drop records that are older than the window at ``now``; amortised O(1) per record ever logged."""
        log = self.log
        cutoff = now - self.window
        while log and log[0][0] < cutoff:
            self.used -= log.popleft()[1]


# A plan is what one call under a limit id needs: (pool, weight) for every distinct pool it draws from.
_Plan = tuple[tuple[_Pool, int], ...]


class AsyncRequestContext:
    """The async context manager returned by :meth:`AsyncThrottler.execute_task`.

    Entering acquires capacity for one call (waiting if needed); exiting does nothing.
    """

    __slots__ = ("_throttler", "_limit_id")

    def __init__(self, throttler: AsyncThrottler, limit_id: str) -> None:
        self._throttler = throttler
        self._limit_id = limit_id

    async def acquire(self) -> None:
        """Wait for capacity and record the call (the work done by ``__aenter__``)."""
        throttler = self._throttler
        if not throttler._waiters:
            plan = throttler._plans.get(self._limit_id)
            if plan is not None and throttler._try_acquire(plan, throttler._time()):
                return
        await throttler._acquire_slow(self._limit_id)

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


class AsyncThrottler:
    """Rate limiter shared by every REST (and optionally websocket) call of a connector.

    :param rate_limits: the limits; every limit id a connector calls must be registered.
    :param retry_interval: accepted for compatibility with Hummingbot's signature and exposed as an attribute; it
        is not used, because waiting calls sleep exactly until capacity frees instead of polling.
    :param safety_margin_pct: lengthens every window by this fraction (0.05 -> a 60 s window counts 63 s).
    :param limits_share_percentage: percentage of each limit this throttler may use (``None`` means 100); each
        limit becomes ``max(1, floor(limit * pct / 100))``.
    :param time_provider: clock returning seconds; must be monotonic for the guarantees to hold.
    :param sleep: coroutine function used to wait (default :func:`asyncio.sleep`); inject one with a fake clock.
    :param max_sleep: longest single sleep of a waiting call before it re-evaluates (a safety bound; the computed
        wake-up is normally shorter, and :meth:`set_rate_limits` wakes the sleeping call at once).
    """

    def __init__(
        self,
        rate_limits: list[RateLimit],
        retry_interval: float = 0.1,
        safety_margin_pct: float = 0.05,
        limits_share_percentage: float | None = None,
        time_provider: Callable[[], float] = time.monotonic,
        *,
        sleep: Callable[[float], Awaitable[object]] | None = None,
        max_sleep: float = 60.0,
    ) -> None:
        if safety_margin_pct < 0:
            raise ValueError(f"safety_margin_pct must not be negative, got {safety_margin_pct}")
        if limits_share_percentage is not None and limits_share_percentage <= 0:
            raise ValueError(f"limits_share_percentage must be positive, got {limits_share_percentage}")
        if max_sleep <= 0:
            raise ValueError(f"max_sleep must be positive, got {max_sleep}")
        self.retry_interval = retry_interval
        self._safety_margin_pct = safety_margin_pct
        self._limits_share_percentage: float = 100.0 if limits_share_percentage is None else limits_share_percentage
        self._time: Callable[[], float] = time_provider
        self._sleep: Callable[[float], Awaitable[object]] = sleep if sleep is not None else asyncio.sleep
        self._max_sleep = max_sleep
        self._rate_limits: dict[str, RateLimit] = {}
        self._pools: dict[str, _Pool] = {}
        self._plans: dict[str, _Plan] = {}
        self._impossible: dict[str, str] = {}  # limit id -> why a call can never be admitted
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._last_wait_notice: float | None = None
        self._limits_changed: asyncio.Future[None] | None = None
        self.set_rate_limits(rate_limits)

    @classmethod
    def logger(cls) -> HummingbotLogger:
        return get_logger(__name__)

    # ----------------------------------------------------------------------------------------------- configuration

    @property
    def rate_limits(self) -> list[RateLimit]:
        """The registered limits, after share scaling (copies; editing them changes nothing)."""
        return [_copy_limit(rl) for rl in self._rate_limits.values()]

    @property
    def limits_share_percentage(self) -> float:
        """Percentage of every limit this throttler uses (100 unless configured)."""
        return self._limits_share_percentage

    @property
    def safety_margin_pct(self) -> float:
        return self._safety_margin_pct

    def set_rate_limits(self, rate_limits: list[RateLimit]) -> None:
        """Replace all limits (inputs are copied and share-scaled).

        Pools whose id is still registered keep their records, so calls made before the change still count;
        pools of ids no longer registered are dropped. Waiting calls pick up the new limits when they next wake.
        """
        scaled: dict[str, RateLimit] = {}
        for rl in rate_limits:
            scaled[rl.limit_id] = self._scaled(rl)
        old_pools = self._pools
        self._rate_limits = scaled
        self._pools = {}
        for limit_id, rl in scaled.items():
            pool = old_pools.get(limit_id)
            window = float(rl.time_interval) * (1.0 + self._safety_margin_pct)
            if pool is None:
                pool = _Pool(limit_id, rl.limit, float(rl.time_interval), window)
            else:
                pool.limit, pool.interval, pool.window = rl.limit, float(rl.time_interval), window
            self._pools[limit_id] = pool
        self._rebuild_plans()
        if self._limits_changed is not None:
            _set_if_pending(self._limits_changed)  # let the sleeping head of the queue re-evaluate now

    def add_rate_limits(self, rate_limits: list[RateLimit]) -> None:
        """Register limits whose ids are not registered yet (ids already present are left unchanged)."""
        new = [rl for rl in rate_limits if rl.limit_id not in self._rate_limits]
        if not new:
            return
        self.set_rate_limits(list(self._rate_limits.values()) + new)

    def get_related_limits(self, limit_id: str) -> tuple[RateLimit | None, list[tuple[RateLimit, int]]]:
        """Return the limit registered under ``limit_id`` and its registered linked limits with their weights.

        Linked ids that are not registered are left out (as in Hummingbot).
        """
        rl = self._rate_limits.get(limit_id)
        if rl is None:
            return None, []
        related = [
            (self._rate_limits[pair.limit_id], pair.weight)
            for pair in rl.linked_limits
            if pair.limit_id in self._rate_limits
        ]
        return rl, related

    def _scaled(self, rl: RateLimit) -> RateLimit:
        copy = _copy_limit(rl)
        if self._limits_share_percentage != 100:
            share = Decimal(str(self._limits_share_percentage)) / Decimal(100)
            copy.limit = max(1, math.floor(Decimal(str(rl.limit)) * share))
        else:
            copy.limit = int(rl.limit)
        return copy

    def _rebuild_plans(self) -> None:
        plans: dict[str, _Plan] = {}
        for limit_id, rl in self._rate_limits.items():
            weights: dict[str, int] = {limit_id: rl.weight}
            for pair in rl.linked_limits:
                if pair.limit_id in self._pools:  # one level deep; unregistered links are ignored
                    weights[pair.limit_id] = weights.get(pair.limit_id, 0) + pair.weight
            plans[limit_id] = tuple((self._pools[pid], w) for pid, w in weights.items() if w > 0)
        self._plans = plans
        self._impossible = {}
        for limit_id, plan in plans.items():
            for pool, weight in plan:
                if weight > pool.limit:
                    self._impossible[limit_id] = (
                        f"A call to {limit_id!r} needs {weight} from pool {pool.limit_id!r}, whose limit is only "
                        f"{pool.limit} per {pool.interval:g}s; it can never be admitted."
                    )
                    break

    # ----------------------------------------------------------------------------------------------- acquiring

    def execute_task(self, limit_id: str) -> AsyncRequestContext:
        """Return an async context manager that acquires capacity for one call under ``limit_id``.

        Raises :class:`UnknownLimitIdError` at once if the id is not registered and :class:`ValueError` if the
        call needs more than some pool's whole limit.
        """
        if limit_id not in self._plans:
            raise UnknownLimitIdError(limit_id, self._rate_limits)
        if limit_id in self._impossible:
            raise ValueError(self._impossible[limit_id])
        return AsyncRequestContext(self, limit_id)

    def _plan_for(self, limit_id: str) -> _Plan:
        plan = self._plans.get(limit_id)
        if plan is None:
            raise UnknownLimitIdError(limit_id, self._rate_limits)
        return plan

    @staticmethod
    def _try_acquire(plan: _Plan, now: float) -> bool:
        """Admit and record one call if every pool has room at ``now``; never awaits, so it is atomic."""
        for pool, weight in plan:
            log = pool.log
            if log:
                cutoff = now - pool.window
                while log and log[0][0] < cutoff:
                    pool.used -= log.popleft()[1]
            if pool.used + weight > pool.limit:
                return False
        for pool, weight in plan:
            pool.log.append((now, weight))
            pool.used += weight
        return True

    @staticmethod
    def _wait_time(plan: _Plan, now: float) -> tuple[float, _Pool | None]:
        """Seconds until every pool in ``plan`` has room, and the pool that determines it.

        Must be called right after a failed :meth:`_try_acquire` at the same ``now`` (so each log only holds live
        records). Walks each blocking pool from its oldest record until enough weight would have expired.
        """
        longest = 0.0
        blocking: _Pool | None = None
        for pool, weight in plan:
            excess = pool.used + weight - pool.limit
            if excess <= 0:
                continue
            freed = 0
            wake_at = now
            for ts, w in pool.log:
                freed += w
                if freed >= excess:
                    wake_at = ts + pool.window
                    break
            delay = wake_at - now
            if delay >= longest:
                longest, blocking = delay, pool
        return longest + _WAKE_EPSILON, blocking

    async def _acquire_slow(self, limit_id: str) -> None:
        """Queue behind earlier waiters, then wait (as the head of the queue) until the call fits."""
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiters = self._waiters
        waiters.append(turn)
        try:
            if waiters[0] is not turn:
                await turn
            while True:
                plan = self._plan_for(limit_id)  # re-read: limits may have changed while waiting
                if limit_id in self._impossible:
                    raise ValueError(self._impossible[limit_id])
                now = self._time()
                if self._try_acquire(plan, now):
                    return
                delay, pool = self._wait_time(plan, now)
                self._notice_wait(limit_id, pool, delay, now)
                await self._sleep_or_limits_change(min(delay, self._max_sleep))
        finally:
            if waiters and waiters[0] is turn:
                waiters.popleft()
                while waiters:  # hand over to the next live waiter
                    head = waiters[0]
                    if not head.done():
                        head.set_result(None)
                        break
                    if head.cancelled():  # its owner is being cancelled and will remove it; skip it now
                        waiters.popleft()
                        continue
                    break
            else:
                try:
                    waiters.remove(turn)
                except ValueError:
                    pass

    async def _sleep_or_limits_change(self, delay: float) -> None:
        """Sleep ``delay`` seconds, or less if :meth:`set_rate_limits` changes the limits meanwhile.

        With the default sleep this is one timer on the event loop; an injected sleep runs as a task.
        """
        loop = asyncio.get_running_loop()
        wake: asyncio.Future[None] = loop.create_future()
        self._limits_changed = wake
        timer: asyncio.TimerHandle | None = None
        sleeper: asyncio.Future[object] | None = None
        if self._sleep is asyncio.sleep:
            timer = loop.call_later(delay, _set_if_pending, wake)
        else:
            sleeper = asyncio.ensure_future(self._sleep(delay))
            sleeper.add_done_callback(lambda _: _set_if_pending(wake))
        try:
            await wake
        finally:
            if self._limits_changed is wake:
                self._limits_changed = None
            if timer is not None:
                timer.cancel()
            if sleeper is not None and not sleeper.done():
                sleeper.cancel()
        if sleeper is not None and sleeper.done() and not sleeper.cancelled():
            sleeper.result()  # surface an error raised by the injected sleep

    def _notice_wait(self, limit_id: str, pool: _Pool | None, delay: float, now: float) -> None:
        if pool is None:
            return
        last = self._last_wait_notice
        if last is not None and now - last < MAX_CAPACITY_REACHED_WARNING_INTERVAL:
            return
        self._last_wait_notice = now
        self.logger().info(
            "Rate limit %s is at capacity (%d of %d used within %.6gs); a call to %s waits %.3fs (%d call(s) queued).",
            pool.limit_id,
            pool.used,
            pool.limit,
            pool.window,
            limit_id,
            delay,
            len(self._waiters),
        )

    def time_until_available(self, limit_id: str, reserve: float = 0.0) -> float:
        """Seconds until a call under ``limit_id`` would be admitted at once, leaving ``reserve`` free; 0 when now.

        ``reserve`` is a fraction (0 to 1) of each pool the call draws from that must stay free for other calls
        after it. This queues nothing and records nothing: a caller that can postpone its call (an order book
        resync) waits *outside* the queue, so the FIFO queue never holds it ahead of calls that could go (a heavy
        snapshot at the head of the queue would block every later order and cancel until its weight frees). While
        other calls are queued the answer is never 0: they go first.
        """
        if not 0.0 <= reserve < 1.0:
            raise ValueError(f"reserve must be in [0, 1), got {reserve}")
        plan = self._plan_for(limit_id)
        if limit_id in self._impossible:
            raise ValueError(self._impossible[limit_id])
        now = self._time()
        longest = 0.0
        for pool, weight in plan:
            pool.expire(now)
            excess = pool.used + weight + math.ceil(pool.limit * reserve) - pool.limit
            if excess <= 0:
                continue
            if excess > pool.used:  # even an empty pool cannot keep the reserve: the call alone must do
                excess = pool.used + weight - pool.limit
                if excess <= 0:
                    continue
            freed = 0
            for ts, w in pool.log:
                freed += w
                if freed >= excess:
                    longest = max(longest, ts + pool.window - now)
                    break
        if longest <= 0.0 and self._waiters:
            return self.retry_interval  # let the queued calls through first, then ask again
        return longest + _WAKE_EPSILON if longest > 0.0 else 0.0

    # ----------------------------------------------------------------------------------------------- diagnostics

    @property
    def used_capacity(self) -> Mapping[str, int]:
        """Read-only snapshot: weight currently counted in each pool's window, by limit id (expires old records)."""
        now = self._time()
        for pool in self._pools.values():
            pool.expire(now)
        return MappingProxyType({pid: pool.used for pid, pool in self._pools.items()})

    @property
    def logged_records(self) -> Mapping[str, int]:
        """Read-only snapshot: number of records each pool holds (records older than the window may linger)."""
        return MappingProxyType({pid: len(pool.log) for pid, pool in self._pools.items()})

    @property
    def waiting_calls(self) -> int:
        """Number of calls currently queued for capacity."""
        return len(self._waiters)


def _set_if_pending(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _copy_limit(rl: RateLimit) -> RateLimit:
    return RateLimit(
        limit_id=rl.limit_id,
        limit=rl.limit,
        time_interval=rl.time_interval,
        weight=rl.weight,
        linked_limits=[LinkedLimitWeightPair(p.limit_id, p.weight) for p in rl.linked_limits],
    )

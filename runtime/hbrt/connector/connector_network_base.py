"""``ConnectorNetworkBase``: what every connector type shares around its network loop, clock and background tasks.

Spot and perpetual exchanges (:class:`~hbrt.connector.exchange_py_base.ExchangePyBase`) and Gateway connectors
(:class:`~hbrt.gateway.gateway_network.GatewayNetwork`) are :class:`NetworkBase` objects with listeners
(:class:`PubSub`) that run the network check loop at their class cadences, tick themselves when no Hummingbot Clock
drives them (``start(self_tick=True)``), and keep every order task they spawn referenced until it is done, logging
its unexpected errors. Each type says what a tick does (:meth:`tick`) and what stopping closes
(:meth:`_close_sessions`).
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable
from typing import Any, ClassVar

from hbrt.event.pubsub import PubSub
from hbrt.network_base import NetworkBase


class ConnectorNetworkBase(NetworkBase, PubSub, ABC):
    #: NetworkIterator cadence of the connector type.
    NETWORK_CHECK_INTERVAL: ClassVar[float] = 10.0
    NETWORK_CHECK_TIMEOUT: ClassVar[float] = 5.0
    NETWORK_ERROR_WAIT_TIME: ClassVar[float] = 60.0
    #: Cadence of the self-tick loop started by :meth:`start` (the role Hummingbot's Clock plays).
    SELF_TICK_INTERVAL: ClassVar[float] = 1.0

    def __init__(self) -> None:
        PubSub.__init__(self)
        NetworkBase.__init__(
            self,
            check_network_interval=self.NETWORK_CHECK_INTERVAL,
            check_network_timeout=self.NETWORK_CHECK_TIMEOUT,
            network_error_wait_time=self.NETWORK_ERROR_WAIT_TIME,
        )
        self._self_tick_task: asyncio.Task[None] | None = None
        self._pending_tasks: set[asyncio.Task[Any]] = set()

    @abstractmethod
    def tick(self, timestamp: float) -> None:
        """Advance the connector clock to ``timestamp`` (seconds)."""

    def _time(self) -> float:
        return time.time()

    async def start(self, self_tick: bool = True) -> None:
        """Start the network-check loop (which starts the network once reachable) and, optionally, self-ticking.

        Hummingbot's Clock calls :meth:`tick` every second; without one, pass ``self_tick=True`` (the default) and
        the connector ticks itself with wall-clock time.
        """
        await super().start()
        if self_tick and self._self_tick_task is None:
            self._self_tick_task = asyncio.create_task(self._self_tick_loop())

    async def stop(self) -> None:
        """Stop ticking, the network-check loop and every background task, then close the sessions."""
        if self._self_tick_task is not None:
            self._self_tick_task.cancel()
            self._self_tick_task = None
        await super().stop()
        await self._close_sessions()

    async def _close_sessions(self) -> None:
        """Close what the connector opened (HTTP sessions, websockets); a later :meth:`start` opens new ones."""
        return None

    async def _self_tick_loop(self) -> None:
        while True:
            self.tick(self._time())
            await self._sleep(self.SELF_TICK_INTERVAL)

    def _spawn(self, coroutine: Awaitable[Any]) -> asyncio.Task[Any]:
        """Run ``coroutine`` as a task kept referenced until done."""
        task = asyncio.ensure_future(coroutine)
        self._pending_tasks.add(task)
        task.add_done_callback(self._on_spawned_task_done)
        return task

    def _on_spawned_task_done(self, task: asyncio.Task[Any]) -> None:
        self._pending_tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.logger().error("Unexpected error in a background order task.", exc_info=task.exception())

"""Network status state machine: :class:`NetworkStatus` and :class:`NetworkBase`.

A subclass implements :meth:`NetworkBase.check_network` (a cheap health probe) and the two hooks
:meth:`NetworkBase.start_network` / :meth:`NetworkBase.stop_network`. After :meth:`NetworkBase.start`, a background
loop probes periodically and calls the hooks whenever the status changes.
"""

from __future__ import annotations

import asyncio
from enum import IntEnum

from hbrt.logger import HummingbotLogger, get_logger


class NetworkStatus(IntEnum):
    STOPPED = 0
    NOT_CONNECTED = 1
    CONNECTED = 2


class NetworkBase:
    """Periodic health check with start/stop hooks (Hummingbot's ``NetworkBase``: no clock, a ``started`` flag).

    Loop behaviour, once per ``check_network_interval`` seconds:

    * ``check_network()`` runs with a ``check_network_timeout``; its result becomes the new status. A timeout
      means NOT_CONNECTED. Any other exception means NOT_CONNECTED, is logged, and the loop then waits
      ``network_error_wait_time`` instead of the normal interval. Cancellation always propagates.
    * If the status changed, a change to CONNECTED awaits ``start_network()`` and a change to anything else awaits
      ``stop_network()``. Unlike Hummingbot, a *timeout* goes through this same change handling, so a connection
      that stops answering is torn down (Hummingbot only flips the status, leaving the streams running and later
      calling ``start_network()`` again without a ``stop_network()`` in between).
    * An exception raised by a hook is logged and followed by the error wait; the loop keeps running.

    All waiting goes through :meth:`_sleep`, which tests may patch.
    """

    def __init__(
        self,
        check_network_interval: float = 60.0,
        check_network_timeout: float = 60.0,
        network_error_wait_time: float = 60.0,
    ) -> None:
        self._network_status = NetworkStatus.STOPPED
        self._check_network_interval = check_network_interval
        self._check_network_timeout = check_network_timeout
        self._network_error_wait_time = network_error_wait_time
        self._check_network_task: asyncio.Task[None] | None = None
        self._started = False

    @classmethod
    def logger(cls) -> HummingbotLogger:
        return get_logger(__name__)

    # ----------------------------------------------------------------------------------------------- properties

    @property
    def network_status(self) -> NetworkStatus:
        return self._network_status

    @property
    def started(self) -> bool:
        return self._started

    @property
    def check_network_interval(self) -> float:
        return self._check_network_interval

    @check_network_interval.setter
    def check_network_interval(self, interval: float) -> None:
        self._check_network_interval = interval

    @property
    def check_network_timeout(self) -> float:
        return self._check_network_timeout

    @check_network_timeout.setter
    def check_network_timeout(self, timeout: float) -> None:
        self._check_network_timeout = timeout

    @property
    def network_error_wait_time(self) -> float:
        return self._network_error_wait_time

    @network_error_wait_time.setter
    def network_error_wait_time(self, wait_time: float) -> None:
        self._network_error_wait_time = wait_time

    # ----------------------------------------------------------------------------------------------- hooks

    async def start_network(self) -> None:
        """Hook called when the status becomes CONNECTED; subclasses start their streams here. Default: nothing."""
        return None

    async def stop_network(self) -> None:
        """Hook called when the status leaves CONNECTED and on :meth:`stop`. Default: nothing."""
        return None

    async def check_network(self) -> NetworkStatus:
        """Probe the network; subclasses must override. The default logs a warning and reports NOT_CONNECTED."""
        self.logger().warning("check_network() is not implemented by %s; reporting NOT_CONNECTED.", type(self).__name__)
        return NetworkStatus.NOT_CONNECTED

    async def _sleep(self, delay: float) -> None:
        await asyncio.sleep(delay)

    # ----------------------------------------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Start the check loop (status NOT_CONNECTED until the first probe). Calling it again is a no-op."""
        if self._check_network_task is not None and not self._check_network_task.done():
            return
        self._network_status = NetworkStatus.NOT_CONNECTED
        self._check_network_task = asyncio.get_running_loop().create_task(self._check_network_loop())
        self._started = True

    async def stop(self) -> None:
        """Cancel the check loop, set STOPPED and await :meth:`stop_network`."""
        task, self._check_network_task = self._check_network_task, None
        if task is not None and not task.done():
            task.cancel()
            if task is not asyncio.current_task():
                await asyncio.gather(task, return_exceptions=True)
        self._network_status = NetworkStatus.STOPPED
        self._started = False
        await self.stop_network()

    async def _check_network_loop(self) -> None:
        while True:
            previous = self._network_status
            had_error = False
            try:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can lose a cancellation that arrives as the
                # probe finishes, and stop() then waits for this loop forever.
                async with asyncio.timeout(self._check_network_timeout):
                    new_status = await self.check_network()
            except asyncio.CancelledError:
                raise
            except TimeoutError:
                self.logger().debug("check_network() timed out after %ss.", self._check_network_timeout)
                new_status = NetworkStatus.NOT_CONNECTED
            except Exception:
                self.logger().error("Unexpected error while checking the network status.", exc_info=True)
                new_status = NetworkStatus.NOT_CONNECTED
                had_error = True
            self._network_status = new_status
            if new_status != previous:
                try:
                    if new_status == NetworkStatus.CONNECTED:
                        self.logger().info("Network status changed to CONNECTED; starting network.")
                        await self.start_network()
                    else:
                        self.logger().info("Network status changed to %s; stopping network.", new_status.name)
                        await self.stop_network()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    self.logger().error("Error while reacting to a network status change.", exc_info=True)
                    had_error = True
            await self._sleep(self._network_error_wait_time if had_error else self._check_network_interval)

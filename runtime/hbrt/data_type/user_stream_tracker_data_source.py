"""The private (user data) websocket of a connector: login, subscriptions, keep-alive and reconnects.

A connector subclass supplies the login step through two hooks: ``_connected_websocket_assistant`` (connect; for a
listen key or a REST-minted token this is where the key/token is obtained and put into the URL) and
``_subscribe_channels`` (send a signed login message, or signed subscriptions). Exchanges whose session must be kept
alive (Binance futures' listen key) declare ``KEEP_ALIVE_INTERVAL`` and implement ``_keep_alive()``; it runs every
interval while connected and is cancelled when the connection is interrupted. A failing keep-alive disconnects the
socket so the next connection logs in afresh.

While connected, heartbeats go out every ``_heartbeat_interval()`` seconds (None, the default: none beyond the
socket's own ping frames); each is ``_heartbeat_request()``, or a protocol ping frame when that is None. When
``_connection_deadline()`` gives a time (a REST-minted token's lifetime) the socket is closed then and the loop
reconnects with a fresh session (:mod:`hbrt.web_assistant.upkeep`).

Differences from Hummingbot: listen-key handling is no longer duck-typed into the base class (it is the generic
keep-alive hook); reconnects use exponential backoff; ``MESSAGE_TIMEOUT`` reconnects a silent socket.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, ClassVar

from hbrt.logger import HummingbotLogger, get_logger
from hbrt.web_assistant.reconnect import ExponentialBackoff
from hbrt.web_assistant.upkeep import keep_connection

if TYPE_CHECKING:
    from hbrt.web_assistant.connections.data_types import WSRequest
    from hbrt.web_assistant.ws_assistant import WSAssistant


class UserStreamTrackerDataSource:
    """Base class of a connector's user-stream data source."""

    KEEP_ALIVE_INTERVAL: ClassVar[float | None] = None
    MESSAGE_TIMEOUT: ClassVar[float | None] = None
    #: Send a ping right after subscribing so ``last_recv_time`` becomes > 0 as soon as the pong arrives.
    PING_AFTER_SUBSCRIBE: ClassVar[bool] = True

    _logger: HummingbotLogger | None = None

    def __init__(self) -> None:
        self._ws_assistant: WSAssistant | None = None
        self._keep_alive_task: asyncio.Task[None] | None = None
        self._heartbeat_task: asyncio.Task[None] | None = None
        self._reconnect_backoff = ExponentialBackoff(initial=1.0, maximum=30.0)

    @classmethod
    def logger(cls) -> HummingbotLogger:
        if cls._logger is None:
            cls._logger = get_logger(__name__)
        return cls._logger

    async def _sleep(self, delay: float) -> None:
        """``asyncio.sleep``; a test seam patchable on the class, as in Hummingbot (the reconnect backoff and the
        keep-alive loop wait through it)."""
        await asyncio.sleep(delay)

    def _time(self) -> float:
        """The wall clock in seconds; a test seam patchable on the class, as in Hummingbot."""
        return time.time()

    @property
    def last_recv_time(self) -> float:
        """Time of the last frame received on the current connection; 0 when not connected."""
        ws = self._ws_assistant
        return ws.last_recv_time if ws is not None else 0.0

    # ------------------------------------------------------------------ hooks

    async def _connected_websocket_assistant(self) -> WSAssistant:
        """Connect (after obtaining a listen key / token if the exchange needs one). Connectors implement this."""
        raise NotImplementedError

    async def _subscribe_channels(self, websocket_assistant: WSAssistant) -> None:
        """Log in and/or subscribe the private channels. Connectors implement this."""
        raise NotImplementedError

    async def _keep_alive(self) -> None:
        """Keep the session alive (e.g. PUT the listen key); called every ``KEEP_ALIVE_INTERVAL`` while connected."""
        raise NotImplementedError

    async def _process_event_message(self, event_message: Any, queue: asyncio.Queue[Any]) -> None:
        """Put every non-empty message on the tracker's queue; override to filter acks or unwrap envelopes."""
        if event_message:
            queue.put_nowait(event_message)

    async def _on_user_stream_interruption(self, websocket_assistant: WSAssistant | None) -> None:
        if websocket_assistant is not None:
            await websocket_assistant.disconnect()

    async def _send_ping(self, websocket_assistant: WSAssistant) -> None:
        request = self._heartbeat_request()
        if request is None:
            await websocket_assistant.ping()
        else:
            await websocket_assistant.send(request)

    def _heartbeat_interval(self) -> float | None:
        """Seconds between heartbeats on the current connection; None: no heartbeat loop."""
        return None

    def _heartbeat_request(self) -> WSRequest | None:
        """The heartbeat message (``{"op": "ping"}``, say); None sends a protocol ping frame."""
        return None

    def _connection_deadline(self) -> float | None:
        """When the current connection must be renewed (wall-clock seconds), or None."""
        return None

    # ------------------------------------------------------------------ the loop

    async def listen_for_user_stream(self, output: asyncio.Queue[Any]) -> None:
        """Connect, log in, forward every message to ``output``; reconnect with backoff on errors, closes, silence."""
        while True:
            ws: WSAssistant | None = None
            try:
                ws = await self._connected_websocket_assistant()
                self._ws_assistant = ws
                await self._subscribe_channels(websocket_assistant=ws)
                if self.KEEP_ALIVE_INTERVAL:
                    self._keep_alive_task = asyncio.create_task(self._keep_alive_loop(ws, self.KEEP_ALIVE_INTERVAL))
                interval = self._heartbeat_interval()
                if interval or self._connection_deadline() is not None:
                    self._heartbeat_task = asyncio.create_task(self._upkeep(ws, interval))
                if self.PING_AFTER_SUBSCRIBE:
                    await self._send_ping(ws)
                await self._process_websocket_messages(websocket_assistant=ws, queue=output)
                self.logger().warning("The user stream websocket closed. Reconnecting...")
            except asyncio.CancelledError:
                raise
            except TimeoutError:
                self.logger().warning("No message on the user stream for %s s. Reconnecting...", self.MESSAGE_TIMEOUT)
            except ConnectionError as exc:
                self.logger().warning("The user stream websocket connection was lost (%s). Reconnecting...", exc)
            except Exception:
                self.logger().exception("Unexpected error while listening to the user stream. Reconnecting...")
            finally:
                self._cancel_keep_alive()
                await self._on_user_stream_interruption(websocket_assistant=ws)
                self._ws_assistant = None
            await self._sleep(self._reconnect_backoff.next_delay())

    async def _process_websocket_messages(self, websocket_assistant: WSAssistant, queue: asyncio.Queue[Any]) -> None:
        timeout = self.MESSAGE_TIMEOUT
        first = True
        while True:
            async with asyncio.timeout(timeout or None):
                response = await websocket_assistant.receive()
            if response is None:
                if not getattr(websocket_assistant, "connected", False):
                    return
                continue
            if first:
                self._reconnect_backoff.reset()
                first = False
            await self._process_event_message(event_message=response.data, queue=queue)

    async def _keep_alive_loop(self, ws: WSAssistant, interval: float) -> None:
        while True:
            await self._sleep(interval)
            try:
                await self._keep_alive()
            except asyncio.CancelledError:
                raise
            except Exception:
                self.logger().warning("User stream keep-alive failed; reconnecting to log in again.", exc_info=True)
                await ws.disconnect()
                return

    async def _upkeep(self, ws: WSAssistant, interval: float | None) -> None:
        await keep_connection(
            ws,
            interval=interval or None,
            heartbeat=self._heartbeat_request,
            deadline=self._connection_deadline,
            sleep=self._sleep,
            clock=self._time,
            logger=self.logger(),
        )

    def _cancel_keep_alive(self) -> None:
        if self._keep_alive_task is not None:
            self._keep_alive_task.cancel()
            self._keep_alive_task = None
        if self._heartbeat_task is not None:
            self._heartbeat_task.cancel()
            self._heartbeat_task = None

    async def stop(self) -> None:
        """Cancel the keep-alive and disconnect the socket (the listening task is cancelled by its owner)."""
        self._cancel_keep_alive()
        ws = self._ws_assistant
        self._ws_assistant = None
        if ws is not None:
            await ws.disconnect()

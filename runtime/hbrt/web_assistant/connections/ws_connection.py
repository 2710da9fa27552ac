"""The websocket connection: one aiohttp websocket with Hummingbot's frame handling."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Mapping
from typing import Any, Protocol

import aiohttp

from hbrt import json_codec
from hbrt.logger import HummingbotLogger, get_logger
from hbrt.redaction import secret_values
from hbrt.web_assistant.connections.data_types import WSRequest, WSResponse
from hbrt.web_assistant.errors import masked_exception

_MAX_MSG_SIZE = 4 * 1024 * 1024
# Frame types read from the enum once: reading a member off an Enum class costs about 150 ns on CPython 3.11, and
# ``receive`` runs once per message.
_TEXT = aiohttp.WSMsgType.TEXT
_BINARY = aiohttp.WSMsgType.BINARY
_PING = aiohttp.WSMsgType.PING
_PONG = aiohttp.WSMsgType.PONG
_ERROR = aiohttp.WSMsgType.ERROR
_CLOSE = aiohttp.WSMsgType.CLOSE
_CLOSED_TYPES = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED)
_decode_text = json_codec.loads_or_text
_now = time.time
# Liveness pings and the closes of dead connections run as tasks; the loop keeps only weak references to tasks.
_BACKGROUND: set[asyncio.Task[Any]] = set()


def _in_background(coroutine: Any) -> None:
    task = asyncio.ensure_future(coroutine)
    _BACKGROUND.add(task)
    task.add_done_callback(_finished)


def _finished(task: asyncio.Task[Any]) -> None:
    _BACKGROUND.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved: a failed ping or close of a dead connection is expected, not news


class WSSessionLike(Protocol):
    """What :class:`WSConnection` needs from a session: aiohttp's ``ws_connect`` with the arguments it passes.

    :class:`aiohttp.ClientSession` satisfies it; so does the test session installed by
    :meth:`hbrt.testing.NetworkMockingAssistant.configure_web_assistants_factory`.
    """

    def ws_connect(
        self, url: str, *, headers: dict[str, str], autoping: bool, heartbeat: float | None, max_msg_size: int
    ) -> Awaitable[aiohttp.ClientWebSocketResponse]: ...


class WSConnection:
    """A websocket that answers pings, drops pongs, tracks ``last_recv_time`` and fails loudly on unexpected close.

    Frames are read with ``ws.receive(timeout)`` (aiohttp :class:`aiohttp.WSMessage`) and sent with ``send_json`` /
    ``send_str`` / ``send_bytes``. Deliberate difference from Hummingbot: every error frame (message too big
    included) raises :class:`ConnectionError` (chained to aiohttp's exception), so one ``except ConnectionError``
    covers every way a socket can die.

    Liveness (``ping_timeout``): Hummingbot passes it to aiohttp as ``heartbeat``, which re-arms a timer on every
    frame received (about 0.7 us a frame, 6% of what a market-data message costs on the loopback benchmark). Here a
    timer checks every ``ping_timeout`` seconds whether any frame arrived since its last check (``last_recv_time``
    changed, which every frame does anyway); after a silent interval it sends a ping, and when nothing (not even the
    pong) arrives within ``ping_timeout / 2`` it closes the connection and :meth:`receive` raises
    :class:`ConnectionError`. A dead connection is noticed 1.5 to 2.5 ``ping_timeout`` after its last frame (aiohttp:
    1.5); a live one costs nothing per frame.
    """

    _logger: HummingbotLogger | None = None

    def __init__(self, aiohttp_client_session: WSSessionLike) -> None:
        self._client_session = aiohttp_client_session
        self._connection: aiohttp.ClientWebSocketResponse | None = None
        self._connected = False
        self._message_timeout: float | None = None
        self._last_recv_time = 0.0
        self._ping_timeout: float | None = None
        self._watchdog: asyncio.TimerHandle | None = None
        self._seen = 0.0  # last_recv_time at the watchdog's last check
        self._dead: str | None = None  # why the watchdog closed the connection

    @classmethod
    def logger(cls) -> HummingbotLogger:
        if cls._logger is None:
            cls._logger = get_logger(__name__)
        return cls._logger

    @property
    def last_recv_time(self) -> float:
        """Wall-clock time (seconds) of the last frame received, pings and pongs included; 0 before any."""
        return self._last_recv_time

    @property
    def connected(self) -> bool:
        return self._connected

    @property
    def ping_timeout(self) -> float | None:
        """The liveness interval of the connection (seconds; None: not checked)."""
        return self._ping_timeout

    async def connect(
        self,
        ws_url: str,
        ping_timeout: float | None = 10,
        message_timeout: float | None = None,
        ws_headers: Mapping[str, str] | None = None,
        max_msg_size: int | None = None,
    ) -> None:
        """Open the websocket. ``ping_timeout`` is the liveness check (see the class docstring; None or 0: none);
        ``message_timeout`` bounds each read.

        A failed handshake raises :func:`~hbrt.web_assistant.errors.masked_exception`'s copy of aiohttp's error: the
        URL (a listen key or token in it) and the headers are masked in its text and ``request_info``.
        """
        if self._connected:
            raise RuntimeError("WS is connected. Create a new instance to connect to a different endpoint.")
        secrets = secret_values(ws_url, None, ws_headers)
        error: Exception | None = None
        try:
            self._connection = await self._client_session.ws_connect(
                ws_url,
                headers=dict(ws_headers or {}),
                autoping=False,
                heartbeat=None,  # liveness is checked here, at no cost per frame (see the class docstring)
                max_msg_size=max_msg_size if max_msg_size is not None else _MAX_MSG_SIZE,
            )
        except Exception as exc:
            safe = masked_exception(exc, secrets)
            if safe is exc:
                raise
            error = safe
        if error is not None:
            raise error from None
        self._message_timeout = message_timeout
        self._connected = True
        self._dead = None
        self._ping_timeout = ping_timeout or None
        if self._ping_timeout is not None:
            self._seen = self._last_recv_time
            self._watch(self._ping_timeout, self._check_liveness)

    async def disconnect(self) -> None:
        """Close the socket (a clean close frame when it is still open). Safe to call more than once."""
        self._connected = False
        self._stop_watching()
        connection, self._connection = self._connection, None
        if connection is not None and self._dead is None:  # a dead one is being closed already
            await connection.close()

    # ------------------------------------------------------------------ liveness

    def _watch(self, delay: float, check: Any) -> None:
        self._watchdog = asyncio.get_running_loop().call_later(delay, check)

    def _stop_watching(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None

    def _heard_from(self) -> bool:
        """Whether a frame arrived since the last check (compares values only: immune to wall-clock jumps)."""
        last = self._last_recv_time
        if last != self._seen:
            self._seen = last
            return True
        return False

    def _check_liveness(self) -> None:
        """Every ``ping_timeout``: nothing to do after any frame; after a silent interval, ping."""
        self._watchdog = None
        connection = self._connection
        if not self._connected or connection is None or self._ping_timeout is None:
            return
        if self._heard_from():
            self._watch(self._ping_timeout, self._check_liveness)
            return
        _in_background(connection.ping())
        self._watch(self._ping_timeout / 2, self._check_pong)

    def _check_pong(self) -> None:
        """Half a ``ping_timeout`` after the ping: alive if anything came, else close (``receive`` then raises)."""
        self._watchdog = None
        connection = self._connection
        if not self._connected or connection is None or self._ping_timeout is None:
            return
        if self._heard_from():
            self._watch(self._ping_timeout, self._check_liveness)
            return
        self._dead = f"nothing received within {self._ping_timeout / 2} s of a ping"
        # Wakes a pending receive() with a CLOSING frame, then closes (waiting for the peer at most aiohttp's close
        # timeout, in the background).
        _in_background(connection.close())

    async def send(self, request: WSRequest) -> None:
        self._ensure_connected()
        await request.send_with_connection(connection=self)

    async def ping(self) -> None:
        self._ensure_connected()
        assert self._connection is not None
        await self._connection.ping()

    async def receive(self) -> WSResponse | None:
        """Return the next data message, or ``None`` once this side disconnected.

        Raises :class:`ConnectionError` when the peer closes or the socket fails while we still consider it
        connected (after disconnecting), and ``TimeoutError`` when ``message_timeout`` passes without a frame.
        """
        while self._connected:
            connection = self._connection
            assert connection is not None
            msg: aiohttp.WSMessage = await connection.receive(self._message_timeout)
            self._last_recv_time = _now()
            msg_type = msg.type
            if msg_type is _TEXT or msg_type == _TEXT:  # the hot path: decoded here, kept as text when not JSON
                return WSResponse(_decode_text(msg.data))
            if msg_type == _BINARY:
                return WSResponse(data=msg.data)
            if msg_type == _PING:
                await connection.pong(msg.data)
                continue
            if msg_type == _PONG:
                continue
            if msg_type == _ERROR:
                await self._on_error_frame(msg)
                return None
            if msg_type in _CLOSED_TYPES:
                close_code = msg.data if msg_type == _CLOSE else connection.close_code
                await self._on_close_frame(close_code)
                return None
            # Any other frame type (e.g. a stray CONTINUATION) carries nothing a connector can use.
        return None

    def _ensure_connected(self) -> None:
        if not self._connected or self._connection is None:
            raise RuntimeError("WS is not connected.")

    async def _on_error_frame(self, msg: aiohttp.WSMessage) -> None:
        if not self._connected:
            return
        await self.disconnect()
        error = msg.data
        if isinstance(error, BaseException):
            raise ConnectionError(f"The WS connection failed: {error!r}") from error
        raise ConnectionError(f"The WS connection failed: {error!r}")

    async def _on_close_frame(self, close_code: object) -> None:
        if not self._connected:
            return
        await self.disconnect()
        if self._dead is not None:
            raise ConnectionError(f"The WS connection is dead: {self._dead}")
        raise ConnectionError(f"The WS connection was closed unexpectedly. Close code = {close_code}")

    async def _send_json(self, payload: Mapping[str, Any]) -> None:
        assert self._connection is not None
        await self._connection.send_json(payload)

    async def _send_plain_text(self, payload: str) -> None:
        assert self._connection is not None
        await self._connection.send_str(payload)

    async def _send_binary(self, payload: bytes) -> None:
        assert self._connection is not None
        await self._connection.send_bytes(payload)

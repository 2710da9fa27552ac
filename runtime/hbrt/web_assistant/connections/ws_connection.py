"""The websocket connection: one aiohttp websocket with Hummingbot's frame handling."""

from __future__ import annotations

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
    """

    _logger: HummingbotLogger | None = None

    def __init__(self, aiohttp_client_session: WSSessionLike) -> None:
        self._client_session = aiohttp_client_session
        self._connection: aiohttp.ClientWebSocketResponse | None = None
        self._connected = False
        self._message_timeout: float | None = None
        self._last_recv_time = 0.0

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

    async def connect(
        self,
        ws_url: str,
        ping_timeout: float | None = 10,
        message_timeout: float | None = None,
        ws_headers: Mapping[str, str] | None = None,
        max_msg_size: int | None = None,
    ) -> None:
        """Open the websocket. ``ping_timeout`` is aiohttp's heartbeat; ``message_timeout`` bounds each read.

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
                heartbeat=ping_timeout,
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

    async def disconnect(self) -> None:
        """Close the socket (a clean close frame when it is still open). Safe to call more than once."""
        self._connected = False
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()

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
        text_type = aiohttp.WSMsgType.TEXT
        while self._connected:
            connection = self._connection
            assert connection is not None
            msg: aiohttp.WSMessage = await connection.receive(self._message_timeout)
            self._last_recv_time = time.time()
            msg_type = msg.type
            if msg_type is text_type or msg_type == text_type:  # the hot path, decoded here
                try:
                    return WSResponse(data=json_codec.loads(msg.data))
                except ValueError:
                    return WSResponse(data=msg.data)
            if msg_type == aiohttp.WSMsgType.BINARY:
                return WSResponse(data=msg.data)
            if msg_type == aiohttp.WSMsgType.PING:
                await connection.pong(msg.data)
                continue
            if msg_type == aiohttp.WSMsgType.PONG:
                continue
            if msg_type == aiohttp.WSMsgType.ERROR:
                await self._on_error_frame(msg)
                return None
            if msg_type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                close_code = msg.data if msg_type == aiohttp.WSMsgType.CLOSE else connection.close_code
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

"""Connection upkeep shared by the public and the private websocket data sources: the server's greeting awaited
before anything is sent, heartbeats while connected, and renewal of a connection whose session ends.

* :func:`wait_until_ready` reads messages until the server says the connection is usable (KuCoin's ``welcome``);
  an exchange that drops what a client sends before its greeting would otherwise lose the subscriptions.
* :func:`keep_connection` runs while a socket is open: it sends a heartbeat every ``interval`` seconds (a protocol
  ping frame, or the exchange's own message such as ``{"type": "ping"}``) and, when the session has a deadline (a
  REST-minted token's lifetime), disconnects before it so the data source's loop reconnects with a fresh session.
  Every delay is read when it is needed, so an interval the server assigned for this connection is the one used.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from hbrt.logger import HummingbotLogger

if TYPE_CHECKING:
    from hbrt.web_assistant.connections.data_types import WSRequest
    from hbrt.web_assistant.ws_assistant import WSAssistant

__all__ = ["NotReadyError", "keep_connection", "wait_until_ready"]

#: Longest piece of an unexpected greeting quoted in an error message.
_MAX_QUOTED = 256


class NotReadyError(ConnectionError):
    """The server did not say the connection is ready in time (or closed it first); the caller reconnects."""


async def wait_until_ready(ws: WSAssistant, is_ready: Callable[[Any], bool], timeout: float) -> Any:
    """Read messages until one satisfies ``is_ready`` and return it; messages before it are dropped.

    Raises :class:`NotReadyError` when ``timeout`` seconds pass first or the socket closes (the last message seen
    is quoted: an exchange that rejects a connection usually says why instead of greeting).
    """
    last: Any = None

    async def read() -> Any:
        nonlocal last
        while True:
            response = await ws.receive()
            if response is None:
                raise NotReadyError("The websocket closed before the server said it was ready.")
            if is_ready(response.data):
                return response.data
            last = response.data

    try:
        async with asyncio.timeout(timeout):
            return await read()
    except TimeoutError:
        seen = f"; last message: {repr(last)[:_MAX_QUOTED]}" if last is not None else ""
        raise NotReadyError(f"The server did not say the websocket was ready within {timeout} s{seen}.") from None


async def keep_connection(
    ws: WSAssistant,
    *,
    interval: float | None,
    heartbeat: Callable[[], WSRequest | None],
    deadline: Callable[[], float | None],
    sleep: Callable[[float], Awaitable[Any]],
    clock: Callable[[], float],
    logger: HummingbotLogger,
) -> None:
    """Heartbeats every ``interval`` seconds (``heartbeat()`` is the message, None for a ping frame) and, when
    ``deadline()`` gives a time, a disconnect when it is reached. Returns after disconnecting or when a heartbeat
    cannot be sent (the reader notices the broken connection); runs until cancelled otherwise."""
    while True:
        wait = interval
        end = deadline()
        if end is not None:
            remaining = end - clock()
            if remaining <= 0:
                logger.info("The websocket session is due for renewal; reconnecting with a fresh one.")
                await ws.disconnect()
                return
            wait = remaining if wait is None else min(wait, remaining)
        if wait is None:
            return  # neither heartbeats nor a deadline: nothing to keep
        await sleep(wait)
        if end is not None and clock() >= end:
            continue  # the next turn renews the session
        request = heartbeat()
        try:
            if request is None:
                await ws.ping()
            else:
                await ws.send(request)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.network("Heartbeat failed (%s); the reader will notice the broken connection.", exc)
            return

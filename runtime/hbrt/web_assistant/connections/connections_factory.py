"""Owner of the aiohttp session that REST and websocket connections share."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

import aiohttp

from hbrt.web_assistant.connections.rest_connection import RESTConnection
from hbrt.web_assistant.connections.ws_connection import WSConnection, WSSessionLike


class ConnectionsFactory:
    """Creates :class:`RESTConnection` and :class:`WSConnection` objects on one lazily created aiohttp session.

    Deliberately *not* a process-wide singleton (Hummingbot's is): each instance owns its own
    :class:`aiohttp.ClientSession`, created on first use inside the running event loop and closed by :meth:`close`
    (or by leaving ``async with``). A session left over from another, finished event loop is replaced.

    ``connector_factory`` (optional) builds the aiohttp connector of each new session, inside the running loop; the
    Gateway client uses it for a TLS connector carrying client certificates.

    Test seam: :meth:`set_ws_session` installs any object with an aiohttp-compatible ``ws_connect`` for websocket
    connections only (REST keeps the real session); ``None`` restores the default.
    """

    def __init__(
        self,
        session_kwargs: Mapping[str, Any] | None = None,
        connector_factory: Callable[[], aiohttp.BaseConnector] | None = None,
    ) -> None:
        self._session_kwargs: dict[str, Any] = dict(session_kwargs or {})
        self._connector_factory = connector_factory
        self._shared_client: aiohttp.ClientSession | None = None
        self._shared_client_loop: asyncio.AbstractEventLoop | None = None
        self._ws_session_override: WSSessionLike | None = None

    async def get_session(self) -> aiohttp.ClientSession:
        """The session this factory owns, created now if needed (must be called from inside the event loop)."""
        loop = asyncio.get_running_loop()
        session = self._shared_client
        if session is None or session.closed or self._shared_client_loop is not loop:
            kwargs = dict(self._session_kwargs)
            if self._connector_factory is not None:
                kwargs["connector"] = self._connector_factory()
            session = aiohttp.ClientSession(**kwargs)
            self._shared_client = session
            self._shared_client_loop = loop
        return session

    def set_ws_session(self, ws_session: WSSessionLike | None) -> None:
        """Use ``ws_session`` (anything with ``ws_connect``) for websockets; ``None`` restores the default."""
        self._ws_session_override = ws_session

    @property
    def ws_session_override(self) -> WSSessionLike | None:
        return self._ws_session_override

    async def get_rest_connection(self) -> RESTConnection:
        return RESTConnection(aiohttp_client_session=await self.get_session())

    async def get_ws_connection(self) -> WSConnection:
        ws_session: WSSessionLike = self._ws_session_override or await self.get_session()
        return WSConnection(aiohttp_client_session=ws_session)

    async def close(self) -> None:
        """Close the owned session (open websockets on it are closed too). The factory can be used again later."""
        session, self._shared_client = self._shared_client, None
        self._shared_client_loop = None
        if session is not None and not session.closed:
            await session.close()

    async def __aenter__(self) -> ConnectionsFactory:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

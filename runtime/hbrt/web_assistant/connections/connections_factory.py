"""Owner of the aiohttp session that REST and websocket connections share."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

import aiohttp

from hbrt.redaction import secret_values
from hbrt.web_assistant.connections.rest_connection import RESTConnection
from hbrt.web_assistant.connections.ws_connection import WSConnection, WSSessionLike


class RedirectRefusedError(aiohttp.ClientConnectionError, ConnectionError):
    """A redirect to another origin that would have carried credentials there; nothing was sent to it."""


async def _refuse_credential_redirects(
    session: aiohttp.ClientSession, context: Any, params: aiohttp.TraceRequestRedirectParams
) -> None:
    from yarl import URL

    location = params.response.headers.get("Location") or params.response.headers.get("URI")
    if not location:
        return
    try:
        target = params.url.join(URL(location))
        if target.origin() == params.url.origin():
            return
    except ValueError:
        return  # aiohttp refuses a Location that is not a URL by itself
    websocket = params.headers.get("Upgrade", "").lower() == "websocket"
    if websocket or secret_values(str(params.url), None, params.headers):
        params.response.close()
        what = "a websocket handshake" if websocket else "a request carrying credentials"
        raise RedirectRefusedError(
            f"redirect from {params.url.origin()} to {target.origin()} refused: {what} never follows a redirect to "
            "another origin"
        )


def redirect_guard() -> aiohttp.TraceConfig:
    """A trace config that stops aiohttp from following a redirect to another origin when the request is a
    websocket handshake or carries a credential (a secret-named header or query parameter); it raises
    :class:`RedirectRefusedError` before anything is sent there."""
    config = aiohttp.TraceConfig()
    config.on_request_redirect.append(_refuse_credential_redirects)
    return config


class ConnectionsFactory:
    """Creates :class:`RESTConnection` and :class:`WSConnection` objects on one lazily created aiohttp session.

    Deliberately *not* a process-wide singleton (Hummingbot's is): each instance owns its own
    :class:`aiohttp.ClientSession`, created on first use inside the running event loop and closed by :meth:`close`
    (or by leaving ``async with``). A session left over from another, finished event loop is replaced.

    ``connector_factory`` (optional) builds the aiohttp connector of each new session, inside the running loop; the
    Gateway client uses it for a TLS connector carrying client certificates.

    Test seam: :meth:`set_ws_session` installs any object with an aiohttp-compatible ``ws_connect`` for websocket
    connections only (REST keeps the real session); ``None`` restores the default.

    The session carries :func:`redirect_guard` (besides any ``trace_configs`` in ``session_kwargs``): a websocket
    handshake, whose URL may hold a listen key or token, or any request carrying a credential never follows a
    redirect to another origin (REST requests with credentials follow none at all, see ``RESTConnection``).
    """

    def __init__(
        self,
        session_kwargs: Mapping[str, Any] | None = None,
        connector_factory: Callable[[], aiohttp.BaseConnector] | None = None,
    ) -> None:
        self._session_kwargs: dict[str, Any] = dict(session_kwargs or {})
        self._session_kwargs["trace_configs"] = [*self._session_kwargs.get("trace_configs", ()), redirect_guard()]
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

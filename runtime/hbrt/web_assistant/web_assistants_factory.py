"""Builds REST and websocket assistants that share one throttler, one auth object and one aiohttp session."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType

from hbrt.web_assistant.auth import AuthBase
from hbrt.web_assistant.connections.connections_factory import ConnectionsFactory
from hbrt.web_assistant.processors import (
    RESTPostProcessorBase,
    RESTPreProcessorBase,
    WSPostProcessorBase,
    WSPreProcessorBase,
)
from hbrt.web_assistant.rest_assistant import DEFAULT_REST_TIMEOUT, RESTAssistant, ThrottlerLike
from hbrt.web_assistant.ws_assistant import WSAssistant


class WebAssistantsFactory:
    """A connector's source of :class:`RESTAssistant` and :class:`WSAssistant` objects.

    Each ``get_*_assistant()`` call returns a fresh assistant around a fresh connection on the session owned by
    the :class:`ConnectionsFactory` (cheap: connectors call ``get_rest_assistant()`` per request). When no
    ``connections_factory`` is passed the factory creates and owns one, and :meth:`close` closes its session; a
    ``connections_factory`` passed in belongs to the caller and is left open. ``rest_timeout`` is the default
    timeout of REST assistants. ``throttle_ws_sends=True`` makes websocket sends with a ``throttler_limit_id``
    go through the throttler.
    """

    def __init__(
        self,
        throttler: ThrottlerLike,
        rest_pre_processors: Sequence[RESTPreProcessorBase] | None = None,
        rest_post_processors: Sequence[RESTPostProcessorBase] | None = None,
        ws_pre_processors: Sequence[WSPreProcessorBase] | None = None,
        ws_post_processors: Sequence[WSPostProcessorBase] | None = None,
        auth: AuthBase | None = None,
        connections_factory: ConnectionsFactory | None = None,
        throttle_ws_sends: bool = False,
        rest_timeout: float | None = DEFAULT_REST_TIMEOUT,
    ) -> None:
        self._throttler = throttler
        self._rest_pre_processors = list(rest_pre_processors or [])
        self._rest_post_processors = list(rest_post_processors or [])
        self._ws_pre_processors = list(ws_pre_processors or [])
        self._ws_post_processors = list(ws_post_processors or [])
        self._auth = auth
        self._owns_connections_factory = connections_factory is None
        self._connections_factory = connections_factory if connections_factory is not None else ConnectionsFactory()
        self._throttle_ws_sends = throttle_ws_sends
        self._rest_timeout = rest_timeout

    @property
    def throttler(self) -> ThrottlerLike:
        return self._throttler

    @property
    def auth(self) -> AuthBase | None:
        return self._auth

    @property
    def connections_factory(self) -> ConnectionsFactory:
        return self._connections_factory

    async def get_rest_assistant(self) -> RESTAssistant:
        connection = await self._connections_factory.get_rest_connection()
        return RESTAssistant(
            connection=connection,
            throttler=self._throttler,
            rest_pre_processors=self._rest_pre_processors,
            rest_post_processors=self._rest_post_processors,
            auth=self._auth,
            default_timeout=self._rest_timeout,
        )

    async def get_ws_assistant(self) -> WSAssistant:
        connection = await self._connections_factory.get_ws_connection()
        return WSAssistant(
            connection=connection,
            ws_pre_processors=self._ws_pre_processors,
            ws_post_processors=self._ws_post_processors,
            auth=self._auth,
            throttler=self._throttler,
            throttle_sends=self._throttle_ws_sends,
        )

    async def close(self) -> None:
        """Close the aiohttp session when this factory owns its ConnectionsFactory."""
        if self._owns_connections_factory:
            await self._connections_factory.close()

    async def __aenter__(self) -> WebAssistantsFactory:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

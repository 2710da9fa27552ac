"""The HTTP connection: sends one :class:`RESTRequest` on an aiohttp session."""

from __future__ import annotations

import aiohttp

from hbrt.web_assistant.connections.data_types import RESTRequest, RESTResponse


class RESTConnection:
    """Sends requests on an :class:`aiohttp.ClientSession` it does not own.

    Unlike Hummingbot's, :meth:`call` reads the whole body before returning, so the caller's timeout covers the
    body too and the pooled connection is released at once. It performs no status check and applies no timeout of
    its own; :class:`~hbrt.web_assistant.RESTAssistant` does both.
    """

    def __init__(self, aiohttp_client_session: aiohttp.ClientSession) -> None:
        self._client_session = aiohttp_client_session

    async def call(self, request: RESTRequest) -> RESTResponse:
        if request.url is None:
            raise ValueError("RESTRequest.url must be set before the request is sent")
        async with self._client_session.request(
            method=request.method.value,
            url=request.url,
            params=request.params,
            data=request.data,
            headers=request.headers,
        ) as aiohttp_response:
            body = await aiohttp_response.read()
        return RESTResponse(aiohttp_response, body, method=request.method)

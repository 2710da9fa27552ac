"""The REST assistant: throttling, processors, authentication, timeout and error handling around one request."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from hbrt.web_assistant.auth import AuthBase
from hbrt.web_assistant.connections.data_types import RESTMethod, RESTRequest, RESTResponse
from hbrt.web_assistant.connections.rest_connection import RESTConnection, request_secrets
from hbrt.web_assistant.errors import RESTRequestError, sanitize_url
from hbrt.web_assistant.processors import RESTPostProcessorBase, RESTPreProcessorBase

DEFAULT_REST_TIMEOUT = 10.0

_JSON_CONTENT_TYPE = "application/json"
_FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


class ThrottlerLike(Protocol):
    """The part of :class:`hbrt.api_throttler.async_throttler.AsyncThrottler` the web layer uses."""

    def execute_task(self, limit_id: str) -> AbstractAsyncContextManager[Any]: ...


def _is_success(status: int) -> bool:
    return 200 <= status < 300


class RESTAssistant:
    """Sends REST requests for a connector.

    Order inside :meth:`execute_request_and_get_response`: default Content-Type (JSON for non-GET, form for GET;
    caller headers win) -> dicts and lists in ``data`` become a JSON string -> enter the throttler for
    ``throttler_limit_id`` -> pre-processors -> ``auth.rest_authenticate`` when ``is_auth_required`` (signed after
    throttling, as late as possible) -> send and read the body under an explicit timeout -> post-processors ->
    any non-2xx status raises :class:`RESTRequestError` unless ``return_err``.

    ``timeout=None`` means the assistant's ``default_timeout`` (10 s unless the factory says otherwise); the timeout
    raises ``TimeoutError`` (``asyncio.TimeoutError`` is the same class on Python 3.11+).
    """

    def __init__(
        self,
        connection: RESTConnection,
        throttler: ThrottlerLike,
        rest_pre_processors: Sequence[RESTPreProcessorBase] | None = None,
        rest_post_processors: Sequence[RESTPostProcessorBase] | None = None,
        auth: AuthBase | None = None,
        default_timeout: float | None = DEFAULT_REST_TIMEOUT,
    ) -> None:
        self._connection = connection
        self._throttler = throttler
        self._rest_pre_processors = list(rest_pre_processors or [])
        self._rest_post_processors = list(rest_post_processors or [])
        self._auth = auth
        self._default_timeout = default_timeout

    @property
    def default_timeout(self) -> float | None:
        return self._default_timeout

    async def execute_request(
        self,
        url: str,
        throttler_limit_id: str,
        params: Mapping[str, Any] | None = None,
        data: Any = None,
        method: RESTMethod = RESTMethod.GET,
        is_auth_required: bool = False,
        return_err: bool = False,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send the request and return the parsed JSON body (see :meth:`RESTResponse.json`)."""
        response = await self.execute_request_and_get_response(
            url=url,
            throttler_limit_id=throttler_limit_id,
            params=params,
            data=data,
            method=method,
            is_auth_required=is_auth_required,
            return_err=return_err,
            timeout=timeout,
            headers=headers,
        )
        return await response.json()

    async def execute_request_and_get_response(
        self,
        url: str,
        throttler_limit_id: str,
        params: Mapping[str, Any] | None = None,
        data: Any = None,
        method: RESTMethod = RESTMethod.GET,
        is_auth_required: bool = False,
        return_err: bool = False,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> RESTResponse:
        """Send the request throttled under ``throttler_limit_id`` and return the response (see class docstring)."""
        request_headers = {"Content-Type": _FORM_CONTENT_TYPE if method == RESTMethod.GET else _JSON_CONTENT_TYPE}
        if headers:
            _merge_headers(request_headers, headers)
        if isinstance(data, Mapping | list | tuple):
            data = json.dumps(data)
        request = RESTRequest(
            method=method,
            url=url,
            params=params,
            data=data,
            headers=request_headers,
            is_auth_required=is_auth_required,
            throttler_limit_id=throttler_limit_id,
        )
        async with self._throttler.execute_task(limit_id=throttler_limit_id):
            response, secrets = await self._send(request, timeout)
        if not return_err and not _is_success(response.status):
            raise RESTRequestError(
                status=response.status,
                method=response.method.value,
                url=response.url,
                body=await response.text(),
                secrets=secrets,
                note=_redirect_note(response) if is_auth_required or secrets else "",
            )
        return response

    async def call(self, request: RESTRequest, timeout: float | None = None) -> RESTResponse:
        """Pre-process, authenticate, send and post-process ``request`` without throttling or a status check.

        The caller's request object is not modified: processors and auth work on a copy with its own
        ``params`` and ``headers`` dicts.
        """
        response, _ = await self._send(request, timeout)
        return response

    async def _send(self, request: RESTRequest, timeout: float | None) -> tuple[RESTResponse, list[str]]:
        """:meth:`call`, also returning the credential values of the signed request (masked in its errors)."""
        request = dataclasses.replace(
            request,
            params=dict(request.params) if request.params is not None else None,
            headers=dict(request.headers) if request.headers is not None else None,
        )
        for pre_processor in self._rest_pre_processors:
            request = await pre_processor.pre_process(request)
        if request.is_auth_required and self._auth is not None:
            request = await self._auth.rest_authenticate(request)
        effective_timeout = self._default_timeout if timeout is None else timeout
        async with asyncio.timeout(effective_timeout):
            response = await self._connection.call(request)
        for post_processor in self._rest_post_processors:
            response = await post_processor.post_process(response)
        return response, request_secrets(request)


_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def _redirect_note(response: RESTResponse) -> str:
    """What to add to the error of a redirect the connection did not follow (see :class:`RESTConnection`)."""
    if response.status not in _REDIRECTS:
        return ""
    location = response.headers.get("Location", "")
    target = f" to {sanitize_url(location)}" if location else ""
    return f"redirect{target} not followed: a request that carries credentials is never redirected"


def _merge_headers(target: dict[str, str], overrides: Mapping[str, str]) -> None:
    """Apply ``overrides`` to ``target`` treating header names case-insensitively (the override's spelling wins)."""
    lowered = {name.lower(): name for name in target}
    for name, value in overrides.items():
        existing = lowered.get(name.lower())
        if existing is not None and existing != name:
            del target[existing]
        target[name] = value
        lowered[name.lower()] = name

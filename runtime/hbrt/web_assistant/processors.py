"""Hooks that run on every request before it is sent and on every response after it arrives.

Lists of processors run in order. Besides the four interfaces this module has the two ready-made processors that
Hummingbot keeps in ``connector/utils.py``, the check that turns errors inside successful replies into exceptions
(:class:`ReplyErrorRESTPostProcessor`) and a domain's fixed headers (:class:`HeadersRESTPreProcessor`).
"""

from __future__ import annotations

import gzip
import inspect
import json
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from hbrt import json_codec
from hbrt.web_assistant.connections.data_types import RESTRequest, RESTResponse, WSRequest, WSResponse
from hbrt.web_assistant.errors import ReplyError


class RESTPreProcessorBase(ABC):
    """Adjusts a REST request before authentication and sending (gets a private copy of the request)."""

    @abstractmethod
    async def pre_process(self, request: RESTRequest) -> RESTRequest: ...


class RESTPostProcessorBase(ABC):
    """Inspects or replaces a REST response before the status check."""

    @abstractmethod
    async def post_process(self, response: RESTResponse) -> RESTResponse: ...


class WSPreProcessorBase(ABC):
    """Adjusts a websocket request before authentication and sending (gets a private copy of the request)."""

    @abstractmethod
    async def pre_process(self, request: WSRequest) -> WSRequest: ...


class WSPostProcessorBase(ABC):
    """Transforms each received websocket message before the caller sees it."""

    @abstractmethod
    async def post_process(self, response: WSResponse) -> WSResponse: ...


class _SynchronizerLike(Protocol):
    async def update_server_time_if_not_initialized(self, time_provider: Awaitable[float]) -> None: ...


class TimeSynchronizerRESTPreProcessor(RESTPreProcessorBase):
    """Makes sure the time synchronizer holds at least one server-time sample before any REST request goes out.

    ``time_provider`` is a zero-argument callable returning an awaitable of the server time in milliseconds (for
    example ``lambda: get_current_server_time(throttler)``). The synchronizer decides whether it needs the sample;
    when it does not await the awaitable we close it, so no "coroutine was never awaited" warning leaks whichever
    synchronizer implementation is plugged in.
    """

    def __init__(self, synchronizer: _SynchronizerLike, time_provider: Callable[[], Awaitable[float]]) -> None:
        self._synchronizer = synchronizer
        self._time_provider = time_provider

    async def pre_process(self, request: RESTRequest) -> RESTRequest:
        server_time = self._time_provider()
        try:
            await self._synchronizer.update_server_time_if_not_initialized(time_provider=server_time)
        finally:
            if inspect.iscoroutine(server_time) and inspect.getcoroutinestate(server_time) == inspect.CORO_CREATED:
                server_time.close()
        return request


#: Reads an error out of a successful reply body: ``(code, message)``, or None when the reply is a success.
ReplyErrorReader = Callable[[Any], tuple[Any, str | None] | None]


class ReplyErrorRESTPostProcessor(RESTPostProcessorBase):
    """Turns an error reported inside a successful (2xx) JSON reply into a :class:`ReplyError`.

    Exchanges such as OKX, Kraken, KuCoin and Bybit answer many failed requests with HTTP 200 and an error in the
    body. ``reader`` (a generated connector's ``CONSTANTS.reply_error``, compiled from the spec's
    ``errors.in_body``) returns the error's ``(code, message)`` or None. Replies that are not 2xx (the status check
    raises for them) and bodies that are not JSON pass through unchanged.
    """

    def __init__(self, reader: ReplyErrorReader) -> None:
        self._reader = reader

    async def post_process(self, response: RESTResponse) -> RESTResponse:
        if not 200 <= response.status < 300:
            return response
        try:
            body = await response.json()
        except ValueError:
            return response
        found = self._reader(body)
        if found is None:
            return response
        code, message = found
        raise ReplyError(
            status=response.status,
            method=response.method.value,
            url=response.url,
            body=await response.text(),
            code=code,
            message=message,
        )


class HeadersRESTPreProcessor(RESTPreProcessorBase):
    """Adds fixed headers to every REST request (a domain's extra headers, e.g. OKX demo trading's
    ``x-simulated-trading: 1``); a header the request already has keeps its value."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = dict(headers)

    async def pre_process(self, request: RESTRequest) -> RESTRequest:
        headers = dict(request.headers or {})
        present = {name.lower() for name in headers}
        for name, value in self._headers.items():
            if name.lower() not in present:
                headers[name] = value
        request.headers = headers
        return request


class GZipCompressionWSPostProcessor(WSPostProcessorBase):
    """Decompresses gzip'd binary messages and parses the JSON inside; other payloads pass through unchanged.

    A decompressed payload that is not JSON is returned as text, the same rule as for plain text frames.
    Bytes that are not gzip raise ``gzip.BadGzipFile`` (an ``OSError``), i.e. a protocol error the caller sees.
    """

    async def post_process(self, response: WSResponse) -> WSResponse:
        if not isinstance(response.data, bytes | bytearray):
            return response
        text = gzip.decompress(bytes(response.data)).decode("utf-8")
        try:
            return WSResponse(data=json_codec.loads(text))
        except json.JSONDecodeError:
            return WSResponse(data=text)

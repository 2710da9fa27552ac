"""Request and response types shared by the REST and websocket halves of the web layer.

The names and fields follow Hummingbot's ``web_assistant.connections.data_types`` so connector code written against
Hummingbot reads the same here. Two deliberate differences:

- :class:`RESTResponse` is built from a response whose body was already read (inside the request timeout), so
  ``json()``/``text()`` never touch the network and can be called repeatedly.
- :meth:`RESTResponse.json` parses any content type; for ``text/*`` bodies that are not JSON it returns the raw text,
  for other content types it raises ``ValueError`` (``json.JSONDecodeError``).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from hbrt import json_codec

if TYPE_CHECKING:
    import aiohttp

    from hbrt.web_assistant.connections.ws_connection import WSConnection


class RESTMethod(Enum):
    """HTTP verbs a connector may use; the value and ``str()`` are the verb itself."""

    GET = "GET"
    POST = "POST"
    PUT = "PUT"
    PATCH = "PATCH"
    DELETE = "DELETE"

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return self.value


@dataclass
class RESTRequest:
    """One HTTP request as it travels through throttling, pre-processors, authentication and the connection.

    ``params`` becomes the query string. ``data`` is the body; :class:`~hbrt.web_assistant.RESTAssistant` turns
    dicts and lists into a JSON string before authentication sees the request. ``is_auth_required`` decides whether
    :meth:`AuthBase.rest_authenticate` runs; ``throttler_limit_id`` records the rate-limit id the request was
    throttled under (informational once the request is built).
    """

    method: RESTMethod
    url: str | None = None
    endpoint_url: str | None = None
    params: Mapping[str, Any] | None = None
    data: Any = None
    headers: Mapping[str, str] | None = None
    is_auth_required: bool = False
    throttler_limit_id: str | None = None

    def __repr__(self) -> str:
        # A signed request holds the API key, the signature and the passphrase: never show them.
        return _masked_repr(self)


def _masked_repr(obj: Any) -> str:
    """The dataclass-style repr of ``obj`` with credentials masked (see :func:`hbrt.redaction.redact`)."""
    from dataclasses import fields

    from hbrt.redaction import redact

    shown = ", ".join(f"{f.name}={getattr(obj, f.name)!r}" for f in fields(obj))
    return redact(f"{type(obj).__name__}({shown})")


_TEXT_CONTENT_TYPES = ("text/plain", "text/html")


class RESTResponse:
    """An HTTP response whose body has already been read.

    Wraps the :class:`aiohttp.ClientResponse` for its metadata (url, status, headers) and keeps the body bytes so
    the body can be read several times and after the connection went back to the pool.
    """

    def __init__(self, aiohttp_response: aiohttp.ClientResponse, body: bytes, method: RESTMethod | None = None) -> None:
        self._aiohttp_response = aiohttp_response
        self._body = body
        self._method = method if method is not None else RESTMethod[aiohttp_response.method.upper()]

    @property
    def url(self) -> str:
        """The final URL, query string included (after any redirects aiohttp followed)."""
        return str(self._aiohttp_response.url)

    @property
    def method(self) -> RESTMethod:
        return self._method

    @property
    def status(self) -> int:
        return int(self._aiohttp_response.status)

    @property
    def headers(self) -> Mapping[str, str]:
        return self._aiohttp_response.headers

    @property
    def content_type(self) -> str:
        return self._aiohttp_response.content_type

    async def read(self) -> bytes:
        """The raw body bytes."""
        return self._body

    async def text(self) -> str:
        """The body decoded with the response charset (UTF-8 when none is declared); bad bytes are replaced."""
        charset = self._aiohttp_response.charset or "utf-8"
        try:
            return self._body.decode(charset, errors="replace")
        except LookupError:  # an unknown charset name in the Content-Type header
            return self._body.decode("utf-8", errors="replace")

    async def json(self) -> Any:
        """The body parsed as JSON; ``None`` for an empty body.

        For ``text/plain`` and ``text/html`` bodies that are not valid JSON the raw text is returned (as Hummingbot
        does); for any other content type invalid JSON raises :class:`json.JSONDecodeError`.
        """
        text = await self.text()
        if not text.strip():
            return None
        try:
            return json_codec.loads(text)
        except json.JSONDecodeError:
            if self.content_type in _TEXT_CONTENT_TYPES:
                return text
            raise

    def __repr__(self) -> str:
        from hbrt.redaction import redact

        return redact(f"RESTResponse(method={self.method}, url={self.url!r}, status={self.status})")


class WSRequest(ABC):
    """A message to send over a websocket; each subclass picks the matching send primitive (double dispatch)."""

    throttler_limit_id: str | None
    is_auth_required: bool

    @abstractmethod
    async def send_with_connection(self, connection: WSConnection) -> None:
        """Send this request's payload through ``connection``."""


@dataclass
class WSJSONRequest(WSRequest):
    """A JSON message (sent as a text frame)."""

    payload: Mapping[str, Any]
    throttler_limit_id: str | None = None
    is_auth_required: bool = False

    async def send_with_connection(self, connection: WSConnection) -> None:
        await connection._send_json(payload=self.payload)

    def __repr__(self) -> str:
        return _masked_repr(self)


@dataclass
class WSPlainTextRequest(WSRequest):
    """A plain text frame, sent as is."""

    payload: str
    throttler_limit_id: str | None = None
    is_auth_required: bool = False

    async def send_with_connection(self, connection: WSConnection) -> None:
        await connection._send_plain_text(payload=self.payload)

    def __repr__(self) -> str:
        return _masked_repr(self)


@dataclass
class WSBinaryRequest(WSRequest):
    """A binary frame."""

    payload: bytes
    throttler_limit_id: str | None = None
    is_auth_required: bool = False

    async def send_with_connection(self, connection: WSConnection) -> None:
        await connection._send_binary(payload=self.payload)

    def __repr__(self) -> str:
        return _masked_repr(self)


@dataclass(slots=True)  # one per received frame: slots make it about half as costly to build
class WSResponse:
    """One received websocket message: parsed JSON or the raw string for text frames, bytes for binary frames."""

    data: Any

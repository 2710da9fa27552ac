"""Errors raised by the web layer, how secrets are kept out of them, and what an error reply says.

Every error that leaves the web layer is safe to log: :class:`RESTRequestError` carries a sanitised URL and a body
with the request's credential values masked, and any exception from aiohttp (connection refused, too many redirects,
a websocket handshake refused, ...) is replaced by :func:`masked_exception`'s copy, whose text, ``args``,
``request_info`` (URL and headers), ``history`` and response headers hold no signature, key or token.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, TypeAlias
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from hbrt.redaction import REDACTED, is_secret_name, redact

MAX_BODY_IN_MESSAGE = 4096

__all__ = [
    "REDACTED",
    "ErrorFacts",
    "NoRecordError",
    "RESTRequestError",
    "error_facts",
    "error_reply",
    "is_secret_param_name",
    "masked_exception",
    "sanitize_url",
]


def is_secret_param_name(name: str) -> bool:
    """Whether a query parameter called ``name`` may carry a credential (see :func:`hbrt.redaction.is_secret_name`)."""
    return is_secret_name(name)


def sanitize_url(url: str, secrets: Sequence[str] = ()) -> str:
    """Return ``url`` with the values of secret-looking query parameters and any user info replaced by ``***``, and
    any of ``secrets`` (credential values, e.g. a listen key in the path) masked wherever it appears.

    Parameter names and order are kept so the error still says which request failed.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact(url, secrets)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(is_secret_param_name(name) for name, _ in pairs):
            query = urlencode(
                [(name, REDACTED if is_secret_param_name(name) else value) for name, value in pairs], safe="*"
            )
    return redact(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)), secrets)


def _shorten(body: str, limit: int = MAX_BODY_IN_MESSAGE) -> str:
    if len(body) <= limit:
        return body
    return f"{body[:limit]}... [{len(body) - limit} more characters]"


class RESTRequestError(IOError):
    """An HTTP response outside 2xx.

    Subclasses ``IOError`` (``OSError``) so connector code written for Hummingbot, which catches ``IOError``, keeps
    working. Attributes: ``status`` (int), ``method`` (verb string), ``url`` (secrets removed, see
    :func:`sanitize_url`), ``body`` (the response text, with ``secrets`` (the request's credential values) and
    secret-named values masked) and ``note`` (what the web layer adds, e.g. that a redirect was not followed). The
    message has the method, the sanitised URL, the fragment ``HTTP status is <code>`` and the body, because connectors
    classify errors by substring (e.g. Binance ``-2013``). Hummingbot replaces HTML bodies by ``N/A``; we keep them,
    shortened to a few KiB in the message and in ``body``.
    """

    def __init__(
        self, *, status: int, method: str, url: str, body: str, secrets: Sequence[str] = (), note: str = ""
    ) -> None:
        self.status = status
        self.method = method
        self.url = sanitize_url(url, secrets)
        body = redact(body, secrets)
        self.body = _shorten(body) if "<html" in body[:1024].lower() else body
        self.note = redact(note, secrets)
        detail = f" ({self.note})" if self.note else ""
        super().__init__(
            f"Error executing request {self.method} {self.url}. HTTP status is {self.status}{detail}. "
            f"Error: {_shorten(self.body)}"
        )

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only constructor: teach pickle (used by multiprocessing/logging handlers) how to rebuild us.
        return (_rebuild_rest_request_error, (self.status, self.method, self.url, self.body, self.note))


def _rebuild_rest_request_error(status: int, method: str, url: str, body: str, note: str = "") -> RESTRequestError:
    return RESTRequestError(status=status, method=method, url=url, body=body, note=note)


# ------------------------------------------------------------------------------------------------- masking


def _masked_headers(headers: Any, secrets: Sequence[str]) -> Any:
    from multidict import CIMultiDict, CIMultiDictProxy

    if headers is None:
        return None
    items = [(str(k), REDACTED if is_secret_name(str(k)) else redact(str(v), secrets)) for k, v in headers.items()]
    return CIMultiDictProxy(CIMultiDict(items))


def _masked_value(value: Any, secrets: Sequence[str]) -> Any:
    from yarl import URL

    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, URL):
        return URL(redact(str(value), secrets))
    if isinstance(value, tuple):
        return tuple(_masked_value(item, secrets) for item in value)
    return value


def masked_exception(error: Exception, secrets: Sequence[str] = ()) -> Exception:
    """``error`` itself when nothing in it can reveal a credential, else a copy of the same class that is safe to
    raise and log: every string and URL attribute and every ``args`` item masked (see :func:`hbrt.redaction.redact`),
    and for aiohttp's response errors (``TooManyRedirects``, ``WSServerHandshakeError``, ...) the ``request_info``
    rebuilt from masked URLs and headers, ``history`` emptied (each earlier response carries the signed request) and
    the response headers masked. Raise the copy ``from None``, outside the ``except`` block, so the original is not
    reachable as its cause or context.

    An exception whose copy would still show a credential is replaced by a plain ``aiohttp.ClientError`` (or
    ``ClientConnectionError``) carrying the masked text.
    """
    import aiohttp
    from aiohttp.client_reqrep import RequestInfo

    def clean(text: str) -> str:
        return redact(text, secrets)

    shown = f"{error}\n{error!r}"
    response_error = isinstance(error, aiohttp.ClientResponseError)
    if not response_error and clean(shown) == shown:
        return error
    copy = type(error).__new__(type(error))
    copy.__dict__.update({key: _masked_value(value, secrets) for key, value in vars(error).items()})
    copy.args = tuple(_masked_value(arg, secrets) for arg in error.args)
    if isinstance(error, aiohttp.ClientResponseError) and isinstance(copy, aiohttp.ClientResponseError):
        info = error.request_info
        safe_info = RequestInfo(
            _masked_value(info.url, secrets),
            info.method,
            _masked_headers(info.headers, secrets),
            _masked_value(info.real_url, secrets),
        )
        copy.request_info = safe_info
        copy.history = ()
        copy.headers = _masked_headers(error.headers, secrets)
        copy.message = clean(str(error.message))
        copy.args = (safe_info, ())
    try:
        shown = f"{copy}\n{copy!r}"
    except Exception:  # a class whose text needs state the copy lacks
        shown = ""
    if shown and clean(shown) == shown:
        return copy
    connection = isinstance(error, aiohttp.ClientConnectionError)
    fallback = aiohttp.ClientConnectionError if connection else aiohttp.ClientError
    return fallback(f"{type(error).__name__}: {clean(str(error))}")


class ReplyError(RESTRequestError):
    """An error the exchange reported inside a successful (2xx) HTTP reply (OKX ``code``/``sCode``, Kraken
    ``error``, KuCoin and Bybit codes).

    A :class:`RESTRequestError` like any other failed request: ``status`` is the 2xx status, ``body`` the reply, and
    :func:`error_facts` reads the code and message from the body, so error rules match it exactly as an HTTP error.
    ``code`` and ``message`` are what the exchange's reply check found.
    """

    def __init__(
        self, *, status: int, method: str, url: str, body: str, code: Any = None, message: str | None = None
    ) -> None:
        super().__init__(status=status, method=method, url=url, body=body)
        self.code = code
        self.message = message

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_reply_error, (self.status, self.method, self.url, self.body, self.code, self.message))


def _rebuild_reply_error(status: int, method: str, url: str, body: str, code: Any, message: str | None) -> ReplyError:
    return ReplyError(status=status, method=method, url=url, body=body, code=code, message=message)


# ------------------------------------------------------------------------------------------------- error replies

_HTTP_STATUS = re.compile(r"HTTP status is (\d+)")
_ERROR_BODY = re.compile(r"Error: (.*)\Z", re.DOTALL)

#: Reads an error reply body (decoded JSON, or the text when it is not JSON) into (code, message), None for what the
#: body does not carry. Where they sit is the exchange's business: generated connectors pass their constants'
#: ``error_details``, which the spec's ``errors.code_field``/``errors.message_field`` compile to.
ErrorDetails: TypeAlias = Callable[[Any], tuple[Any, str | None]]


class ErrorFacts(NamedTuple):
    """What a failed request's reply says: the exchange's error code, its message and the HTTP status."""

    code: Any
    message: str | None
    status: int | None


def decode_error_body(body: str) -> Any:
    """An error reply body as data: JSON; else a Python literal of a dict or list (what ``str()`` of a parsed body
    gives, as in errors Hummingbot connectors raise by hand: ``{'code': -2013, 'msg': '...'}``); else a form-encoded
    body (``code=-2013&msg=Order+does+not+exist.``) as a dict; else the text itself."""
    try:
        return json.loads(body)
    except ValueError:
        pass
    text = body.strip()
    if text[:1] in ("{", "[") and len(text) <= _MAX_LITERAL:
        try:
            value = ast.literal_eval(text)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            value = None
        if isinstance(value, dict | list):
            return value
    if "=" in text and not any(c.isspace() for c in text):
        try:
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
        except ValueError:
            pairs = []
        if pairs:
            return dict(pairs)
    return body


_MAX_LITERAL = 64 * 1024
#: ``name: value`` or ``name=value`` in an error text (the name optionally quoted, the value a quoted string or a
#: token): where a text body still carries its code.
_LOOSE_FIELD = re.compile(r"""["']?\b([A-Za-z_][\w.-]*)["']?\s*[:=]\s*(?:"([^"]*)"|'([^']*)'|([^\s,;&}\])]+))""")


def _loose_fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for match in _LOOSE_FIELD.finditer(text[:_MAX_LITERAL]):
        value = next(group for group in match.groups()[1:] if group is not None)
        fields.setdefault(match.group(1), value)
    return fields


def error_reply(error: BaseException) -> tuple[int | None, Any]:
    """The HTTP status and the reply body of a failed request, the body decoded by :func:`decode_error_body` (JSON,
    a Python literal or a form; else its text).

    A :class:`RESTRequestError` carries both. Any other exception is read from its text, in the format of the
    ``RESTRequestError`` message (``... HTTP status is <status>. Error: <body>``), which connectors written for
    Hummingbot also raise by hand; without an ``Error:`` part the whole text is the body, and without ``HTTP status
    is`` the status is None.
    """
    if isinstance(error, RESTRequestError):
        status: int | None = error.status
        body = error.body
    else:
        text = str(error)
        found_status = _HTTP_STATUS.search(text)
        status = int(found_status.group(1)) if found_status else None
        found_body = _ERROR_BODY.search(text)
        body = found_body.group(1) if found_body else text
    return status, decode_error_body(body)


def error_facts(error: BaseException, details: ErrorDetails) -> ErrorFacts:
    """The code, message and status of a failed request, with ``details`` reading code and message from the body.

    A body that is only text is still read: ``details`` gets the ``name: value`` / ``name=value`` fields found in
    it, for the code (``Timestamp outside recvWindow (code: -1021)`` has code ``-1021`` when the code field is
    ``code``), and the whole text is the message, so rules matching on message text still see what the exchange said.
    """
    status, body = error_reply(error)
    code, message = details(body)
    if isinstance(body, str):
        if code is None:
            fields = _loose_fields(body)
            if fields:
                code, _ = details(fields)
        if message is None:
            message = body
    return ErrorFacts(code, message, status)


class NoRecordError(LookupError):
    """A successful reply that should carry the record asked for carries none (Bybit answers an order status query
    for an order it does not know with an empty list): the exchange does not know the thing asked about."""

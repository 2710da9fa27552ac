"""Errors raised by the web layer, the URL sanitiser that keeps secrets out of them, and what an error reply says."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, NamedTuple, TypeAlias
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "***"
MAX_BODY_IN_MESSAGE = 4096

# Query parameter names (lower-cased, with "-", "_" and "." removed) whose values must never appear in logs or errors.
_SECRET_NAME_PARTS = ("signature", "secret", "passphrase", "password", "token", "apikey", "listenkey", "accesskey")
_SECRET_NAMES = frozenset({"key", "sign", "sig", "signed", "auth", "authorization"})
_NAME_NOISE = re.compile(r"[-_.\s]")


def is_secret_param_name(name: str) -> bool:
    """Whether a query parameter called ``name`` may carry a credential (case-insensitive, punctuation ignored)."""
    normalised = _NAME_NOISE.sub("", name.lower())
    if normalised in _SECRET_NAMES or normalised.endswith("key"):
        return True
    return any(part in normalised for part in _SECRET_NAME_PARTS)


def sanitize_url(url: str) -> str:
    """Return ``url`` with the values of secret-looking query parameters and any user info replaced by ``***``.

    Parameter names and order are kept so the error still says which request failed.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
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
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _shorten(body: str, limit: int = MAX_BODY_IN_MESSAGE) -> str:
    if len(body) <= limit:
        return body
    return f"{body[:limit]}... [{len(body) - limit} more characters]"


class RESTRequestError(IOError):
    """An HTTP response outside 2xx.

    Subclasses ``IOError`` (``OSError``) so connector code written for Hummingbot, which catches ``IOError``, keeps
    working. Attributes: ``status`` (int), ``method`` (verb string), ``url`` (secrets removed, see
    :func:`sanitize_url`) and ``body`` (the response text). The message has the method, the sanitised URL, the fragment
    ``HTTP status is <code>`` and the body, because connectors classify errors by substring (e.g. Binance ``-2013``).
    Hummingbot replaces HTML bodies by ``N/A``; we keep them, shortened to a few KiB in the message and in ``body``.
    """

    def __init__(self, *, status: int, method: str, url: str, body: str) -> None:
        self.status = status
        self.method = method
        self.url = sanitize_url(url)
        self.body = _shorten(body) if "<html" in body[:1024].lower() else body
        super().__init__(
            f"Error executing request {self.method} {self.url}. HTTP status is {self.status}. "
            f"Error: {_shorten(self.body)}"
        )

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only constructor: teach pickle (used by multiprocessing/logging handlers) how to rebuild us.
        return (_rebuild_rest_request_error, (self.status, self.method, self.url, self.body))


def _rebuild_rest_request_error(status: int, method: str, url: str, body: str) -> RESTRequestError:
    return RESTRequestError(status=status, method=method, url=url, body=body)


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


def error_reply(error: BaseException) -> tuple[int | None, Any]:
    """The HTTP status and the reply body of a failed request; the body decoded when it is JSON, else its text.

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
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body


def error_facts(error: BaseException, details: ErrorDetails) -> ErrorFacts:
    """The code, message and status of a failed request, with ``details`` reading code and message from the body.

    When ``details`` finds no message in a body that is not JSON, the body text itself is the message, so rules
    matching on message text still see what the exchange said.
    """
    status, body = error_reply(error)
    code, message = details(body)
    if message is None and isinstance(body, str):
        message = body
    return ErrorFacts(code, message, status)

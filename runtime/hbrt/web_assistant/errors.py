"""Errors raised by the web layer, and the URL sanitiser that keeps secrets out of them."""

from __future__ import annotations

import re
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

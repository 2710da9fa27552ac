"""Keeping credentials out of text: errors, reprs and log lines.

Three layers, each cheap enough to run on every error and every emitted log record:

* **By name.** A value whose name says it is a credential (``signature``, ``apiKey``, ``X-MBX-APIKEY``, ``KC-API-SIGN``,
  ``passphrase``, ``listenKey``, ``token``, ``Authorization``, ...; see :func:`is_secret_name`) is masked wherever it
  appears as ``name=value`` (query strings, form bodies), as a quoted mapping entry (``"name": "value"`` in JSON,
  ``'name': 'value'`` in a Python repr) or as a ``Name: value`` header line. User info in a URL is masked too.
* **By value, per request.** The web layer knows the credential values a signed request carries (every value it
  sent under a secret name) and masks exactly those in the errors it raises, wherever they appear: in an error body
  that echoes the API key, in a redirect ``Location``, in an aiohttp exception's text or ``request_info``.
* **By value, remembered.** Those values (and listen keys or tokens a user stream obtains) are also remembered in a
  small bounded registry, :data:`KNOWN_SECRETS`, which the log filter installed on every hbrt logger
  (:class:`RedactingFilter`, see :func:`hbrt.logger.get_logger`) masks in every log line and traceback. Values
  shorter than :data:`MIN_SECRET_LENGTH` are never remembered, so masking cannot eat ordinary numbers or words.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

REDACTED = "***"
#: Shorter values are never masked by value: they cannot be credentials, and masking them would garble text.
MIN_SECRET_LENGTH = 8

# Names (lower-cased, with "-", "_", "." and spaces removed) of values that must never appear in logs or errors.
_SECRET_NAME_PARTS = ("signature", "secret", "passphrase", "password", "token", "apikey", "listenkey", "accesskey")
_SECRET_NAMES = frozenset({"key", "sign", "sig", "signed", "auth", "authorization", "cookie", "setcookie"})
_SECRET_SUFFIXES = ("key", "sign")
_NAME_NOISE = re.compile(r"[-_.\s]")


def is_secret_name(name: str) -> bool:
    """Whether a parameter, header or field called ``name`` may carry a credential (case and punctuation ignored)."""
    normalised = _NAME_NOISE.sub("", name.lower())
    if normalised in _SECRET_NAMES or normalised.endswith(_SECRET_SUFFIXES):
        return True
    return any(part in normalised for part in _SECRET_NAME_PARTS)


class KnownSecrets:
    """A bounded, thread-safe set of credential values seen recently (least recently seen dropped first)."""

    def __init__(self, capacity: int = 64) -> None:
        self._capacity = capacity
        self._values: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, value: object) -> None:
        """Remember ``value`` (a string of at least :data:`MIN_SECRET_LENGTH` characters; anything else is ignored)."""
        if not isinstance(value, str) or len(value) < MIN_SECRET_LENGTH or value == REDACTED:
            return
        with self._lock:
            self._values[value] = None
            self._values.move_to_end(value)
            while len(self._values) > self._capacity:
                self._values.popitem(last=False)

    def values(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._values)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


#: Credential values the web layer and the user streams have handled; masked in every hbrt log line.
KNOWN_SECRETS = KnownSecrets()


def remember_secret(value: object) -> None:
    """Add ``value`` to :data:`KNOWN_SECRETS` (for a listen key, a token, or any credential a connector handles)."""
    KNOWN_SECRETS.add(value)


_PAIR = re.compile(r"(?<![\w.-])([A-Za-z_][\w.-]*)=([^&\s'\"<>,;)}\]]+)")
_QUOTED = re.compile(r"""(["'])([A-Za-z_][\w.\- ]*)\1(\s*:\s*)(["'])((?:\\.|(?!\4)[^\\])*)\4""")
_HEADER_LINE = re.compile(r"(?m)^([A-Za-z][\w-]*):[ \t]*(\S[^\r\n]*)$")
_USERINFO = re.compile(r"(://)[^/@\s'\"]+@")


def _mask_pair(match: re.Match[str]) -> str:
    return f"{match.group(1)}={REDACTED}" if is_secret_name(match.group(1)) else match.group(0)


def _mask_quoted(match: re.Match[str]) -> str:
    quote_char, name, colon, value_quote = match.group(1), match.group(2), match.group(3), match.group(4)
    if not is_secret_name(name):
        return match.group(0)
    return f"{quote_char}{name}{quote_char}{colon}{value_quote}{REDACTED}{value_quote}"


def _mask_header(match: re.Match[str]) -> str:
    return f"{match.group(1)}: {REDACTED}" if is_secret_name(match.group(1)) else match.group(0)


def _value_forms(values: Iterable[str]) -> list[str]:
    forms: set[str] = set()
    for value in values:
        if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
            forms.update({value, quote(value, safe=""), quote_plus(value, safe="")})
    return sorted(forms, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str] = (), *, known: bool = True) -> str:
    """``text`` with credentials masked: ``secrets`` (and, with ``known``, :data:`KNOWN_SECRETS`) by value, in plain
    and URL-encoded form, then every secret-named value by name (see the module docstring)."""
    values = list(secrets)
    if known:
        values.extend(KNOWN_SECRETS.values())
    for form in _value_forms(values):
        if form in text:
            text = text.replace(form, REDACTED)
    if "=" in text:
        text = _PAIR.sub(_mask_pair, text)
    if ":" in text:
        text = _QUOTED.sub(_mask_quoted, text)
        text = _HEADER_LINE.sub(_mask_header, text)
        if "@" in text:
            text = _USERINFO.sub(rf"\1{REDACTED}@", text)
    return text


def secret_values(
    url: str | None = None,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, Any] | None = None,
    data: Any = None,
) -> list[str]:
    """Every value a request carries under a secret name: query parameters (in ``params`` and in ``url``), headers,
    fields of a JSON or form body, and a URL's user info."""
    found: list[str] = []

    def add(name: object, value: object) -> None:
        if isinstance(name, str) and is_secret_name(name) and value is not None and not isinstance(value, dict | list):
            found.append(str(value))

    for name, value in (params or {}).items():
        add(name, value)
    for name, value in (headers or {}).items():
        add(name, value)
    if url:
        try:
            parts = urlsplit(url)
        except ValueError:
            parts = None
        if parts is not None:
            for name, value in parse_qsl(parts.query, keep_blank_values=True):
                add(name, value)
            if "@" in parts.netloc:
                found.append(parts.netloc.rsplit("@", 1)[0])
    if isinstance(data, bytes):
        data = data.decode("utf-8", errors="replace")
    if isinstance(data, Mapping):
        for name, value in data.items():
            add(name, value)
    elif isinstance(data, str) and data:
        _body_values(data, add)
    return [value for value in found if len(value) >= MIN_SECRET_LENGTH]


def _body_values(body: str, add: Any) -> None:
    import json

    if body.lstrip().startswith(("{", "[")):
        try:
            decoded = json.loads(body)
        except ValueError:
            decoded = None
        stack = [decoded]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                for name, value in node.items():
                    add(name, value)
                    stack.append(value)
            elif isinstance(node, list):
                stack.extend(node)
        return
    for name, value in parse_qsl(body, keep_blank_values=True):
        add(name, value)


class RedactingFilter(logging.Filter):
    """Masks credentials (see :func:`redact`) in a record's message and traceback before any handler sees it.

    The record is changed only when something was masked: its ``msg`` becomes the masked, fully formatted message
    (``args`` empty) and ``exc_text`` the masked traceback, which every :class:`logging.Formatter` uses as is.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let logging report it as it always does
            return True
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            trace = self._formatter.formatException(record.exc_info)
            masked_trace = redact(trace)
            if masked_trace != trace:
                record.exc_text = masked_trace
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


#: The one filter every hbrt logger carries.
REDACTING_FILTER = RedactingFilter()

"""``${placeholder}`` templates (subscriptions, logins, heartbeats, stream names) compiled to Python expressions.

A template is JSON data whose strings may hold placeholders. A string that is exactly one placeholder becomes the
value with its own type (``"${id}"`` -> ``request_id``); a string with text around placeholders becomes a
concatenation of safe literals and ``str(value)``. Every literal goes through :func:`hbgen.render.filters.py`; the
value expressions come from the template author (never from the spec).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from hbgen.render.environment import RenderError
from hbgen.render.filters import py, py_str

__all__ = ["message_expr", "path_pattern", "pong_predicate", "string_expr", "placeholders_in"]

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def placeholders_in(value: Any) -> set[str]:
    """Every placeholder name used anywhere in ``value``."""
    if isinstance(value, str):
        return set(_PLACEHOLDER.findall(value))
    if isinstance(value, Mapping):
        return set().union(*(placeholders_in(k) | placeholders_in(v) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return set().union(*(placeholders_in(v) for v in value))
    return set()


def _lookup(name: str, names: Mapping[str, str]) -> str:
    try:
        return names[name]
    except KeyError:
        raise RenderError(f"placeholder ${{{name}}} has no value here (available: {sorted(names)})") from None


def string_expr(text: str, names: Mapping[str, str]) -> str:
    """A Python expression for the string template ``text``."""
    whole = _PLACEHOLDER.fullmatch(text)
    if whole:
        return _lookup(whole.group(1), names)
    pieces: list[str] = []
    pos = 0
    for match in _PLACEHOLDER.finditer(text):
        if match.start() > pos:
            pieces.append(py_str(text[pos : match.start()]))
        pieces.append(f"str({_lookup(match.group(1), names)})")
        pos = match.end()
    if pos < len(text) or not pieces:
        pieces.append(py_str(text[pos:]))
    return " + ".join(pieces)


def message_expr(value: Any, names: Mapping[str, str]) -> str:
    """A Python expression building the JSON template ``value`` with placeholders replaced."""
    if isinstance(value, str):
        return string_expr(value, names)
    if isinstance(value, Mapping):
        items = ", ".join(f"{string_expr(k, names)}: {message_expr(v, names)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(message_expr(v, names) for v in value) + "]"
    return py(value)


def path_pattern(path: str) -> str:
    """A regular expression matching the end of a URL path built from the endpoint path template ``path``: the
    literal text escaped, each placeholder one path segment (``/orders/${client_order_id}`` ->
    ``/orders/[^/?#]+$``)."""
    pieces: list[str] = []
    pos = 0
    for match in _PLACEHOLDER.finditer(path):
        pieces.append(re.escape(path[pos : match.start()]))
        pieces.append("[^/?#]+")
        pos = match.end()
    pieces.append(re.escape(path[pos:]))
    return "".join(pieces) + "$"


def pong_predicate(pong: Mapping[str, Any], var: str) -> str:
    """A boolean expression: the message ``var`` (a dict) is the JSON ``pong`` the server answers a heartbeat with,
    i.e. has each of its keys with that value (other keys, such as a request id or a time, may differ)."""
    if not pong:
        return "False"
    return " and ".join(f"{var}.get({py_str(key)}) == {py(value)}" for key, value in pong.items())

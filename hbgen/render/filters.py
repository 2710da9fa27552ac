"""Jinja filters that turn model values into safe Python source.

Spec strings never reach generated code except through these filters:

* ``py`` renders a value as a Python literal. Strings go through :func:`repr`, which escapes quotes, backslashes,
  newlines and every non-printable character, so no string can close its literal and start code. Jinja syntax in a
  value is inert because values are inserted after the template is compiled, never compiled themselves.
* ``ident`` accepts only a valid, non-keyword Python identifier and raises otherwise.
* ``comment`` flattens text onto one comment line (no newline can escape the comment).
* ``py_text`` flattens text and renders it as adjacent ``py`` string literals, one per line.
* ``py_doc`` flattens text and renders it as a wrapped docstring with every backslash and double quote escaped.
"""

from __future__ import annotations

import keyword
import re
import textwrap
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from hbgen.render.environment import RenderError

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def py(value: Any) -> str:
    """Render ``value`` as a Python literal expression (deterministic, injection-proof)."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise RenderError(f"cannot render non-finite float {value!r} as a literal")
        return repr(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise RenderError(f"cannot render non-finite decimal {value!r} as a literal")
        return f"Decimal({str(value)!r})"
    if isinstance(value, str):
        return py_str(value)
    if isinstance(value, Mapping):
        items = ", ".join(f"{py(k)}: {py(v)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, tuple):
        if len(value) == 1:
            return f"({py(value[0])},)"
        return "(" + ", ".join(py(v) for v in value) + ")"
    if isinstance(value, list):
        return "[" + ", ".join(py(v) for v in value) + "]"
    if isinstance(value, (set, frozenset)):
        if not value:
            return "frozenset()"
        return "frozenset({" + ", ".join(sorted(py(v) for v in value)) + "})"
    raise RenderError(f"cannot render a value of type {type(value).__name__} as a Python literal")


def py_str(value: Any) -> str:
    """Render ``value`` as a Python string literal."""
    if not isinstance(value, str):
        raise RenderError(f"expected a string, got {type(value).__name__}")
    text = repr(value)
    # repr() picks single quotes unless the text contains one; normalise to double quotes like the formatter does,
    # so output does not depend on the formatter's choice and stays byte-stable.
    if text.startswith("'") and '"' not in value:
        text = '"' + text[1:-1] + '"'
    return text


def py_text(value: Any, indent: int = 8, width: int = 96) -> str:
    """Flattened text (see :func:`comment`) as adjacent string literals, one per line of at most ``width``
    characters, for docstrings and messages longer than a line.

    The literals concatenate to exactly ``comment(value)``: every line but the last keeps the space it was split at,
    and words are never broken. Lines after the first are indented by ``indent`` spaces; wrap the result in
    parentheses.
    """
    lines = textwrap.wrap(comment(value), width=width, break_long_words=False, break_on_hyphens=False) or [""]
    literals = [py_str(line + " ") for line in lines[:-1]] + [py_str(lines[-1])]
    return ("\n" + " " * indent).join(literals)


def py_doc(value: Any, indent: int = 4, width: int = 100) -> str:
    """A triple-quoted docstring literal of ``value``: a text or a list of texts, each flattened (see
    :func:`comment`) and wrapped to ``width`` on lines of its own (an empty text gives an empty line).

    Every backslash and double quote is escaped, so no text can end the literal. Lines after the first are indented
    by ``indent`` spaces, the column of the docstring.
    """
    texts = [value] if isinstance(value, str) else list(value)
    lines: list[str] = []
    for text in texts:
        flat = comment(text)
        lines.extend(textwrap.wrap(flat, width=width, break_long_words=False, break_on_hyphens=False) or [""])
    escaped = [line.replace("\\", "\\\\").replace('"', '\\"') for line in lines]
    if len(escaped) == 1:
        return f'"""{escaped[0]}"""'
    pad = " " * indent
    body = "\n".join(escaped[:1] + [pad + line if line else "" for line in escaped[1:]])
    return f'"""{body}\n{pad}"""'


def ident(value: Any) -> str:
    """Return ``value`` if it is a valid Python identifier that is not a keyword; raise otherwise."""
    if not isinstance(value, str) or not _IDENT.match(value) or keyword.iskeyword(value):
        raise RenderError(f"{value!r} is not a valid Python identifier")
    return value


def camel(value: Any) -> str:
    """``binance_perpetual`` -> ``BinancePerpetual`` (the input must be an identifier)."""
    return "".join(part[:1].upper() + part[1:] for part in ident(value).split("_") if part)


def upper_ident(value: Any) -> str:
    """An identifier in UPPER_SNAKE_CASE, for constants: ``/ticker/24hr`` is not accepted, ``orders_24hr`` is."""
    return ident(value).upper()


def comment(value: Any) -> str:
    """Flatten text so it can sit after ``#`` on a single line."""
    text = _CONTROL.sub(" ", str(value))
    return re.sub(r"\s+", " ", text).strip()


def doc(value: Any) -> str:
    """Flatten text and escape it to sit inside a double-quoted literal or a docstring: no text can end the string
    (a triple quote) or form an escape sequence (a backslash)."""
    return comment(value).replace("\\", "\\\\").replace('"', '\\"')


FILTERS = {
    "py": py,
    "py_str": py_str,
    "py_text": py_text,
    "py_doc": py_doc,
    "ident": ident,
    "camel": camel,
    "upper_ident": upper_ident,
    "comment": comment,
    "doc": doc,
}

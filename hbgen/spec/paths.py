"""The field path language of mappings and predicates, parsed into steps the generator compiles to plain Python.

Grammar (whitespace is not allowed)::

    path    := "$" | "$key" | ["$."] step_0 ("." key | bracket)*
    step_0  := key | bracket
    key     := one or more characters other than . [ ] (e.g. p, lastUpdateId, X-Count)
    bracket := "[" INT "]"                  list index (negative counts from the end)
             | "[]"                         every item (at most once per path; the result is a list)
             | "[" key "=" value ("|" value)* "]"   first item whose key equals one of the values

A leading ``$.`` reads from the message root instead of the current item of a mapping's ``each`` list; ``$``
alone is the whole message; ``$key`` is the key of the current item of a ``keyed`` mapping (whose ``each`` is an
object: one record per value). Examples: ``p``, ``data[0].asks``, ``B[].a``,
``filters[filterType=MIN_NOTIONAL|NOTIONAL].minNotional``, ``$.arg.instId``.

Compilation is direct: ``filters[filterType=PRICE_FILTER].tickSize`` becomes
``next(x for x in item["filters"] if x["filterType"] in ("PRICE_FILTER",))["tickSize"]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["ITEM_KEY", "Step", "FieldPath", "PathSyntaxError", "parse_path"]

#: The path of the current item's key in a keyed mapping.
ITEM_KEY = "$key"

_KEY = re.compile(r"[^.\[\]=|]+")
_INT = re.compile(r"-?[0-9]+")
_VALUE = re.compile(r"[^|\]]+")


class PathSyntaxError(ValueError):
    """A path that does not follow the grammar; ``offset`` is the 0-based character where it goes wrong."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(frozen=True)
class Step:
    """One step of a path: a mapping key, a list index, every item, or the first item matching a selector."""

    kind: Literal["key", "index", "each", "select", "item_key"]
    key: str = ""
    index: int = 0
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class FieldPath:
    """A parsed path. ``from_root``: starts at the message root rather than the current item."""

    text: str
    from_root: bool
    steps: tuple[Step, ...]

    @property
    def is_item_key(self) -> bool:
        """Whether the path is ``$key``: the key of the current item of a keyed mapping."""
        return self.steps == (Step("item_key"),)

    @property
    def has_each(self) -> bool:
        """Whether the path iterates a list (contains ``[]``)."""
        return any(s.kind == "each" for s in self.steps)


def parse_path(text: str) -> FieldPath:
    """Parse a path; raises :class:`PathSyntaxError` with the offset of the problem."""
    if text == "$":
        return FieldPath(text, True, ())
    if text == ITEM_KEY:
        return FieldPath(text, False, (Step("item_key"),))
    pos = 0
    from_root = False
    if text.startswith("$."):
        from_root = True
        pos = 2
    elif text.startswith("$"):
        raise PathSyntaxError('"$" must be followed by "." or stand alone', 1)
    steps: list[Step] = []
    expect_key = True
    if pos >= len(text):
        raise PathSyntaxError("empty path", pos)
    while pos < len(text):
        ch = text[pos]
        if ch == "[":
            if expect_key and steps:
                raise PathSyntaxError('unexpected "[" after "."', pos)
            close = text.find("]", pos)
            if close < 0:
                raise PathSyntaxError('unclosed "["', pos)
            inner = text[pos + 1 : close]
            if inner == "":
                steps.append(Step("each"))
            elif _INT.fullmatch(inner):
                steps.append(Step("index", index=int(inner)))
            elif "=" in inner:
                key, _, rest = inner.partition("=")
                if not _KEY.fullmatch(key):
                    raise PathSyntaxError(f'bad selector field "{key}"', pos + 1)
                values = rest.split("|")
                if not all(_VALUE.fullmatch(v) for v in values):
                    raise PathSyntaxError("empty selector value", pos + 1 + len(key) + 1)
                steps.append(Step("select", key=key, values=tuple(values)))
            else:
                raise PathSyntaxError(f'expected [N], [] or [field=value] but found "[{inner}]"', pos)
            pos = close + 1
            expect_key = False
        elif ch == ".":
            if expect_key:
                raise PathSyntaxError('unexpected "."', pos)
            pos += 1
            expect_key = True
            if pos >= len(text):
                raise PathSyntaxError('path ends with "."', pos - 1)
        else:
            if not expect_key:
                raise PathSyntaxError(f'expected "." or "[" before "{ch}"', pos)
            match = _KEY.match(text, pos)
            if match is None:
                raise PathSyntaxError(f'unexpected "{ch}"', pos)
            steps.append(Step("key", key=match.group(0)))
            pos = match.end()
            expect_key = False
    if sum(1 for s in steps if s.kind == "each") > 1:
        raise PathSyntaxError('at most one "[]" per path', text.find("[]", text.find("[]") + 1))
    return FieldPath(text, from_root, tuple(steps))

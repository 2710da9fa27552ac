"""Diagnostics: what went wrong in a spec, where, and what to do about it.

Every problem found while loading or validating a spec becomes a :class:`Diagnostic` carrying the file, the
1-based line and column of the offending YAML node, the dotted path of that node inside the document, a message
saying what was expected and what was found, and an optional hint. :class:`SpecError` carries all diagnostics of a
run at once; the CLI prints them and exits with code 2. No stage past the loader ever lets a traceback escape for a
malformed spec.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Diagnostic", "SpecError", "format_path", "describe_value", "suggest", "did_you_mean"]

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in a spec file, with its position (1-based line and column) and dotted path."""

    file: str
    line: int
    col: int
    path: str
    message: str
    hint: str = ""
    #: For a node of a shared fragment: where it was included from (``specs/bybit.yaml:9:5``, and for a fragment
    #: included by another fragment the chain, innermost first). Empty for a node of the spec itself.
    included_by: str = ""

    def __str__(self) -> str:
        location = f"{self.file}:{self.line}:{self.col}: "
        where = f"{self.path}: " if self.path else ""
        hint = f" ({self.hint})" if self.hint else ""
        included = f" [included by {self.included_by}]" if self.included_by else ""
        return f"{location}{where}{self.message}{hint}{included}"


class SpecError(Exception):
    """Raised when a spec cannot be turned into a model; carries every diagnostic found, sorted by position."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(sorted(set(diagnostics)))
        super().__init__(self.render())

    def render(self) -> str:
        """All diagnostics, one per line, in position order."""
        return "\n".join(str(d) for d in self.diagnostics)


def format_path(path: Sequence[str | int]) -> str:
    """Render a document path as ``a.b[2].c``; keys that are not plain names are quoted: ``rate_limits["/order"]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out


def describe_value(value: object, limit: int = 40) -> str:
    """A short description of a found value for messages: JSON for scalars, the kind for containers."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def suggest(value: object, options: Iterable[object]) -> str | None:
    """The option closest to ``value`` (case-insensitive match, then same letters, then difflib), or None."""
    if not isinstance(value, str) or not value:
        return None
    candidates = [str(o) for o in options]
    for cand in candidates:
        if cand.lower() == value.lower():
            return cand
    for cand in candidates:
        if sorted(cand.lower()) == sorted(value.lower()):
            return cand
    lowered = {c.lower(): c for c in candidates}
    close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.5)
    return lowered[close[0]] if close else None


def did_you_mean(value: object, options: Iterable[object]) -> str:
    """A hint ``did you mean "X"?`` when a close option exists, else an empty string."""
    best = suggest(value, options)
    return f'did you mean "{best}"?' if best is not None else ""

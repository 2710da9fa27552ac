"""The base of the semantic checks: :class:`CheckerBase` holds the document, the diagnostics found so far
and the helpers every check uses (report at a path, resolve a reference, check a mapping's kind, a field path, a
template's placeholders, a hook reference, example records); the tolerant accessors (:func:`_m`, :func:`_l`,
:func:`_s`) that never raise on a wrongly typed value; and what an example value must look like for its type.

The checks themselves are mixins over this base, one module per part of the spec (:mod:`hbgen.spec.rest_checks`,
:mod:`~hbgen.spec.auth_checks`, :mod:`~hbgen.spec.mapping_checks`, :mod:`~hbgen.spec.ws_checks`,
:mod:`~hbgen.spec.capabilities`), combined by :mod:`hbgen.spec.validate`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from hbgen.spec.errors import Diagnostic, describe_value, did_you_mean
from hbgen.spec.loader import LoadedDocument
from hbgen.spec.paths import ITEM_KEY, PathSyntaxError, parse_path
from hbgen.spec.vocabulary import (
    KIND_FIELDS,
    ORDER_STATES,
    PERPETUAL_KINDS,
    PLACEHOLDERS,
    PREDICATE_OPERATORS,
)

PathT = list[str | int]


_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


def _m(x: Any) -> dict[str, Any]:
    return x if isinstance(x, dict) else {}


def _l(x: Any) -> list[Any]:
    return x if isinstance(x, list) else []


def _s(x: Any) -> str | None:
    return x if isinstance(x, str) else None


def example_value_problem(value: Any, value_type: str) -> str | None:
    """What an ``example_parsed`` value of a field of type ``value_type`` should be, when it is not (else None).

    The generated tests write each value as a literal of the field's type (:func:`hbgen.codegen.target_literal`), so
    a value that literal cannot be made of is caught here, at its place in the spec, not as a crash in generation.
    """
    if value is None:
        return None
    numeric = isinstance(value, int | float | str) and not isinstance(value, bool)
    if value_type == "decimal":
        try:
            ok = numeric and Decimal(str(value)).is_finite()
        except ArithmeticError:
            ok = False
        return None if ok else "a finite decimal number"
    if value_type in ("int", "timestamp"):
        try:
            ok = numeric and math.isfinite(float(value)) and (value_type == "timestamp" or _is_integral(value))
        except (ValueError, OverflowError):
            ok = False
        return None if ok else ("an integer" if value_type == "int" else "a number of seconds")
    if value_type == "order_state":
        return None if value in ORDER_STATES else f"an OrderState name ({', '.join(ORDER_STATES)})"
    if value_type == "trade_side":
        return None if value in ("BUY", "SELL") else "BUY or SELL"
    if value_type == "bool":
        return None if isinstance(value, bool) or str(value).lower() in ("true", "false") else "true or false"
    return None


def _is_integral(value: int | float | str) -> bool:
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    return bool(re.fullmatch(r"[+-]?\d+", value.strip()))


class CheckerBase:
    """The document under check, its diagnostics, and the helpers the checks share."""

    def __init__(self, doc: LoadedDocument) -> None:
        self.doc = doc
        self.data: dict[str, Any] = _m(doc.data)
        self.out: list[Diagnostic] = []
        self.mappings = _m(self.data.get("mappings"))
        self.endpoints = _m(self.data.get("endpoints"))
        self.recipes = _m(_m(self.data.get("auth")).get("recipes"))
        self.hooks = _m(self.data.get("hooks"))
        self.hook_refs: dict[str, list[PathT]] = {}
        self.gaps: list[Diagnostic] = []  # the "missing capability" diagnostics (also in self.out)

    def err(self, path: Sequence[str | int], message: str, hint: str = "", *, key: bool = False) -> None:
        self.out.append(self.doc.diag(path, message, hint, key=key))

    def ref(self, path: PathT, name: Any, table: dict[str, Any], what: str) -> bool:
        """Check that ``name`` is a key of ``table``; report at ``path`` otherwise."""
        if not isinstance(name, str):
            return False
        if name in table:
            return True
        hint = did_you_mean(name, table) or (f"defined: {', '.join(table)}" if table else f"no {what} is defined")
        self.err(path, f'unknown {what} "{name}"', hint)
        return False

    @property
    def perpetual(self) -> bool:
        return self.data.get("type") == "perpetual"

    def mapping_kind(self, path: PathT, name: Any, allowed: Sequence[str], use: str) -> None:
        if not self.perpetual:
            allowed = [k for k in allowed if k not in PERPETUAL_KINDS]
        if not self.ref(path, name, self.mappings, "mapping"):
            return
        kind = _m(self.mappings[name]).get("kind")
        if isinstance(kind, str) and kind not in allowed:
            self.err(path, f'mapping "{name}" has kind {kind}, but {use} needs kind {" or ".join(allowed)}')

    def path(self, path: PathT, text: Any, *, item_key: bool = False) -> None:
        """A path must parse; ``$key`` only where ``item_key`` says (the fields of a keyed mapping)."""
        if not isinstance(text, str):
            return
        if text == ITEM_KEY and not item_key:
            self.err(path, '"$key" is the key of an item of a keyed mapping: only that mapping\'s fields read it')
            return
        try:
            parse_path(text)
        except PathSyntaxError as exc:
            self.err(path, f'invalid field path "{text}": {exc.message} (at character {exc.offset + 1})')

    def predicates(self, path: PathT, preds: Any) -> None:
        for i, pred in enumerate(_l(preds)):
            if not isinstance(pred, dict):
                continue
            self.path(path + [i, "field"], pred.get("field"))
            ops = [k for k in pred if k in PREDICATE_OPERATORS]
            if len(ops) != 1:
                got = ", ".join(ops) if ops else "none"
                self.err(path + [i], f"a predicate needs exactly one of {', '.join(PREDICATE_OPERATORS)}, got {got}")

    def template(self, path: PathT, value: Any, context: str) -> None:
        allowed = PLACEHOLDERS[context]
        if isinstance(value, str):
            for name in _PLACEHOLDER.findall(value):
                if name not in allowed:
                    hint = did_you_mean(name, allowed) or f"allowed here: {', '.join('${' + a + '}' for a in allowed)}"
                    self.err(path, f'unknown placeholder "${{{name}}}"', hint)
            stripped = _PLACEHOLDER.sub("", value)
            if "${" in stripped:
                self.err(path, 'unclosed placeholder "${"', 'write placeholders as "${name}"')
        elif isinstance(value, dict):
            for k, v in value.items():
                self.template(path + [k], v, context)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                self.template(path + [i], v, context)

    def hook_ref(self, path: PathT, name: Any, site: str) -> None:
        if not isinstance(name, str):
            return
        self.hook_refs.setdefault(name, []).append(path)
        if self.ref(path, name, self.hooks, "hook"):
            at = _m(self.hooks[name]).get("at")
            if isinstance(at, str) and at != site:
                self.err(path, f'hook "{name}" is declared at {at}, but is used here as {site}', f"set its at: {site}")

    def example_records(self, path: PathT, records: Any, mapping_name: Any) -> None:
        if not isinstance(mapping_name, str) or mapping_name not in self.mappings:
            return
        kind = _m(self.mappings[mapping_name]).get("kind")
        fields = KIND_FIELDS.get(kind, {}) if isinstance(kind, str) else {}
        for i, rec in enumerate(_l(records)):
            for key, value in _m(rec).items():
                if fields and key not in fields:
                    hint = did_you_mean(key, fields) or f"fields of kind {kind}: {', '.join(fields)}"
                    self.err(path + [i, key], f'"{key}" is not a field of mapping "{mapping_name}"', hint, key=True)
                elif key in fields and (expected := example_value_problem(value, fields[key][0])):
                    self.err(
                        path + [i, key],
                        f"expected {expected}, got {describe_value(value)}",
                        f"{key} is a {fields[key][0]} field of {kind} records",
                    )

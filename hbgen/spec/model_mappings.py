"""The model of ``symbols`` and ``mappings``: predicates, field expressions (paths, conversions, defaults) and
message mappings, with the envelope and the implicit per-item iteration of their paths resolved."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hbgen.spec.model_common import Scalar, _frozen
from hbgen.spec.paths import FieldPath, parse_path
from hbgen.spec.vocabulary import KIND_FIELDS


@dataclass(frozen=True)
class Predicate:
    """A test on one field: ``op`` is equals, not_equals, in, contains, any_contains or present."""

    field: FieldPath
    op: str
    value: Any


@dataclass(frozen=True)
class Symbols:
    """Exchange symbol <-> trading pair rules and the active-instrument predicates (all must hold)."""

    endpoint: str
    mapping: str
    separator: str
    case: str
    stream_case: str
    aliases: Mapping[str, str]
    active: tuple[Predicate, ...]
    #: How the websockets name a pair when not as REST does (a ${base}/${quote} template), or None.
    websocket: str | None = None


@dataclass(frozen=True)
class FieldExpr:
    """How one record field is read.

    ``op``: ``path`` (one path), ``sum``/``product``/``difference`` (difference = first minus the rest),
    ``first_nonempty`` (first present, non-empty path), ``negate`` (the value with its sign changed),
    ``step_of_decimals`` (10^-n for the count n at the path), ``value`` (``constant``) or ``cases`` (the value of
    the first of ``cases`` whose predicates hold, else ``default``). The operands of sum, product, difference and
    negate are ``paths`` when they are all paths, else ``operands`` (nested expressions, a path operand as a
    ``path`` expression). ``target`` is the field's target type (see vocabulary.TARGET_TYPES); ``value_type`` how
    the raw value is read (None for ``value`` and when ``map`` is used). ``map`` pairs raw value text
    (``true``/``false`` for booleans) with the final result. ``optional``: the path may be missing, giving
    ``default``. ``levels``: for levels given as objects, the paths of a level's price and amount.
    """

    name: str
    target: str
    op: str
    paths: tuple[FieldPath, ...]
    value_type: str | None
    map: tuple[tuple[str, Scalar], ...] | None
    optional: bool
    default: Scalar
    constant: Scalar
    operands: tuple[FieldExpr, ...] = ()
    levels: tuple[FieldPath, FieldPath] | None = None
    #: ``op`` ``cases``: (predicates, value) pairs, the first whose predicates hold gives the value, else ``default``.
    cases: tuple[tuple[tuple[Predicate, ...], Scalar], ...] = ()


@dataclass(frozen=True)
class MessageMapping:
    """How records of one kind are read. With ``each``, one record per item of that list, field paths relative to
    the item (``from_root`` paths start at the document); ``filter`` predicates on the item must all hold. A
    ``keyed`` mapping's ``each`` is an object: one record per value, its key read by the path ``$key``."""

    name: str
    kind: str
    each: FieldPath | None
    filter: tuple[Predicate, ...]
    fields: Mapping[str, FieldExpr]
    hook: str | None
    description: str
    keyed: bool = False


def _predicates(raw: Any) -> tuple[Predicate, ...]:
    out = []
    for p in raw or ():
        op = next(k for k in p if k != "field")
        value = tuple(p[op]) if op == "in" else p[op]
        out.append(Predicate(parse_path(p["field"]), op, value))
    return tuple(out)


def _opt_path(text: str | None) -> FieldPath | None:
    return None if text is None else parse_path(text)


def _envelope(text: str | None) -> FieldPath | None:
    """The envelope path; None for none or ``$`` (the whole reply)."""
    if text is None or text == "$":
        return None
    return parse_path(text)


def implicit_each(fields: Mapping[str, Any]) -> str | None:
    """The list prefix that ``[]`` field paths iterate (``B`` for ``B[].a``), or None when no path has ``[]``."""
    for text in _field_path_texts(fields):
        path = parse_path(text)
        if path.has_each:
            index = text.index("[]")
            return text[:index]
    return None


def _field_path_texts(fields: Mapping[str, Any]) -> list[str]:
    texts: list[str] = []
    for expr in fields.values():
        if isinstance(expr, str):
            texts.append(expr)
        elif isinstance(expr, dict):
            if isinstance(expr.get("path"), str):
                texts.append(expr["path"])
            for op in ("sum", "product", "difference", "first_nonempty"):
                for operand in expr.get(op, ()):
                    texts.extend(_field_path_texts({"_": operand}))
            if "negate" in expr:
                texts.extend(_field_path_texts({"_": expr["negate"]}))
            if isinstance(expr.get("step_of_decimals"), str):
                texts.append(expr["step_of_decimals"])
    return texts


def _rebase(path: FieldPath) -> FieldPath:
    """Turn a path written from the root of an implicitly iterated document into one relative to the item."""
    if path.has_each:
        index = next(i for i, s in enumerate(path.steps) if s.kind == "each")
        rest = path.steps[index + 1 :]
        text = path.text[path.text.index("[]") + 2 :].lstrip(".")
        return FieldPath(text, False, rest)  # no steps left: the item itself
    if path.from_root:
        return path
    return FieldPath("$." + path.text, True, path.steps)


def _field(name: str, raw: Any, target: str, timestamp_unit: str, rebase: bool) -> FieldExpr:
    def p(text: str) -> FieldPath:
        parsed = parse_path(text)
        return _rebase(parsed) if rebase else parsed

    default_type = {
        "decimal": "decimal",
        "int": "int",
        "str": "str",
        "bool": "bool",
        "timestamp": "iso8601" if timestamp_unit == "iso8601" else f"timestamp_{timestamp_unit}",
        "levels": "levels",
        "order_state": "order_state",
        "trade_side": "trade_side",
        "trading_pair": "symbol",
        "asset": "asset",
        "position_side": "position_side",
        "position_mode": "position_mode",
    }[target]
    if isinstance(raw, str):
        return FieldExpr(name, target, "path", (p(raw),), default_type, None, False, None, None)
    if "value" in raw and "path" not in raw:
        return FieldExpr(name, target, "value", (), None, None, False, None, raw["value"])
    if "step_of_decimals" in raw:
        return FieldExpr(
            name, target, "step_of_decimals", (p(raw["step_of_decimals"]),), "int", None, False, None, None
        )
    if "negate" in raw:
        operand = raw["negate"]
        if isinstance(operand, str):
            return FieldExpr(name, target, "negate", (p(operand),), default_type, None, False, None, None)
        inner = _field(name, operand, target, timestamp_unit, rebase)
        return FieldExpr(name, target, "negate", (), None, None, False, None, None, operands=(inner,))
    if "cases" in raw:
        cases = tuple((_predicates(case["when"]), case["value"]) for case in raw["cases"])
        return FieldExpr(name, target, "cases", (), None, None, False, raw.get("default"), None, cases=cases)
    for op in ("sum", "product", "difference", "first_nonempty"):
        if op in raw:
            vt = raw.get("type", default_type)
            if all(isinstance(t, str) for t in raw[op]):
                return FieldExpr(name, target, op, tuple(p(t) for t in raw[op]), vt, None, False, None, None)
            operands = tuple(
                _field(name, {"path": t, "type": vt} if isinstance(t, str) else t, target, timestamp_unit, rebase)
                for t in raw[op]
            )
            return FieldExpr(name, target, op, (), None, None, False, None, None, operands=operands)
    mapped = raw.get("map")
    levels = raw.get("levels")
    return FieldExpr(
        name=name,
        target=target,
        op="path",
        paths=(p(raw["path"]),),
        value_type=None if mapped is not None else raw.get("type", default_type),
        map=tuple(mapped.items()) if mapped is not None else None,
        optional=raw.get("optional", False),
        default=raw.get("default"),
        constant=None,
        levels=(parse_path(levels["price"]), parse_path(levels["amount"])) if levels is not None else None,
    )


def _mapping(name: str, raw: Mapping[str, Any], timestamp_unit: str) -> MessageMapping:
    kind = raw["kind"]
    fields_raw = raw.get("fields") or {}
    each_text = raw.get("each")
    rebase = False
    if each_text is None:
        implicit = implicit_each(fields_raw)
        if implicit is not None:
            each_text, rebase = implicit, True
    each = None
    if each_text is not None:
        each_path = parse_path(each_text)
        steps = each_path.steps
        if steps and steps[-1].kind == "each":  # "data[]" is the same as "data"
            steps = steps[:-1]
            each_path = FieldPath(each_text[:-2], each_path.from_root, steps)
        each = each_path
    targets = KIND_FIELDS[kind]
    fields = {
        fname: _field(fname, fraw, targets[fname][0], timestamp_unit, rebase) for fname, fraw in fields_raw.items()
    }
    return MessageMapping(
        name=name,
        kind=kind,
        each=each,
        filter=_predicates(raw.get("filter")),
        fields=_frozen(fields),
        hook=raw.get("hook"),
        description=raw.get("description", ""),
        keyed=bool(raw.get("keyed", False)),
    )

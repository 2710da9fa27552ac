"""Field paths, mappings and predicates compiled to plain Python expressions.

Everything returned here is Python *source* for the generated modules. Keys and literals go through
:func:`hbgen.render.filters.py`, so a spec value can never close its literal; variable names given by the caller
go through :func:`~hbgen.render.filters.ident`. The expressions use these names, which the generated module must
import (unused imports are removed by the formatter): ``Decimal``, ``datetime``, ``TradeType``, ``OrderState``
and ``CONSTANTS`` (the connector's constants module, for ``ORDER_STATE``, ``SIDE_FROM_WIRE`` and
``ASSET_ALIASES``).

Two access modes:

* strict (``item["p"]``): a missing key raises, which is what a required field should do;
* tolerant (``item.get("p")``, ``(item.get("a") or {}).get("b")``): a missing step gives ``None``. Used for
  optional fields, ``first_nonempty`` and every predicate (a predicate on a missing field is simply false).
"""

from __future__ import annotations

from collections.abc import Sequence

from hbgen.render.environment import RenderError
from hbgen.render.filters import ident, py
from hbgen.spec.model import FieldExpr, Predicate
from hbgen.spec.paths import FieldPath, Step

__all__ = [
    "comment_lines",
    "access",
    "field_expr",
    "convert",
    "predicate",
    "predicates",
    "record_type",
    "target_literal",
    "each_expr",
    "keyed_items_expr",
    "level_rows",
]

# ------------------------------------------------------------------------------------------------------ paths


def _base(path: FieldPath, var: str, root: str | None) -> str:
    return ident(root if (path.from_root and root is not None) else var)


def _strict_step(expr: str, step: Step, item: str) -> str:
    if step.kind == "key":
        return f"{expr}[{py(step.key)}]"
    if step.kind == "index":
        return f"{expr}[{step.index}]"
    if step.kind == "select":
        return f"next({item} for {item} in {expr} if {item}[{py(step.key)}] in {py(step.values)})"
    raise RenderError(f"unexpected path step {step.kind!r}")  # "each" is handled by the caller


def _tolerant_step(expr: str, step: Step, item: str, first: bool) -> str:
    # Every intermediate value may be None (a missing step): fall back to an empty container.
    if step.kind == "key":
        holder = expr if first else f"({expr} or {{}})"
        return f"{holder}.get({py(step.key)})"
    if step.kind == "index":
        stop = step.index + 1 or None
        sliced = f"({expr} or ())[{step.index}:{'' if stop is None else stop}]"
        return f"next(iter({sliced}), None)"
    if step.kind == "select":
        return f"next(({item} for {item} in ({expr} or ()) if {item}.get({py(step.key)}) in {py(step.values)}), None)"
    raise RenderError(f"unexpected path step {step.kind!r}")


def access(path: FieldPath, var: str, root: str | None = None, *, tolerant: bool = False, depth: int = 0) -> str:
    """Python expression reading ``path`` from ``var`` (``$.`` paths from ``root``, default ``var``).

    A path with ``[]`` becomes a list comprehension over the items (the rest of the path applied to each item).
    ``tolerant`` reads with ``.get`` so that a missing step gives None instead of raising.
    """
    if path.is_item_key:
        return ITEM_KEY_VAR  # the key of the current item of a keyed mapping (bound by the loop over its items)
    expr = _base(path, var, root)
    steps = path.steps
    item = f"x{depth}" if depth else "x"
    for position, step in enumerate(steps):
        if step.kind == "each":
            rest = FieldPath(path.text, False, steps[position + 1 :])
            inner = access(rest, f"e{depth}", tolerant=tolerant, depth=depth + 1)
            source = f"({expr} or ())" if tolerant else expr
            return f"[{inner} for e{depth} in {source}]"
        if tolerant:
            expr = _tolerant_step(expr, step, item, first=position == 0)
        else:
            expr = _strict_step(expr, step, item)
    return expr


def each_expr(path: FieldPath | None, var: str, keyed: bool = False) -> str:
    """The list a mapping's ``each`` iterates (``var`` itself for ``$``); for a keyed mapping the values of the
    object (see :func:`keyed_items_expr` for the keys too)."""
    expr = ident(var) if path is None or not path.steps else access(path, var, var)
    return f"{expr}.values()" if keyed else expr


def keyed_items_expr(path: FieldPath | None, var: str) -> str:
    """The (key, item) pairs of a keyed mapping's ``each`` object."""
    expr = ident(var) if path is None or not path.steps else access(path, var, var)
    return f"{expr}.items()"


#: The name the key of a keyed mapping's current item is bound to in generated loops.
ITEM_KEY_VAR = "key"


# ------------------------------------------------------------------------------------------------- conversions

_TIMESTAMP_DIVISORS = {
    "timestamp_ms": "1e3",
    "timestamp_us": "1e6",
}


def convert(raw: str, value_type: str | None, target: str) -> str:
    """Expression turning the raw JSON value ``raw`` (an expression) into the field's target type."""
    vt = value_type
    if vt is None:
        return raw
    if vt == "decimal":
        # Decimal(str(x)): exact for strings, ints and floats alike (Decimal(0.1) would keep the binary error).
        return f"Decimal(str({raw}))"
    if vt == "float":
        return f"Decimal(str({raw}))" if target == "decimal" else f"float({raw})"
    if vt == "int":
        return f"Decimal({raw})" if target == "decimal" else f"int({raw})"
    if vt == "str":
        return f"str({raw})"
    if vt == "bool":
        return f"bool({raw})"
    if vt == "timestamp_s":
        return f"float({raw})"
    if vt in _TIMESTAMP_DIVISORS:
        # float() is exact for ms and us epochs (< 2**53) and the division is correctly rounded.
        return f"float({raw}) / {_TIMESTAMP_DIVISORS[vt]}"
    if vt == "timestamp_ns":
        # Nanosecond epochs exceed 2**53: divide the integer (int / int true division is correctly rounded).
        return f"int({raw}) / 1_000_000_000"
    if vt == "iso8601":
        return f"datetime.fromisoformat({raw}).timestamp()"
    if vt == "levels":
        return f"[(Decimal(str(row[0])), Decimal(str(row[1]))) for row in {raw}]"
    if vt == "order_state":
        return f"CONSTANTS.ORDER_STATE[{raw}]"
    if vt == "trade_side":
        return f"CONSTANTS.SIDE_FROM_WIRE[{raw}]"
    if vt == "symbol":
        return f"str({raw})"
    if vt == "position_side":
        return f"PositionSide[str({raw})]"
    if vt == "position_mode":
        return f"PositionMode[str({raw})]"
    if vt == "asset":
        return f"CONSTANTS.client_asset({raw})"
    raise RenderError(f"unknown value type {vt!r}")


def target_literal(value: object, target: str) -> str:
    """A literal of the field's target type for a map result, a default or a constant."""
    if value is None:
        return "None"
    if target == "decimal":
        from decimal import Decimal

        return py(Decimal(str(value)))
    if target == "order_state":
        return f"OrderState.{ident(str(value))}"
    if target == "trade_side":
        return f"TradeType.{ident(str(value))}"
    if target == "position_side":
        return f"PositionSide.{ident(str(value))}"
    if target == "position_mode":
        return f"PositionMode.{ident(str(value))}"
    if target == "bool":
        if isinstance(value, bool):
            return repr(value)
        return repr(str(value).lower() == "true")
    if target in ("int", "timestamp"):
        if not isinstance(value, int | float | str):
            raise RenderError(f"expected a number for a field of type {target}, got {value!r}")
        return py(int(value)) if target == "int" else py(float(value))
    return py(str(value) if not isinstance(value, str) else value)


def _mapped(raw: str, table: Sequence[tuple[str, object]], target: str) -> str:
    keys = {k for k, _ in table}
    if keys <= {"true", "false"} and len(keys) == 2:
        # A JSON boolean: read it directly (``TradeType.SELL if m else TradeType.BUY``).
        values = dict(table)
        true_value, false_value = values["true"], values["false"]
        if target == "bool" and true_value is True and false_value is False:
            return f"bool({raw})"
        if target == "bool" and true_value is False and false_value is True:
            return f"not {raw}"
        return f"({target_literal(true_value, target)} if {raw} else {target_literal(false_value, target)})"
    items = ", ".join(f"{py(k)}: {target_literal(v, target)}" for k, v in table)
    return f"{{{items}}}[str({raw})]"


def field_expr(expr: FieldExpr, var: str, root: str | None = None) -> str:
    """The Python expression computing one record field from the item ``var`` (``$.`` paths from ``root``)."""
    target = expr.target
    if expr.op == "value":
        return target_literal(expr.constant, target)
    if expr.op == "cases":
        chain = target_literal(expr.default, target)
        for preds, value in reversed(expr.cases):
            chain = f"{target_literal(value, target)} if {predicates(preds, var, root)} else {chain}"
        return f"({chain})"
    if expr.op == "first_nonempty":
        raws = [access(p, var, root, tolerant=True) for p in expr.paths]
        return convert(" or ".join(raws), expr.value_type, target)
    if expr.op in ("sum", "product", "difference"):
        symbol = {"sum": " + ", "product": " * ", "difference": " - "}[expr.op]
        if expr.operands:
            terms = [field_expr(operand, var, root) for operand in expr.operands]
        else:
            terms = [convert(access(p, var, root), expr.value_type, target) for p in expr.paths]
        return "(" + symbol.join(terms) + ")"
    if expr.op == "negate":
        if expr.operands:
            return f"-{field_expr(expr.operands[0], var, root)}"
        return f"-{convert(access(expr.paths[0], var, root), expr.value_type, target)}"
    if expr.op == "step_of_decimals":
        # 10^-n, exact: Decimal(1).scaleb(-2) is Decimal("0.01").
        return f"Decimal(1).scaleb(-int({access(expr.paths[0], var, root)}))"
    path = expr.paths[0]
    if expr.optional:
        raw = access(path, var, root, tolerant=True)
        name = "raw_" + ident(expr.name)
        value = _mapped(name, expr.map, target) if expr.map is not None else _converted(expr, name)
        return f"({value} if ({name} := {raw}) is not None else {target_literal(expr.default, target)})"
    raw = access(path, var, root)
    if expr.map is not None:
        return _mapped(raw, expr.map, target)
    return _converted(expr, raw)


def _converted(expr: FieldExpr, raw: str) -> str:
    """``raw`` converted to the field's target: price levels given as objects read through their paths."""
    if expr.levels is not None and expr.value_type == "levels":
        price, amount = (access(p, "row") for p in expr.levels)
        return f"[(Decimal(str({price})), Decimal(str({amount}))) for row in {raw}]"
    return convert(raw, expr.value_type, expr.target)


def level_rows(expr: FieldExpr, var: str, root: str | None = None) -> str:
    """The levels of a book field as rows ``[price, amount, ...]`` for the order book (values as sent): the raw list
    itself for array levels, ``(price, amount)`` pairs read through the paths for levels given as objects."""
    raw = access(expr.paths[0], var, root)
    if expr.levels is None:
        return raw
    price, amount = (access(p, "row") for p in expr.levels)
    return f"[({price}, {amount}) for row in {raw}]"


# ------------------------------------------------------------------------------------------------ record types

_TYPES = {
    "decimal": "Decimal",
    "int": "int",
    "str": "str",
    "bool": "bool",
    "timestamp": "float",
    "levels": "list[tuple[Decimal, Decimal]]",
    "order_state": "OrderState",
    "trade_side": "TradeType",
    "trading_pair": "str",
    "asset": "str",
    "position_side": "PositionSide",
    "position_mode": "PositionMode",
}


def record_type(target: str, expr: FieldExpr | None = None, required: bool = False) -> str:
    """Annotation of a record field: the target type, ``| None`` when the field may be absent.

    ``expr`` is the field's mapping expression; without one (a field a parse hook fills), ``required`` says whether
    the record kind requires the field.
    """
    base = _TYPES[target]
    if expr is None and required:
        return base
    if expr is None or (expr.optional and expr.default is None):
        return f"{base} | None"
    return base


# -------------------------------------------------------------------------------------------------- predicates


def _present(path: FieldPath, var: str, root: str | None) -> str:
    if not path.steps:
        return f"{_base(path, var, root)} is not None"
    last = path.steps[-1]
    if last.kind == "key":
        parent = FieldPath(path.text, path.from_root, path.steps[:-1])
        holder = access(parent, var, root, tolerant=True) if parent.steps else _base(path, var, root)
        if parent.steps:
            holder = f"({holder} or {{}})"
        return f"{py(last.key)} in {holder}"
    return f"{access(path, var, root, tolerant=True)} is not None"


_EMPTY = '(None, "", [], {})'


def _literal_compare(left: str, op: str, value: object) -> str:
    if value is None or isinstance(value, bool):
        return f"{left} {'is' if op == '==' else 'is not'} {py(value)}"
    return f"{left} {op} {py(value)}"


def predicate(pred: Predicate, var: str, root: str | None = None) -> str:
    """A boolean expression: ``pred`` holds for ``var``. Missing fields make it false (``not_equals`` and
    ``empty``: true)."""
    field = pred.field
    if pred.op == "present":
        expr = _present(field, var, root)
        return expr if pred.value else f"not ({expr})"
    value = access(field, var, root, tolerant=True)
    if pred.op == "equals":
        return _literal_compare(value, "==", pred.value)
    if pred.op == "not_equals":
        return _literal_compare(value, "!=", pred.value)
    if pred.op == "in":
        return f"{value} in {py(tuple(pred.value))}"
    if pred.op == "contains":
        return f"{py(pred.value)} in ({value} or ())"
    if pred.op == "any_contains":
        return f"any({py(pred.value)} in x for x in ({value} or ()))"
    if pred.op == "empty":
        # Missing, null, "", [] and {} are empty (0 and false are values, not emptiness).
        return f"{value} in {_EMPTY}" if pred.value else f"{value} not in {_EMPTY}"
    raise RenderError(f"unknown predicate operator {pred.op!r}")


def predicates(preds: Sequence[Predicate], var: str, root: str | None = None) -> str:
    """All predicates hold (``True`` when there are none)."""
    if not preds:
        return "True"
    # No predicate compiles to a top-level "or" (negations are parenthesised), so "and" needs no parentheses.
    return " and ".join(predicate(p, var, root) for p in preds)


def comment_lines(text: object, width: int = 100) -> list[str]:
    """Text flattened (no control characters) and wrapped into lines for ``# `` comments."""
    import textwrap

    from hbgen.render.filters import comment

    return textwrap.wrap(comment(text), width=width, break_on_hyphens=False) or [""]

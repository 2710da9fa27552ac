"""The code generator core: compiled mappings and predicates agree with an independent reference evaluation.

Every mapping of every spec is compiled and evaluated on its example payloads; a small reference evaluator written
here (walking the parsed path steps) computes the same fields independently. Random field expressions built from
the paths present in the examples are checked the same way, and hostile keys and values stay inert.
"""

from __future__ import annotations

import random
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hbrt.data_type.common import TradeType
from hbrt.data_type.in_flight_order import OrderState

from hbgen.codegen import access, each_expr, field_expr, message_expr, predicate, predicates, string_expr
from hbgen.render import RenderError
from hbgen.spec import load_spec
from hbgen.spec.model import FieldExpr, Predicate
from hbgen.spec.paths import FieldPath, Step, parse_path

ROOT = Path(__file__).resolve().parents[2]
SPECS = [ROOT / "specs" / "binance.yaml", *sorted((ROOT / "specs" / "examples").glob("*.yaml"))]

MISSING = object()

# ------------------------------------------------------------------------------------------- reference evaluator


def ref_path(path: FieldPath, item: Any, root: Any) -> Any:
    value = root if path.from_root else item
    steps = list(path.steps)
    for i, step in enumerate(steps):
        if value is MISSING or value is None:
            return MISSING
        if step.kind == "key":
            value = value.get(step.key, MISSING) if isinstance(value, dict) else MISSING
        elif step.kind == "index":
            value = value[step.index] if isinstance(value, list) and -len(value) <= step.index < len(value) else MISSING
        elif step.kind == "select":
            value = next((x for x in value if x.get(step.key) in step.values), MISSING)
        else:  # each
            rest = FieldPath("", False, tuple(steps[i + 1 :]))
            return [ref_path(rest, x, root) for x in value]
    return value


def ref_convert(raw: Any, value_type: str | None, target: str, spec: Any) -> Any:
    if value_type in ("decimal", "float"):
        return Decimal(str(raw)) if target == "decimal" else float(raw)
    if value_type == "int":
        return Decimal(raw) if target == "decimal" else int(raw)
    if value_type == "str":
        return str(raw)
    if value_type == "bool":
        return bool(raw)
    if value_type == "timestamp_s":
        return float(raw)
    if value_type in ("timestamp_ms", "timestamp_us", "timestamp_ns"):
        return int(raw) / {"timestamp_ms": 1000, "timestamp_us": 10**6, "timestamp_ns": 10**9}[value_type]
    if value_type == "iso8601":
        return datetime.fromisoformat(raw).timestamp()
    if value_type == "levels":
        return [(Decimal(str(p)), Decimal(str(a))) for p, a, *_ in raw]
    if value_type == "order_state":
        return OrderState[spec.order_states[raw]]
    if value_type == "trade_side":
        sides = {wire: TradeType[hb] for hb, wire in (spec.orders.sides if spec.orders else {}).items()}
        return sides[raw]
    if value_type == "symbol":
        return str(raw)
    if value_type == "asset":
        return spec.symbols.aliases.get(raw, raw) if spec.symbols else raw
    raise AssertionError(value_type)


def ref_literal(value: Any, target: str) -> Any:
    if value is None:
        return None
    return {
        "decimal": lambda v: Decimal(str(v)),
        "order_state": lambda v: OrderState[v],
        "trade_side": lambda v: TradeType[v],
        "bool": lambda v: v if isinstance(v, bool) else str(v).lower() == "true",
        "int": int,
        "timestamp": float,
    }.get(target, str)(value)


def ref_field(expr: FieldExpr, item: Any, root: Any, spec: Any) -> Any:
    if expr.op == "value":
        return ref_literal(expr.constant, expr.target)
    if expr.op == "first_nonempty":
        raws = [ref_path(p, item, root) for p in expr.paths]
        raw = next((r for r in raws if r not in (MISSING, None, "")), None)
        return ref_convert(raw, expr.value_type, expr.target, spec)
    if expr.op in ("sum", "product", "difference"):
        values = [ref_convert(ref_path(p, item, root), expr.value_type, expr.target, spec) for p in expr.paths]
        result = values[0]
        for v in values[1:]:
            result = result + v if expr.op == "sum" else result * v if expr.op == "product" else result - v
        return result
    raw = ref_path(expr.paths[0], item, root)
    if raw is MISSING:
        if expr.optional:
            return ref_literal(expr.default, expr.target)
        raise KeyError(expr.paths[0].text)
    if expr.map is not None:
        key = ("true" if raw else "false") if isinstance(raw, bool) else str(raw)
        return ref_literal(dict(expr.map)[key], expr.target)
    return ref_convert(raw, expr.value_type, expr.target, spec)


def ref_predicate(pred: Predicate, item: Any, root: Any) -> bool:
    if pred.op == "present":
        path = pred.field
        if path.steps and path.steps[-1].kind == "key":
            parent = ref_path(FieldPath("", path.from_root, path.steps[:-1]), item, root)
            present = isinstance(parent, dict) and path.steps[-1].key in parent
        else:
            present = ref_path(path, item, root) not in (MISSING, None)
        return present == bool(pred.value)
    value = ref_path(pred.field, item, root)
    value = None if value is MISSING else value
    if pred.op == "equals":
        return (
            value == pred.value and type(value) is type(pred.value)
            if isinstance(pred.value, bool)
            else value == pred.value
        )
    if pred.op == "not_equals":
        return not (value is pred.value if isinstance(pred.value, bool) or pred.value is None else value == pred.value)
    if pred.op == "in":
        return value in pred.value
    if pred.op == "contains":
        return pred.value in (value or ())
    if pred.op == "any_contains":
        return any(pred.value in x for x in (value or ()))
    raise AssertionError(pred.op)


# ------------------------------------------------------------------------------------------- compiled evaluation


def constants_for(spec: Any) -> SimpleNamespace:
    aliases = dict(spec.symbols.aliases) if spec.symbols else {}
    sides = {wire: TradeType[hb] for hb, wire in (spec.orders.sides if spec.orders else {}).items()}
    return SimpleNamespace(
        ORDER_STATE={k: OrderState[v] for k, v in spec.order_states.items()},
        SIDE_FROM_WIRE=sides,
        client_asset=lambda asset: aliases.get(asset, asset),
    )


def compiled(expression: str, spec: Any, **variables: Any) -> Any:
    namespace = {
        "Decimal": Decimal,
        "datetime": datetime,
        "TradeType": TradeType,
        "OrderState": OrderState,
        "CONSTANTS": constants_for(spec),
        **variables,
    }
    code = compile(expression, "<compiled>", "eval")
    builtins = {"str": str, "int": int, "float": float, "bool": bool, "next": next, "iter": iter, "any": any}
    return eval(code, {"__builtins__": builtins, **namespace})  # noqa: S307


def mapping_cases() -> list[tuple[Any, Any, Any]]:
    """(spec, mapping, example payload) for every mapping with an example anywhere in the spec."""
    cases = []
    for spec_path in SPECS:
        spec = load_spec(spec_path)
        for endpoint in spec.endpoints.values():
            if endpoint.mapping and endpoint.example_response is not None:
                reply = endpoint.example_response
                if endpoint.envelope is not None:  # mappings read the result inside the reply, as the connector does
                    reply = ref_path(endpoint.envelope, reply, reply)
                cases.append((spec, spec.mappings[endpoint.mapping], reply))
        if spec.ws.public:
            for channel in spec.ws.public.channels.values():
                if channel.example is not None:
                    cases.append((spec, spec.mappings[channel.mapping], channel.example))
        if spec.ws.private:
            envelope = spec.ws.private.envelope
            for event in spec.ws.private.events.values():
                if event.example is None:
                    continue
                message = event.example
                if envelope is not None:
                    message = ref_path(envelope, message, message)
                for name in event.mappings:
                    cases.append((spec, spec.mappings[name], message))
    return [c for c in cases if c[1].hook is None]


CASES = mapping_cases()


def test_there_are_many_cases() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize(("spec", "mapping", "message"), CASES, ids=[f"{c[0].name}-{c[1].name}" for c in CASES])
def test_compiled_mapping_equals_reference(spec: Any, mapping: Any, message: Any) -> None:
    items = compiled(each_expr(mapping.each, "message"), spec, message=message)
    if mapping.each is None:
        items = [items]
    ref_items = [message] if mapping.each is None else ref_path(mapping.each, message, message)
    assert items == ref_items
    checked = 0
    for item in items:
        keep = compiled(predicates(mapping.filter, "item", "message"), spec, item=item, message=message)
        assert keep == all(ref_predicate(p, item, message) for p in mapping.filter)
        if not keep:
            continue
        for expr in mapping.fields.values():
            got = compiled(field_expr(expr, "item", "message"), spec, item=item, message=message)
            assert got == ref_field(expr, item, message, spec), expr.name
            assert type(got) is type(ref_field(expr, item, message, spec))
            checked += 1
    assert checked or mapping.filter


# --------------------------------------------------------------------------------------------- random expressions


def leaf_paths(value: Any, steps: tuple[Step, ...] = ()) -> list[tuple[tuple[Step, ...], Any]]:
    """Every (path steps, value) of a payload, with selectors for lists of dicts keyed by a string field."""
    out: list[tuple[tuple[Step, ...], Any]] = [(steps, value)] if steps else []
    if isinstance(value, dict):
        for key, child in value.items():
            if "." in key or "[" in key or "]" in key or "=" in key or "|" in key:
                continue
            out.extend(leaf_paths(child, (*steps, Step("key", key=key))))
    elif isinstance(value, list):
        for index, child in enumerate(value[:3]):
            out.extend(leaf_paths(child, (*steps, Step("index", index=index))))
            if index == len(value) - 1:
                out.extend(leaf_paths(child, (*steps, Step("index", index=-1))))
        dicts = [v for v in value if isinstance(v, dict)]
        if dicts and len(dicts) == len(value):
            for key, first in dicts[0].items():
                if isinstance(first, str) and all(isinstance(d.get(key), str) for d in dicts) and "|" not in first:
                    out.extend(leaf_paths(dicts[0], (*steps, Step("select", key=key, values=(first,)))))
    return out


def all_payloads() -> list[tuple[Any, Any]]:
    return [(spec, message) for spec, _, message in CASES]


@pytest.mark.parametrize("seed", range(40))
def test_random_expressions_match_reference(seed: int) -> None:
    rng = random.Random(seed)
    spec, message = rng.choice(all_payloads())
    leaves = leaf_paths(message)
    if not leaves:
        pytest.skip("payload without fields")
    for _ in range(60):
        steps, value = rng.choice(leaves)
        path = FieldPath("generated", False, steps)
        # strict and tolerant access agree with the reference on present paths
        assert compiled(access(path, "message"), spec, message=message) == value
        assert compiled(access(path, "message", tolerant=True), spec, message=message) == value
        numeric = isinstance(value, int | float | str) and not isinstance(value, bool)
        if numeric and _decimal_ok(value):
            expr = FieldExpr("f", "decimal", "path", (path,), "decimal", None, False, None, None)
            assert compiled(field_expr(expr, "message"), spec, message=message) == ref_field(
                expr, message, message, spec
            )
            twice = FieldExpr(
                "f",
                "decimal",
                rng.choice(["sum", "product", "difference"]),
                (path, path),
                "decimal",
                None,
                False,
                None,
                None,
            )
            assert compiled(field_expr(twice, "message"), spec, message=message) == ref_field(
                twice, message, message, spec
            )
        if isinstance(value, int | str) and not isinstance(value, bool):
            expr = FieldExpr("f", "str", "path", (path,), "str", None, False, None, None)
            assert compiled(field_expr(expr, "message"), spec, message=message) == str(value)
        for op, pred_value in (("equals", value), ("not_equals", value), ("present", True), ("present", False)):
            if isinstance(pred_value, dict | list):
                continue
            pred = Predicate(path, op, pred_value)
            assert compiled(predicate(pred, "message"), spec, message=message) == ref_predicate(pred, message, message)
        # a missing key: tolerant access gives None, optional fields their default, predicates are false
        missing = FieldPath("missing", False, (*steps[:-1], Step("key", key="no such key")))
        parent = ref_path(FieldPath("", False, steps[:-1]), message, message)
        if all(s.kind == "key" for s in missing.steps) and isinstance(parent, dict):
            assert compiled(access(missing, "message", tolerant=True), spec, message=message) is None
            opt = FieldExpr("f", "decimal", "path", (missing,), "decimal", None, True, "0", None)
            assert compiled(field_expr(opt, "message"), spec, message=message) == Decimal("0")
            assert compiled(predicate(Predicate(missing, "equals", "x"), "message"), spec, message=message) is False


def _decimal_ok(value: Any) -> bool:
    try:
        Decimal(str(value))
    except ArithmeticError:
        return False
    return not isinstance(value, str) or Decimal(value).is_finite()


def test_timestamps_are_exact() -> None:
    spec = load_spec(SPECS[0])
    for value_type, raw, expected in (
        ("timestamp_ms", 1507725176595, 1507725176.595),
        ("timestamp_ms", "1499865549590", 1499865549.59),
        ("timestamp_us", 1507725176595123, 1507725176.595123),
        ("timestamp_ns", "1507725176595123456", 1507725176.5951235),
        ("timestamp_s", "1541993715", 1541993715.0),
        ("iso8601", "2020-12-08T09:08:57.715Z", 1607418537.715),
    ):
        expr = FieldExpr("t", "timestamp", "path", (parse_path("t"),), value_type, None, False, None, None)
        assert compiled(field_expr(expr, "m"), spec, m={"t": raw}) == expected


def test_decimal_from_float_is_its_text() -> None:
    spec = load_spec(SPECS[0])
    expr = FieldExpr("p", "decimal", "path", (parse_path("p"),), "float", None, False, None, None)
    assert compiled(field_expr(expr, "m"), spec, m={"p": 0.1}) == Decimal("0.1")


# ------------------------------------------------------------------------------------------------- hostile input

HOSTILE = [
    '"]; __import__("os").system("echo pwned"); x = ["',
    "'''\n__import__('os')\n'''",
    '"""',
    "{{ 7*7 }}{% raw %}",
    "\\",
    "a\nb\r\u2028c",
    "${id}",
    "x'); import os; ('",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_keys_and_values_stay_inert(text: str) -> None:
    spec = load_spec(SPECS[0])
    key = text.replace(".", "").replace("[", "").replace("]", "").replace("=", "").replace("|", "") or "k"
    path = FieldPath(
        "hostile", False, (Step("key", key=key), Step("select", key=key, values=(text,)), Step("key", key=key))
    )
    message = {key: [{key: "other"}, {key: text}]}
    expr = FieldExpr("f", "str", "path", (path,), "str", None, False, None, None)
    assert compiled(field_expr(expr, "message"), spec, message=message) == text
    assert compiled(predicate(Predicate(path, "equals", text), "message"), spec, message=message) is True
    assert compiled(predicate(Predicate(path, "in", (text, "x")), "message"), spec, message=message) is True
    mapped = FieldExpr("f", "str", "path", (path,), None, ((text, text + "!"),), False, None, None)
    assert compiled(field_expr(mapped, "message"), spec, message=message) == text + "!"
    if "${" in text:  # a placeholder in a template is a placeholder, not text (validated by the spec checks)
        return
    template = {text: [text, "${value}", f"pre{text}${{value}}"]}
    built = compiled(message_expr(template, {"value": "value"}), spec, value=5)
    assert built == {text: [text, 5, f"pre{text}5"]}


def test_bad_variable_names_and_placeholders_are_rejected() -> None:
    with pytest.raises(RenderError):
        access(parse_path("a"), "x; import os")
    with pytest.raises(RenderError):
        string_expr("${nope}", {"id": "request_id"})

"""Semantic checks of ``symbols`` and ``mappings``: each mapping's kind and fields, field paths and expressions,
and the types their results are converted to."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hbgen.spec.checker import _PLACEHOLDER, CheckerBase, PathT, _l, _m
from hbgen.spec.errors import did_you_mean
from hbgen.spec.perpetual_checks import POSITION_MODES
from hbgen.spec.vocabulary import (
    KEYED_KINDS,
    KIND_FIELDS,
    ORDER_STATES,
    PERPETUAL_KINDS,
    VALUE_TYPES_FOR_TARGET,
)

#: The field forms that read one path as it is, where a keyed mapping's ``$key`` may stand.
_KEY_OPERANDS = ("path", "first_nonempty")


class MappingChecks(CheckerBase):
    """The checks of ``symbols`` and ``mappings``."""

    def symbols(self) -> None:
        sym = _m(self.data.get("symbols"))
        if not sym:
            return
        self.ref(["symbols", "endpoint"], sym.get("endpoint"), self.endpoints, "endpoint")
        self.mapping_kind(["symbols", "mapping"], sym.get("mapping"), ("instrument",), "symbols")
        self.predicates(["symbols", "active"], sym.get("active"))
        websocket = sym.get("websocket")
        self.template(["symbols", "websocket"], websocket, "websocket_symbol")
        named = set(_PLACEHOLDER.findall(websocket)) if isinstance(websocket, str) else set()
        if isinstance(websocket, str) and not ({"base", "exchange_base", "symbol"} & named):
            self.err(["symbols", "websocket"], "the websocket name of a pair must name its base (or its symbol)")

    def mappings_check(self) -> None:
        for name, mapping in self.mappings.items():
            mapping = _m(mapping)
            base: PathT = ["mappings", name]
            kind = mapping.get("kind")
            targets = KIND_FIELDS.get(kind, {}) if isinstance(kind, str) else {}
            if kind in PERPETUAL_KINDS and self.data.get("type") == "spot":
                self.err(base + ["kind"], f"mapping kind {kind} applies only to type perpetual")
            self.path(base + ["each"], mapping.get("each"))
            keyed = mapping.get("keyed") is True
            if keyed and "each" not in mapping:
                self.err(base + ["keyed"], "a keyed mapping needs each: the path of the object whose values it reads")
            if keyed and kind not in KEYED_KINDS:
                self.err(
                    base + ["keyed"],
                    f"mappings of kind {kind} cannot be keyed",
                    f"keyed mappings read REST results: {', '.join(KEYED_KINDS)}",
                )
            self.predicates(base + ["filter"], mapping.get("filter"))
            if "hook" in mapping:
                self.hook_ref(base + ["hook"], mapping["hook"], "mapping.parse")
                if kind in ("order_book_snapshot", "order_book_diff"):
                    # The order book template builds its messages from these fields directly; a parse hook here
                    # would never be called.
                    self.err(
                        base + ["hook"],
                        f"mappings of kind {kind} cannot be parsed by a hook: the order book reads their fields",
                        "map the fields (each/paths); put custom book logic in order_book.integrity.checksum.hook",
                        key=True,
                    )
            fields = _m(mapping.get("fields"))
            each_prefixes: set[str] = set()
            for fname, expr in fields.items():
                fpath = base + ["fields", fname]
                target = targets.get(fname, (None,))[0]
                for sub, text in self._expr_paths(expr):
                    self.path(fpath + sub, text, item_key=keyed and (not sub or sub[0] in _KEY_OPERANDS))
                    if isinstance(text, str) and "[]" in text:
                        if "each" in mapping:
                            self.err(
                                fpath + sub,
                                '"[]" in a field path cannot be combined with each',
                                "write the path relative to the item",
                            )
                        each_prefixes.add(text[: text.index("[]")])
                if target is not None:
                    self.field_types(fpath, expr, target)
            if len(each_prefixes) > 1:
                listed = ", ".join(sorted(p + "[]" for p in each_prefixes))
                self.err(
                    base + ["fields"], f"field paths iterate different lists ({listed})", "a mapping iterates one list"
                )
            if kind == "order_update" and fields and not ({"client_order_id", "exchange_order_id"} & set(fields)):
                self.err(base + ["fields"], "an order_update needs client_order_id or exchange_order_id")

    def _expr_paths(self, expr: Any) -> Iterable[tuple[PathT, Any]]:
        if isinstance(expr, str):
            yield [], expr
        elif isinstance(expr, dict):
            if "path" in expr:
                yield ["path"], expr["path"]
            for op in ("sum", "product", "difference", "first_nonempty"):
                for i, operand in enumerate(_l(expr.get(op))):
                    for sub, text in self._expr_paths(operand):
                        yield [op, i, *sub], text
            if "negate" in expr:
                for sub, text in self._expr_paths(expr["negate"]):
                    yield ["negate", *sub], text
            if "step_of_decimals" in expr:
                yield ["step_of_decimals"], expr["step_of_decimals"]
            for key in ("price", "amount"):
                if key in _m(expr.get("levels")):
                    yield ["levels", key], _m(expr.get("levels"))[key]
            for i, case in enumerate(_l(expr.get("cases"))):
                for j, predicate in enumerate(_l(_m(case).get("when"))):
                    yield ["cases", i, "when", j, "field"], _m(predicate).get("field")

    def field_types(self, path: PathT, expr: Any, target: str) -> None:
        if not isinstance(expr, dict):
            return
        allowed = VALUE_TYPES_FOR_TARGET[target]
        vtype = expr.get("type")
        known = {t for types in VALUE_TYPES_FOR_TARGET.values() for t in types}
        if isinstance(vtype, str) and vtype in known and vtype not in allowed:
            self.err(path + ["type"], f"type {vtype} cannot produce a {target} field (allowed: {', '.join(allowed)})")
        numeric = ("sum", "product", "difference", "negate", "step_of_decimals")
        if any(op in expr for op in numeric) and target not in ("decimal", "int"):
            used = next(op for op in numeric if op in expr)
            self.err(path, f"{used} gives a number, but the field is a {target}")
        if "levels" in expr and target != "levels":
            self.err(path + ["levels"], f"levels describes price levels, but the field is a {target}", key=True)
        if "map" in expr and "type" in expr:
            self.err(path + ["type"], "type does not apply with map: map values are the final results")
        for raw, result in _m(expr.get("map")).items():
            self.result_value(path + ["map", raw], result, target)
        if "value" in expr and "path" not in expr:
            self.result_value(path + ["value"], expr["value"], target)
        if "cases" in expr:
            for i, case in enumerate(_l(expr["cases"])):
                if "value" in _m(case):
                    self.result_value(path + ["cases", i, "value"], _m(case)["value"], target)
            if "default" in expr:
                self.result_value(path + ["default"], expr["default"], target)

    def result_value(self, path: PathT, value: Any, target: str) -> None:
        if target == "order_state":
            if value not in ORDER_STATES:
                self.err(path, f"expected an OrderState name, got {value!r}", did_you_mean(value, ORDER_STATES))
        elif target == "trade_side":
            if value not in ("BUY", "SELL"):
                self.err(path, f"expected BUY or SELL, got {value!r}", did_you_mean(value, ("BUY", "SELL")))
        elif target == "bool":
            if not isinstance(value, bool):
                self.err(path, f"expected true or false, got {value!r}")
        elif target in ("position_side", "position_mode"):
            names = ("LONG", "SHORT", "BOTH") if target == "position_side" else POSITION_MODES
            if value not in names:
                self.err(path, f"expected one of {', '.join(names)}, got {value!r}", did_you_mean(value, names))

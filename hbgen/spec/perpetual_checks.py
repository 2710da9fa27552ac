"""Semantic checks of the ``perpetual`` section and the perpetual endpoints (type perpetual only).

What the JSON Schema cannot say: the endpoints that switch the mode and set the leverage actually send the mode and
the leverage; every supported mode has a wire value; the rules of ``order_params`` and the ``success`` and
``unchanged`` entries refer to things that exist; funding payments can be told apart by pair. Run by
:mod:`hbgen.spec.validate` with its checker (the same tolerant accessors and diagnostics).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hbgen.spec.checker import PathT, _l, _m

if TYPE_CHECKING:  # the checker imports this module
    from hbgen.spec.validate import _Checker

#: The position modes the runtime knows (``PositionMode``).
POSITION_MODES = ("ONEWAY", "HEDGE")


def _inputs(endpoint: Any) -> set[str]:
    """The connector inputs an endpoint's parameters read."""
    found = set()
    for param in _m(_m(endpoint).get("params")).values():
        source = param if isinstance(param, str) else _m(param).get("from")
        if isinstance(source, str):
            found.add(source)
    return found


def perpetual_checks(checker: _Checker) -> None:
    """Report every problem of a perpetual spec's perpetual facts (nothing for other types)."""
    data = checker.data
    perp = _m(data.get("perpetual"))
    if data.get("type") != "perpetual" or not perp:
        return
    endpoints = checker.endpoints
    modes = [m for m in _l(perp.get("position_modes")) if isinstance(m, str)]
    base: PathT = ["perpetual"]
    _position_mode(checker, perp, modes, endpoints, base)
    if "set_leverage" in endpoints and "leverage" not in _inputs(endpoints["set_leverage"]):
        checker.err(
            ["endpoints", "set_leverage", "params"]
            if "params" in _m(endpoints["set_leverage"])
            else ["endpoints", "set_leverage"],
            "set_leverage must send the leverage: no parameter reads the input leverage",
            "add a parameter such as leverage: leverage",
        )
    rules = _l(perp.get("order_params"))
    if rules and "create_order" not in endpoints:
        checker.err(
            base + ["order_params"],
            "order_params add create_order parameters, but there is no create_order endpoint",
            key=True,
        )
    for i, rule in enumerate(rules):
        mode = _m(rule).get("position_mode")
        if isinstance(mode, str) and mode not in modes:
            checker.err(
                base + ["order_params", i, "position_mode"],
                f"a rule for position mode {mode}, which position_modes does not list: it would never apply",
            )
    for section in ("success", "unchanged"):
        for role, rules_of_role in _m(perp.get(section)).items():
            path = base + [section, role]
            if role not in endpoints:
                checker.err(path, f"there is no {role} endpoint to judge", key=True)
            if section == "success":
                checker.predicates(path, rules_of_role)
    payments = _m(endpoints.get("funding_payments"))
    if payments:
        name = payments.get("mapping")
        mapping = _m(checker.mappings.get(name)) if isinstance(name, str) else {}
        by_symbol = bool({"symbol", "trading_pair"} & _inputs(payments)) or "symbol" in _m(mapping.get("fields"))
        if mapping and "hook" not in mapping and not by_symbol:
            checker.err(
                ["endpoints", "funding_payments"],
                "funding payments cannot be told apart by pair: the endpoint sends no symbol, its mapping reads none",
                "add a symbol parameter, or map the payment's symbol",
            )


def _position_mode(
    checker: _Checker, perp: dict[str, Any], modes: list[str], endpoints: dict[str, Any], base: PathT
) -> None:
    values = _m(perp.get("position_mode_values"))
    for mode in values:
        if mode not in modes and mode in POSITION_MODES:  # an unknown name is the schema's to report
            checker.err(
                base + ["position_mode_values", mode], f"position mode {mode} is not in position_modes", key=True
            )
    switch = endpoints.get("set_position_mode")
    if switch is None:
        for key in ("position_mode_values", "position_mode_scope"):
            if key in perp:
                checker.err(
                    base + [key], f"{key} applies to the set_position_mode endpoint, which the spec lacks", key=True
                )
        return
    inputs = _inputs(switch)
    if "position_mode" not in inputs:
        checker.err(
            ["endpoints", "set_position_mode"],
            "set_position_mode must send the mode: no parameter reads the input position_mode",
            "add a parameter such as dualSidePosition: position_mode",
        )
    else:
        for mode in modes:
            if mode not in values:
                where = base + ["position_mode_values"] if values else base
                checker.err(
                    where, f"no wire value for position mode {mode}", f"add perpetual.position_mode_values.{mode}"
                )
    if perp.get("position_mode_scope") == "per_pair" and not ({"symbol", "trading_pair"} & inputs):
        checker.err(
            base + ["position_mode_scope"],
            "position_mode_scope per_pair switches each pair, but set_position_mode sends no symbol",
            "add a symbol parameter, or use scope account",
        )

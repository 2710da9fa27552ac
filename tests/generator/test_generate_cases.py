"""A field read from cases (``{cases: [{when, value}], default}``): an order's state from flags rather than a status
string, as KuCoin reports it (active, cancelExist, dealSize). A Binance-derived spec reads its REST order state that
way; the generated parser picks the first case that holds, and the generated suite, which writes every state into
the example replies through the cases, stays green."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from hbgen.generator import generate
from hbgen.spec import check_text
from hbgen.spec.includes import flattened
from hbgen.suite import run_generated_tests

ROOT = Path(__file__).resolve().parents[2]

STATE = {
    "cases": [
        {
            "when": [{"field": "isWorking", "equals": False}, {"field": "status", "equals": "CANCELED"}],
            "value": "CANCELED",
        },
        {"when": [{"field": "isWorking", "equals": True}, {"field": "executedQty", "equals": "0"}], "value": "OPEN"},
        {"when": [{"field": "isWorking", "equals": True}], "value": "PARTIALLY_FILLED"},
    ],
    "default": "FILLED",
}


def _spec() -> str:
    data = flattened(ROOT / "specs" / "binance.yaml")
    for name in ("order_status", "open_orders"):
        data["mappings"][name]["fields"]["state"] = STATE
    status = data["endpoints"]["order_status"]
    status["example_response"]["executedQty"] = "0"
    data["endpoints"]["open_orders"]["example_response"][0]["executedQty"] = "0.5"
    return yaml.safe_dump(data, sort_keys=False, width=120)


def _package(root: Path) -> Path:
    text = _spec()
    spec_path = root / "specs" / "binance.yaml"
    spec_path.parent.mkdir(parents=True)
    spec_path.write_text(text, encoding="utf-8")
    model, diagnostics = check_text(text, "specs/binance.yaml")
    assert model is not None, diagnostics
    generate(model, spec_path, text, root / "out" / "binance")
    return root / "out" / "binance"


def test_cases_compile_to_a_conditional_chain_and_the_suite_is_green(tmp_path: Path) -> None:
    package = _package(tmp_path)
    parsers = (package / "binance_parsers.py").read_text(encoding="utf-8")
    assert "OrderState.CANCELED\n" in parsers and "else OrderState.FILLED\n" in parsers
    namespace: dict[str, Any] = {}
    exec(compile(parsers, "binance_parsers.py", "exec"), namespace)  # the module is plain Python
    parse = namespace["parse_order_status"]
    state = namespace["OrderState"]
    reply = {"symbol": "X", "orderId": 1, "clientOrderId": "OID1", "updateTime": 1, "status": "NEW"}
    for flags, expected in (
        ({"isWorking": False, "status": "CANCELED", "executedQty": "0"}, state.CANCELED),
        ({"isWorking": True, "executedQty": "0"}, state.OPEN),
        ({"isWorking": True, "executedQty": "0.5"}, state.PARTIALLY_FILLED),
        ({"isWorking": False, "executedQty": "1"}, state.FILLED),
    ):
        (record,) = parse({**reply, **flags})
        assert record.state == expected, flags
    run = run_generated_tests(package)
    assert run.ok, run.output[-3000:]
    assert run.passed >= 100


def test_case_values_are_checked_like_map_results() -> None:
    data = yaml.safe_load(_spec())
    data["mappings"]["order_status"]["fields"]["state"] = {**STATE, "default": "DONE"}
    data["mappings"]["open_orders"]["fields"]["state"]["cases"][0]["when"][0]["field"] = "a..b"
    model, diagnostics = check_text(yaml.safe_dump(data, sort_keys=False), "specs/binance.yaml")
    assert model is None
    found = {(d.path, d.message.split(",")[0]) for d in diagnostics}
    assert ("mappings.order_status.fields.state.default", "expected an OrderState name") in found, found
    assert any(path == "mappings.open_orders.fields.state.cases[0].when[0].field" for path, _ in found), found

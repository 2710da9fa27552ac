"""The CLI commands, the generated reference staying in sync, and the schema's own documentation and vocabulary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from hbgen.cli import app
from hbgen.spec import vocabulary
from hbgen.spec.reference import render_reference
from hbgen.spec.schema import load_schema

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def test_validate_defaults_to_every_spec_and_exits_zero(monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    specs = sorted(path.name for path in (REPO / "specs").glob("*.yaml"))
    # One line per spec in specs/ (the list grows as exchanges are added), in file order, then the summary.
    assert [line.split(":")[0] for line in lines[:-1]] == [f"specs/{name}" for name in specs]
    assert lines[-1] == f"{len(specs)} valid, 0 invalid, 0 errors"
    for line in (
        "specs/binance.yaml: ok (binance, spot, 13 endpoints)",
        "specs/binance_perpetual.yaml: ok (binance_perpetual, perpetual, 19 endpoints)",
        "specs/bybit.yaml: ok (bybit, spot, 9 endpoints)",
        "specs/bybit_perpetual.yaml: ok (bybit_perpetual, perpetual, 13 endpoints)",
        "specs/jupiter.yaml: ok (jupiter, gateway, jupiter on solana: 2 networks)",
        "specs/kraken.yaml: ok (kraken, spot, 10 endpoints)",
        "specs/kucoin.yaml: ok (kucoin, spot, 12 endpoints)",
        "specs/okx.yaml: ok (okx, spot, 9 endpoints)",
        "specs/uniswap.yaml: ok (uniswap, gateway, uniswap on ethereum: 8 networks)",
    ):
        assert line in lines


def test_validate_reports_diagnostics_and_exits_two(monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    bad = "tests/hbgen/bad_specs/many_errors.yaml"
    result = runner.invoke(app, ["validate", "specs/examples/okx.yaml", bad])
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0] == "specs/examples/okx.yaml: ok (okx, spot, 2 endpoints; a partial example, not generated)"
    assert lines[1] == (f'{bad}:5:7: type: expected one of spot, perpetual, gateway, got "spto" (did you mean "spot"?)')
    assert lines[-1] == "1 valid, 1 invalid, 3 errors"
    assert "Traceback" not in result.output


def test_validate_missing_file_is_a_diagnostic_not_a_traceback(tmp_path) -> None:
    missing = tmp_path / "nope.yaml"
    result = runner.invoke(app, ["validate", str(missing)])
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == f"{missing}:1:1: cannot read file: No such file or directory"


def test_validate_with_no_specs_found(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 2
    assert "no spec files found" in result.output


def test_schema_command_prints_the_schema() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output) == load_schema()


def test_reference_document_is_in_sync_with_the_schema() -> None:
    result = runner.invoke(app, ["schema", "--reference"])
    assert result.exit_code == 0
    assert result.output == render_reference()
    committed = (REPO / "docs" / "spec-reference.md").read_text(encoding="utf-8")
    assert committed == render_reference(), "run: hbgen schema --reference > docs/spec-reference.md"
    for key in ("spec_version", "endpoints", "waivers", "first_nonempty", "any_contains", "signed_subscribe"):
        assert key in committed


def _walk(schema: Any, path: str, found: list[tuple[str, str, Any]]) -> None:
    if isinstance(schema, dict):
        for key, sub in schema.get("properties", {}).items():
            found.append((path, key, sub))
        for key, sub in schema.items():
            if isinstance(sub, (dict, list)):
                _walk(sub, f"{path}/{key}", found)
    elif isinstance(schema, list):
        for i, sub in enumerate(schema):
            _walk(sub, f"{path}/{i}", found)


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    # hbgen does not check its own schema at run time (it is fixed and costly to check); this test does.
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(load_schema())


def test_every_property_has_a_description() -> None:
    found: list[tuple[str, str, Any]] = []
    _walk(load_schema(), "#", found)
    assert len(found) > 200
    missing = [f"{path}.{key}" for path, key, sub in found if not (isinstance(sub, dict) and sub.get("description"))]
    assert missing == []


def test_objects_with_properties_are_closed() -> None:
    open_objects: list[str] = []

    def visit(schema: Any, path: str) -> None:
        if isinstance(schema, dict):
            if "properties" in schema and schema.get("type") == "object":
                if schema.get("additionalProperties") is not False and path != "#/properties/endpoints":
                    open_objects.append(path)
            for key, sub in schema.items():
                visit(sub, f"{path}/{key}")
        elif isinstance(schema, list):
            for i, sub in enumerate(schema):
                visit(sub, f"{path}/{i}")

    visit(load_schema(), "#")
    assert open_objects == []  # endpoints is open on purpose: free endpoint names next to the well-known ones


def test_schema_and_python_vocabularies_agree() -> None:
    schema = load_schema()
    defs = schema["$defs"]
    assert tuple(defs["order_state"]["enum"]) == vocabulary.ORDER_STATES
    assert tuple(defs["param_input"]["enum"]) == vocabulary.ALL_INPUTS
    assert tuple(defs["mapping"]["properties"]["kind"]["enum"]) == tuple(vocabulary.KIND_FIELDS)
    for kind, fields in vocabulary.KIND_FIELDS.items():
        fields_schema = defs[f"fields_{kind}"]
        assert list(fields_schema["properties"]) == list(fields), kind
        assert set(fields_schema.get("required", [])) == {f for f, (_, req) in fields.items() if req}, kind
    assert tuple(schema["properties"]["waivers"]["properties"]) == (
        vocabulary.CAPABILITIES + vocabulary.PERPETUAL_CAPABILITIES
    )
    hook_sites = tuple(vocabulary.REFERENCED_HOOK_SITES) + vocabulary.FREE_HOOK_SITES
    assert set(defs["hook"]["properties"]["at"]["enum"]) == set(hook_sites)
    assert set(defs["login"]["properties"]["style"]["enum"]) == set(vocabulary.LOGIN_STYLE_KEYS)
    value_types = {t for types in vocabulary.VALUE_TYPES_FOR_TARGET.values() for t in types}
    assert value_types == set(defs["value_type"]["enum"])
    assert tuple(k for k in defs["predicate"]["properties"] if k != "field") == vocabulary.PREDICATE_OPERATORS
    assert set(vocabulary.ROLE_INPUTS) == set(schema["properties"]["endpoints"]["properties"])

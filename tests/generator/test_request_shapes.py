"""Requests follow the spec: a parameter is written by its input's declared type and its ``format`` (never its name),
and every endpoint is called with its declared verb and authentication.

Before: the template wrote ``leverage`` with ``str()`` because its name was ``leverage`` (any other integer input with
``format: plain`` became ``"20.000000"``), a decimal input without a format went out as a ``Decimal`` object, and the
data source's public requests dropped ``format`` altogether (a ``symbol`` with ``format: lower`` went out upper case),
and the network check and the listing requests were always unauthenticated GETs whatever the spec declared.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from hbgen.generator import TEMPLATE_DIR
from hbgen.render import make_environment
from hbgen.spec.vocabulary import ALL_INPUTS, INPUT_TYPES, NULLABLE_INPUTS
from hbgen.suite import run_generated_tests
from tests.generator.test_generate_login_styles import BINANCE, generate_package

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "specs" / "schema" / "connector.schema.json").read_text(encoding="utf-8"))
PARAMS = make_environment(TEMPLATE_DIR).get_template("spot/_params.j2").module


def _written(input_name: str, fmt: str | None, value: Any) -> Any:
    param = SimpleNamespace(source="input", input=input_name, format=fmt, value=None)
    expression = str(PARAMS.param_value(param, {input_name: "x"}))  # type: ignore[attr-defined]
    return eval(expression, {}, {"x": value})  # noqa: S307 - the template's own output, on a test value


def test_every_input_has_a_declared_type() -> None:
    assert set(INPUT_TYPES) == set(ALL_INPUTS) == set(SCHEMA["$defs"]["param_input"]["enum"])
    assert set(INPUT_TYPES.values()) <= {"str", "decimal", "int", "bool", "time"}
    assert NULLABLE_INPUTS <= set(ALL_INPUTS)  # declared, not spelled out in a template
    assert '"start_time", "quote_amount"' not in (Path(TEMPLATE_DIR) / "spot" / "exchange.py.j2").read_text()


@pytest.mark.parametrize(
    ("input_name", "fmt", "value", "expected"),
    [
        ("leverage", "plain", 3, "3"),
        ("depth", "plain", 20, "20"),  # before: "20.000000" (only an input *named* leverage was an integer)
        ("amount", "plain", Decimal("1E-8"), "0.00000001"),
        ("price", None, Decimal("1.5E+3"), "1500"),
        ("quote_amount", None, Decimal("1E+1"), "10"),  # before: the Decimal object itself
        ("start_time", "ms", 1.5, 1500),
        ("start_time", "s", 1.5, 1),
        ("symbol", "lower", "BTCUSDT", "btcusdt"),
        ("side", "upper", "buy", "BUY"),
        ("depth", None, 20, 20),
        ("client_order_id", None, "OID1", "OID1"),
    ],
)
def test_a_parameter_is_written_by_its_declared_type(
    input_name: str, fmt: str | None, value: Any, expected: Any
) -> None:
    assert _written(input_name, fmt, value) == expected


def test_a_public_request_honours_the_parameter_format(tmp_path: Path) -> None:
    data: dict[str, Any] = yaml.safe_load(BINANCE)
    data["endpoints"]["order_book_snapshot"]["params"]["symbol"] = {"from": "symbol", "format": "lower"}
    package = generate_package(tmp_path, yaml.safe_dump(data, sort_keys=False))
    source = (package / "binance_api_order_book_data_source.py").read_text(encoding="utf-8")
    assert 'params["symbol"] = str(symbol).lower()' in source
    tests = (package / "tests" / "test_binance_api_order_book_data_source.py").read_text(encoding="utf-8")
    assert 'self.assertEqual(self.symbol.lower(), requested.kwargs["params"]["symbol"])' in tests
    run = run_generated_tests(package, ["-k", "snapshot"])
    assert run.ok, run.output[-3000:]


def test_the_network_check_and_the_listings_use_the_declared_verb_and_auth(tmp_path: Path) -> None:
    data: dict[str, Any] = yaml.safe_load(BINANCE)
    data["endpoints"]["ping"]["method"] = "POST"
    data["endpoints"]["trading_rules"]["method"] = "POST"
    data["endpoints"]["trading_rules"]["auth"] = "key"
    package = generate_package(tmp_path, yaml.safe_dump(data, sort_keys=False))
    source = (package / "binance_exchange.py").read_text(encoding="utf-8")
    network = source[source.index("async def _make_network_check_request") :]
    assert "method=RESTMethod.POST" in network[: network.index("async def _make_trading_rules_request")]
    rules = source[source.index("async def _make_trading_rules_request") :]
    rules = rules[: rules.index("async def _make_trading_pairs_request")]
    assert "method=RESTMethod.POST" in rules and "headers=self._auth.api_key_headers()" in rules
    tests = (package / "tests" / "test_binance_exchange.py").read_text(encoding="utf-8")
    assert 'network_status_method = "POST"' in tests and 'trading_rules_method = "POST"' in tests
    assert 'all_symbols_method = "POST"' in tests  # the pairs come from the same endpoint
    run = run_generated_tests(package, ["-k", "network or trading_rules or symbols or pairs"])
    assert run.ok and run.passed > 5, run.output[-3000:]


def test_a_form_body_with_an_api_key_header_sends_both_headers(tmp_path: Path) -> None:
    # Before: the call wrote ``headers=`` twice, and the generated module did not parse.
    data: dict[str, Any] = yaml.safe_load(BINANCE)
    balances = data["endpoints"]["balances"]
    balances.update({"method": "POST", "auth": "key", "params_in": "body", "body_encoding": "form"})
    balances.setdefault("params", {})["omitZeroBalances"] = {"value": "true"}
    package = generate_package(tmp_path, yaml.safe_dump(data, sort_keys=False))
    source = (package / "binance_exchange.py").read_text(encoding="utf-8")
    assert 'headers={"Content-Type": "application/x-www-form-urlencoded", **self._auth.api_key_headers()}' in source
    run = run_generated_tests(package, ["-k", "balance"])
    assert run.ok, run.output[-3000:]

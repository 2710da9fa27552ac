"""hbgen doctor: the exchange API requirements checklist of a spec - rows, hook inspection, exit codes."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from hbgen.cli import app
from hbgen.doctor import (
    MISSING,
    NOT_APPLICABLE,
    OK,
    OPTIONAL_ABSENT,
    REQUIRED_ROWS,
    STUB,
    WAIVED,
    Row,
    diagnose,
    hook_definitions,
    rows_for,
)
from hbgen.generator import generate
from hbgen.spec import check_text
from hbgen.spec.loader import load_file, load_text
from hbgen.spec.vocabulary import CAPABILITIES, PERPETUAL_CAPABILITIES

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"
BINANCE = SPECS / "binance.yaml"
OKX = SPECS / "examples" / "okx.yaml"
runner = CliRunner(env={"COLUMNS": "300"})  # wide enough that rich does not fold the cells the tests look for


def _data(path: Path) -> dict[str, Any]:
    data = load_file(path).data
    assert isinstance(data, dict)
    return copy.deepcopy(data)


@pytest.fixture
def tmp_path(tmp_path: Path) -> Path:
    """pytest's tmp_path with specs/shared copied in, so that a copy of specs/binance.yaml written there finds the
    fragment it includes."""
    shutil.copytree(SPECS / "shared", tmp_path / "shared")
    return tmp_path


def _by_requirement(rows: list[Row]) -> dict[str, Row]:
    return {row.requirement: row for row in rows}


def _incomplete_text() -> str:
    """Binance with its balances endpoint renamed away (and not waived): rest_balances is missing."""
    text = BINANCE.read_text(encoding="utf-8")
    assert "  balances:\n    method: GET" in text
    return text.replace("  balances:\n    method: GET", "  account:\n    method: GET")


# ----------------------------------------------------------------------------------------------------------------
# Rows


def test_the_checklist_covers_exactly_the_validators_capabilities() -> None:
    assert set(REQUIRED_ROWS) == set(CAPABILITIES) | set(PERPETUAL_CAPABILITIES)
    rows = rows_for(_data(BINANCE))
    assert [r.section for r in rows].count("REST") == 9  # seven required + batched order status + trading pairs
    assert [r.section for r in rows].count("websocket") == 6  # four required + balances + fees
    assert [r.requirement for r in rows if r.section == "perpetual"] == [
        "positions",
        "leverage",
        "position mode switch",
        "funding info (REST)",
        "funding payments",
    ]


def test_binance_every_required_row_is_ok() -> None:
    rows = rows_for(_data(BINANCE))
    required = [r for r in rows if r.required]
    assert {r.status for r in required} == {OK}
    assert not any(r.problem for r in rows)
    got = _by_requirement(rows)
    assert got["trading rules"].detail == "endpoints.trading_rules (GET /v3/exchangeInfo)"
    assert got["trading rules"].fix == "endpoints.trading_rules"
    assert got["server status or ping"].detail == "endpoints.ping (GET /v3/ping); endpoints.server_time (GET /v3/time)"
    assert "endpoints.order_status (GET /v3/order)" in got["active orders (order status)"].detail
    assert got["documented rate limits"].detail.startswith("15 limits: REQUEST_WEIGHT, ORDERS")
    assert got["public order book"].detail == "ws.public.channels.order_book_diff (mapping order_book_diff)"
    assert got["public trades"].fix == "ws.public.channels.trade.mapping"
    assert got["private orders"].detail == "ws.private.events.execution_report (mapping execution_order_update)"
    assert got["private trades"].fix == "ws.private.events.execution_report.mappings[0]"
    # The optional rows reflect the spec: a symbols section, a balance event, fee fields in the fill mapping.
    assert got["trading pairs"].status == OK and "endpoints.trading_rules" in got["trading pairs"].detail
    assert got["private balances"].status == OK
    assert "ws.private.events.account_position" in got["private balances"].detail
    assert "_real_time_balance_update = True" in got["private balances"].detail
    assert got["fees in trade events"].status == OK
    assert got["fees in trade events"].fix == "mappings.execution_fill.fields"
    assert [got[p].status for p in ("positions", "leverage")] == [NOT_APPLICABLE, NOT_APPLICABLE]
    assert not [r for r in rows if r.section == "hooks"]  # Binance names no hooks


def test_open_orders_row_states_the_list_scope_and_that_order_status_stays_required() -> None:
    base = _data(BINANCE)
    row = _by_requirement(rows_for(base))["batched order status (open orders)"]
    assert (row.status, row.required) == (OK, False)
    assert "one request per trading pair" in row.detail and "order_status only for" in row.detail

    account = copy.deepcopy(base)
    account["endpoints"]["open_orders"]["params"] = {}
    row = _by_requirement(rows_for(account))["batched order status (open orders)"]
    assert "one request for the account" in row.detail

    absent = copy.deepcopy(base)
    del absent["endpoints"]["open_orders"]
    row = _by_requirement(rows_for(absent))["batched order status (open orders)"]
    assert row.status == OPTIONAL_ABSENT and "one order_status request per tracked order" in row.detail

    # open_orders alone cannot say how an order that left the list ended: order status is still missing, for
    # doctor as for the validator (one diagnostic, not a second "package needs" one).
    alone = copy.deepcopy(base)
    del alone["endpoints"]["order_status"]
    got = _by_requirement(rows_for(alone))
    assert got["active orders (order status)"].status == MISSING
    assert got["order status query endpoint"].status == MISSING
    _, diagnostics = check_text(yaml.safe_dump(alone, sort_keys=False), "specs/binance.yaml", base_dir=SPECS)
    found = [d.message for d in diagnostics]
    assert sum("order_status" in message for message in found) == 1, found
    assert any("missing capability rest_order_status" in message for message in found), found


def test_optional_rows_follow_balance_events_the_flag_and_fee_fields() -> None:
    base = _data(BINANCE)

    no_flag = copy.deepcopy(base)
    no_flag["real_time_balance_updates"] = False
    row = _by_requirement(rows_for(no_flag))["private balances"]
    assert (row.status, row.fix) == (OPTIONAL_ABSENT, "real_time_balance_updates")
    assert "_real_time_balance_update = False" in row.detail and "ignored" in row.detail

    no_event = copy.deepcopy(base)
    del no_event["ws"]["private"]["events"]["account_position"]
    del no_event["real_time_balance_updates"]
    row = _by_requirement(rows_for(no_event))["private balances"]
    assert (row.status, row.fix) == (OPTIONAL_ABSENT, "ws.private.events")
    assert "balances polled over REST; _real_time_balance_update = False" in row.detail
    assert "in-flight order snapshot" in row.detail

    # Claiming real-time balances with no balance event is a problem even though the row is optional.
    no_event["real_time_balance_updates"] = True
    row = _by_requirement(rows_for(no_event))["private balances"]
    assert (row.status, row.required, row.problem) == (MISSING, False, True)

    no_fees = copy.deepcopy(base)
    del no_fees["mappings"]["execution_fill"]["fields"]["fee_amount"]
    row = _by_requirement(rows_for(no_fees))["fees in trade events"]
    assert (row.status, row.fix) == (OPTIONAL_ABSENT, "mappings.execution_fill.fields.fee_amount")
    assert "fee estimation" in row.detail and "fees.maker 0.001, fees.taker 0.001" in row.detail

    no_symbols = copy.deepcopy(base)
    del no_symbols["symbols"]
    row = _by_requirement(rows_for(no_symbols))["trading pairs"]
    assert (row.status, row.fix, row.problem) == (OPTIONAL_ABSENT, "symbols", False)


def test_without_a_private_websocket_the_private_rows_are_waived_and_balances_polled() -> None:
    data = _data(BINANCE)
    del data["ws"]["private"]
    data["waivers"] = {
        "ws_private_orders": "no private websocket; orders are polled over REST",
        "ws_private_trades": "no private websocket; fills are polled over REST",
    }
    assert data["real_time_balance_updates"] is True  # kept from Binance: it cannot apply, and is not a problem
    got = _by_requirement(rows_for(data))
    assert (got["private orders"].status, got["private orders"].detail) == (
        WAIVED,
        "no private websocket; orders are polled over REST",
    )
    assert (got["private trades"].status, got["private trades"].fix) == (WAIVED, "waivers.ws_private_trades")
    row = got["private balances"]
    assert (row.status, row.fix, row.problem) == (OPTIONAL_ABSENT, "ws.private", False)
    assert row.detail.startswith("no private websocket (real_time_balance_updates: true does not apply): ")
    assert "balances polled over REST; _real_time_balance_update = False" in row.detail
    # The fills polled from /myTrades carry the exchange's fee, so the trade events do too.
    row = got["fees in trade events"]
    assert (row.status, row.fix) == (OK, "mappings.my_trades.fields")
    assert "fills polled over REST (endpoints.my_trades, mapping my_trades)" in row.detail
    del data["mappings"]["my_trades"]["fields"]["fee_asset"]
    row = _by_requirement(rows_for(data))["fees in trade events"]
    assert (row.status, row.fix) == (OPTIONAL_ABSENT, "ws.private.events")
    assert "fills report no fee" in row.detail
    assert not [r for r in rows_for(data) if r.problem]


def test_okx_waived_rows_carry_the_reason_and_the_waiver_path() -> None:
    got = _by_requirement(rows_for(_data(OKX)))
    row = got["trading rules"]
    assert (row.status, row.fix) == (WAIVED, "waivers.rest_trading_rules")
    assert row.detail == "auth-style example; instruments are out of its scope"
    row = got["private trades"]
    assert (row.status, row.fix) == (WAIVED, "waivers.ws_private_trades")
    assert row.detail == "auth-style example; fills are out of its scope"
    statuses = {name: got[name].status for name in got if got[name].section != "package"}
    assert statuses == {
        "trading rules": WAIVED,
        "server status or ping": WAIVED,
        "active orders (order status)": WAIVED,
        "create order": OK,
        "cancel order": WAIVED,
        "balances": OK,
        "documented rate limits": OK,
        "batched order status (open orders)": OPTIONAL_ABSENT,
        "trading pairs": OPTIONAL_ABSENT,
        "public order book": WAIVED,
        "public trades": WAIVED,
        "private orders": OK,
        "private trades": WAIVED,
        "private balances": OPTIONAL_ABSENT,
        "fees in trade events": OPTIONAL_ABSENT,
        "positions": NOT_APPLICABLE,
        "leverage": NOT_APPLICABLE,
        "position mode switch": NOT_APPLICABLE,
        "funding info (REST)": NOT_APPLICABLE,
        "funding payments": NOT_APPLICABLE,
    }
    assert "zero fees (the spec has no fees section)" in got["fees in trade events"].detail
    # The waivers satisfy the validator, but a spot package cannot be generated without those endpoints.
    package = {r.requirement: r for r in rows_for(_data(OKX)) if r.section == "package"}
    assert {name for name, r in package.items() if r.status == MISSING} == {
        "last traded price endpoint",
        "network check endpoint",
        "cancel order endpoint",
        "order status query endpoint",
        "trading rules endpoint",
        "symbols section",
        "orders section",
    }
    assert package["cancel order endpoint"].fix == "endpoints.cancel_order"
    assert "a waiver is not enough" in package["cancel order endpoint"].detail
    report = diagnose(OKX, None)
    assert report.diagnostics == [] and report.exit_code == 1


def test_incomplete_spec_gets_a_missing_row_exit_1_and_the_diagnostics(tmp_path: Path) -> None:
    spec = tmp_path / "incomplete.yaml"
    spec.write_text(_incomplete_text(), encoding="utf-8")
    report = diagnose(spec, tmp_path / "generated")
    row = _by_requirement(report.rows)["balances"]
    assert (row.status, row.fix) == (MISSING, "endpoints.balances")
    assert 'no "balances" endpoint' in row.detail and "waivers.rest_balances" in row.detail
    assert [r.requirement for r in report.problems] == ["balances", "balances endpoint"]
    assert [d.message for d in report.diagnostics] == ['missing capability rest_balances: no "balances" endpoint']
    assert report.unexplained == [] and report.exit_code == 1

    # Waiving it turns the row into a waived one carrying the reason, and the spec validates.
    spec.write_text(_incomplete_text() + "waivers:\n  rest_balances: balances come from a sub-account API\n")
    report = diagnose(spec, None)
    row = _by_requirement(report.rows)["balances"]
    assert (row.status, row.detail, row.fix) == (
        WAIVED,
        "balances come from a sub-account API",
        "waivers.rest_balances",
    )
    # ... but hbgen generate still needs a balances endpoint for a spot package: the checklist and validate say so.
    assert [d.message for d in report.diagnostics] == [
        "a spot package needs endpoints.balances (hbgen generate cannot do without it; a waiver is not enough)"
    ]
    assert [r.requirement for r in report.problems] == ["balances endpoint"]
    assert report.unexplained == [] and report.exit_code == 1


def test_other_validation_errors_make_it_exit_2_but_the_rows_are_still_built(tmp_path: Path) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text(_incomplete_text().replace("type: spot", "type: spto", 1), encoding="utf-8")
    report = diagnose(spec, None)
    assert _by_requirement(report.rows)["balances"].status == MISSING
    assert any("type" in d.path for d in report.unexplained)
    assert report.exit_code == 2

    spec.write_text("name: [unclosed\n", encoding="utf-8")
    report = diagnose(spec, None)
    assert report.rows == [] and not report.usable and report.exit_code == 2 and report.diagnostics


def test_a_waiver_of_a_provided_capability_is_shown_and_fails_validation(tmp_path: Path) -> None:
    spec = tmp_path / "binance.yaml"
    spec.write_text(BINANCE.read_text() + "waivers:\n  ws_trades: no trades\n", encoding="utf-8")
    report = diagnose(spec, None)
    row = _by_requirement(report.rows)["public trades"]
    assert (row.status, row.fix) == (OK, "waivers.ws_trades") and "also waived" in row.detail
    assert report.exit_code == 2


def test_gateway_and_perpetual_types() -> None:
    # A gateway spec gets the gateway checklist (hbgen/doctor_gateway.py), never the REST and websocket rows.
    gateway = {"type": "gateway", "endpoints": {"create_order": {}, "balances": {}}}
    got = _by_requirement(rows_for(gateway))
    assert "trading rules" not in got and "create order" not in got
    assert got["DEX and chain"].status == MISSING and got["DEX and chain"].fix == "gateway.dex and gateway.chain"
    assert got["liquidity"].status == NOT_APPLICABLE

    perpetual = _data(BINANCE)
    perpetual["type"] = "perpetual"
    perpetual["perpetual"] = {"position_modes": ["ONEWAY"]}
    got = _by_requirement(rows_for(perpetual))
    assert got["positions"].status == MISSING and got["leverage"].status == MISSING
    assert got["positions"].fix == "endpoints.positions"
    assert got["funding info (REST)"].status == MISSING and got["funding payments"].status == MISSING
    # One position mode: no switch is needed.
    assert got["position mode switch"].status == NOT_APPLICABLE
    assert got["position mode switch"].detail == "one position mode (ONEWAY)"
    # Optional perpetual facts say what the connector does without them.
    assert got["funding info stream"].status == OPTIONAL_ABSENT
    assert "at start only" in got["funding info stream"].detail
    assert got["collateral tokens"].status == OPTIONAL_ABSENT
    perpetual["perpetual"]["position_modes"] = ["ONEWAY", "HEDGE"]
    perpetual["waivers"] = {"rest_position_mode": "no switch over the API"}
    got = _by_requirement(rows_for(perpetual))
    assert got["position mode switch"].status == WAIVED
    assert got["funding info endpoint"].status == MISSING  # the package section: generate needs it


def test_binance_perpetual_passes_the_perpetual_rows() -> None:
    got = _by_requirement(rows_for(_data(SPECS / "binance_perpetual.yaml")))
    for requirement in ("positions", "leverage", "position mode switch", "funding info (REST)", "funding payments"):
        assert got[requirement].status == OK, requirement
    for requirement in ("funding info stream", "position mode read", "private positions", "margin calls"):
        assert got[requirement].status == OK, requirement
    assert got["collateral tokens"].detail.endswith("buy_order_collateral_token, sell_order_collateral_token")


def test_rows_never_raise_on_malformed_documents() -> None:
    for data in (None, [], "x", {"endpoints": [], "ws": {"private": {"events": {"e": {"mappings": [[1]]}}}}}):
        rows = rows_for(data)
        assert {r.status for r in rows if r.required} <= {MISSING, NOT_APPLICABLE}
    rows = rows_for({"hooks": {"h": "not a mapping"}, "name": 3}, Path("/nonexistent"))
    assert [r.status for r in rows if r.section == "hooks"] == [MISSING]


# ----------------------------------------------------------------------------------------------------------------
# Hooks

HOOKS_SPEC = """
hooks:
  binance_reconcile:
    at: exchange.status_polling
    description: Reconcile balances with the sub-account endpoint on every poll.
  binance_dedupe:
    at: symbols.resolve_duplicates
    description: Prefer the symbol with the larger volume when two symbols map to one pair.
  binance_extra:
    at: exchange.user_stream_event
    description: Handle sub-account events.
"""

HOOKS_MODULE = '''"""Hand-written hooks."""

from typing import Any


async def binance_reconcile(connector: Any) -> None:
    """Reconcile."""
    await connector.refresh()


def binance_dedupe(records: list[Any]) -> dict[str, str]:
    """Still the stub."""
    raise NotImplementedError("hook binance_dedupe is not written yet")
'''


def _load_text(text: str) -> dict[str, Any]:
    data = load_text(text, "<spec>").data
    assert isinstance(data, dict)
    return data


@pytest.fixture
def hooked() -> dict[str, Any]:
    data = _data(BINANCE)
    data["hooks"] = _load_text(HOOKS_SPEC)["hooks"]
    return data


def test_hook_rows_written_stub_and_missing_function(hooked: dict[str, Any], tmp_path: Path) -> None:
    package = tmp_path / "binance"
    package.mkdir()
    (package / "binance_hooks.py").write_text(HOOKS_MODULE, encoding="utf-8")
    rows = [r for r in rows_for(hooked, tmp_path) if r.section == "hooks"]
    got = {r.requirement: r for r in rows}
    written = got["hook binance_reconcile (at exchange.status_polling)"]
    assert written.status == OK and written.detail == "written: async def binance_reconcile"
    assert written.fix == f"{package / 'binance_hooks.py'}:6"
    stub = got["hook binance_dedupe (at symbols.resolve_duplicates)"]
    assert stub.status == STUB and stub.problem and stub.fix.endswith("binance_hooks.py:11")
    missing = got["hook binance_extra (at exchange.user_stream_event)"]
    assert missing.status == MISSING and missing.problem and "defines no binance_extra" in missing.detail


def test_hook_rows_without_a_package_a_module_or_with_a_syntax_error(hooked: dict[str, Any], tmp_path: Path) -> None:
    # Before the first generate there is no stub yet: the hooks are unwritten, which is a problem (not "n/a").
    rows = [r for r in rows_for(hooked, tmp_path) if r.section == "hooks"]
    assert {r.status for r in rows} == {MISSING} and all(r.problem for r in rows)
    assert "not written yet" in rows[0].detail and "hbgen generate binance" in rows[0].detail
    package = tmp_path / "binance"
    package.mkdir()
    rows = [r for r in rows_for(hooked, tmp_path) if r.section == "hooks"]
    assert {r.status for r in rows} == {MISSING} and "does not exist" in rows[0].detail
    (package / "binance_hooks.py").write_text("def broken(:\n", encoding="utf-8")
    rows = [r for r in rows_for(hooked, tmp_path) if r.section == "hooks"]
    assert {r.status for r in rows} == {MISSING} and "cannot parse" in rows[0].detail


def test_hook_definitions_tell_stubs_from_written_bodies() -> None:
    found = hook_definitions(
        "import os.path\nfrom x import y as z\nw = 1\n"
        "def empty():\n    '''doc'''\n"
        "def passes():\n    pass\n"
        "def bare():\n    raise NotImplementedError\n"
        "def guarded(a):\n    if a:\n        raise NotImplementedError\n    return a\n"
        "def other():\n    raise ValueError('x')\n"
    )
    assert {name: d.stub for name, d in found.items()} == {
        "os": False,
        "z": False,
        "w": False,
        "empty": True,
        "passes": True,
        "bare": True,
        "guarded": False,
        "other": False,
    }
    assert found["z"].kind == "import" and found["w"].kind == "assignment"


def test_a_freshly_generated_hooks_module_is_all_stubs(tmp_path: Path) -> None:
    text = BINANCE.read_text(encoding="utf-8") + HOOKS_SPEC
    model, diagnostics = check_text(text, "specs/binance.yaml")
    assert model is not None, diagnostics
    generate(model, tmp_path / "binance.yaml", text, tmp_path / "out" / "binance")
    data = _load_text(text)
    rows = [r for r in rows_for(data, tmp_path / "out") if r.section == "hooks"]
    assert [r.status for r in rows] == [STUB, STUB, STUB]


# ----------------------------------------------------------------------------------------------------------------
# CLI


def _doctor(*args: str) -> Any:
    return runner.invoke(app, ["doctor", *args, "--specs-dir", str(SPECS)])


def test_cli_binance_exits_0_with_the_table(tmp_path: Path) -> None:
    result = _doctor("binance", "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    row = next(line for line in lines if "trading rules" in line)
    assert [cell.strip() for cell in row.split("│")[1:6]] == [
        "REST",
        "trading rules",
        "ok",
        "endpoints.trading_rules (GET /v3/exchangeInfo)",
        "endpoints.trading_rules",
    ]
    assert "binance: 24 ok, 5 n/a - checklist passes" in result.output
    assert "Traceback" not in result.output


def test_cli_finds_example_specs_and_shows_waivers() -> None:
    result = _doctor("gate")  # specs/examples/gate.yaml: there is no specs/gate.yaml
    assert result.exit_code == 1, result.output  # an auth-style example: it waives what a package needs
    row = next(line for line in result.output.splitlines() if "private trades" in line)
    assert "waived" in row and "is out of its scope" in row and "waivers.ws_private_trades" in row
    assert "gate_io: 6 ok, 7 waived, 7 missing, 4 optional-absent, 5 n/a - 7 problems" in result.output


def test_cli_incomplete_spec_exits_1_with_rows_then_diagnostics(tmp_path: Path) -> None:
    spec = tmp_path / "incomplete.yaml"
    spec.write_text(_incomplete_text(), encoding="utf-8")
    result = _doctor(str(spec), "-o", str(tmp_path))
    assert result.exit_code == 1, result.output
    row = next(line for line in result.output.splitlines() if "│ balances" in line)
    assert "missing" in row and "endpoints.balances" in row
    diagnostic = f"{spec}:"
    assert "the spec does not validate (1 error)" in result.output
    assert any(
        line.startswith(diagnostic) and "missing capability rest_balances" in line
        for line in result.output.splitlines()
    )
    assert result.output.index("│ balances") < result.output.index("missing capability rest_balances")
    assert "2 problems: fix the rows marked missing or stub" in result.output


def test_cli_unwritten_hook_exits_1(tmp_path: Path) -> None:
    spec = tmp_path / "binance.yaml"
    spec.write_text(BINANCE.read_text(encoding="utf-8") + HOOKS_SPEC, encoding="utf-8")
    package = tmp_path / "out" / "binance"
    package.mkdir(parents=True)
    (package / "binance_hooks.py").write_text(HOOKS_MODULE, encoding="utf-8")
    result = _doctor(str(spec), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1, result.output
    assert "stub" in next(line for line in result.output.splitlines() if "hook binance_dedupe" in line)
    assert "2 problems" in result.output


def test_cli_bad_input_exits_2(tmp_path: Path) -> None:
    result = _doctor("binanse")
    assert result.exit_code == 2 and 'did you mean "binance"?' in result.output
    assert _doctor(str(tmp_path / "nope.yaml")).exit_code == 2
    broken = tmp_path / "broken.yaml"
    broken.write_text(BINANCE.read_text(encoding="utf-8").replace("type: spot", "type: spto", 1), encoding="utf-8")
    result = _doctor(str(broken))
    assert result.exit_code == 2
    assert "expected one of spot, perpetual, gateway" in result.output and "invalid spec" in result.output
    assert "trading rules" in result.output  # the checklist is still shown
    assert "Traceback" not in result.output

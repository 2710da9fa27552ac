"""type: gateway end to end: new-connector --type gateway, the gateway checks of validate, and doctor's rows."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from hbgen.cli import app
from hbgen.doctor import MISSING, OK, diagnose
from hbgen.spec import check_file, check_text
from hbgen.spec.gateway import GatewayConnectorSpec
from hbgen.suite import run_generated_tests

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()
UNISWAP = (ROOT / "specs" / "uniswap.yaml").read_text(encoding="utf-8")


def _messages(text: str) -> list[str]:
    _, diagnostics = check_text(text, "dex.yaml")
    return [f"{d.path}: {d.message}" for d in diagnostics]


def _edited(change: dict[str, object]) -> str:
    data = yaml.safe_load(UNISWAP)
    for dotted, value in change.items():
        *parents, last = dotted.split(".")
        node = data
        for key in parents:
            node = node[key]
        if value is None:
            del node[last]
        else:
            node[last] = value
    return yaml.safe_dump(data, sort_keys=False)


def test_new_gateway_connector_generates_a_package_whose_tests_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["new-connector", "my_dex", "--type", "gateway"])
    assert result.exit_code == 0, result.output
    model, diagnostics = check_file(tmp_path / "specs" / "my_dex.yaml")
    assert isinstance(model, GatewayConnectorSpec), diagnostics
    assert model.class_name == "MyDexGateway" and model.gateway.dex == "my-dex"
    package = tmp_path / "generated" / "my_dex"
    assert (package / "my_dex_gateway.py").is_file() and (package / "NOTES.md").is_file()
    run = run_generated_tests(package)
    assert run.ok, run.output
    assert run.passed >= 10 and run.failed == 0


def test_committed_gateway_specs_build_models() -> None:
    model, diagnostics = check_text(UNISWAP, "uniswap.yaml")
    assert isinstance(model, GatewayConnectorSpec), diagnostics
    facts = model.gateway
    assert (facts.dex, facts.chain, facts.default_network, facts.default_trading_type) == (
        "uniswap",
        "ethereum",
        "mainnet",
        "router",
    )
    assert facts.has_liquidity and facts.has_allowances and str(facts.slippage_pct) == "1"
    assert [p.type for p in facts.examples.pools] == ["amm", "clmm"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"endpoints": {"x": 1}}, "endpoints: endpoints applies to spot and perpetual connectors, not to type gateway"),
        ({"gateway": None}, ': missing required key "gateway"'),
        ({"gateway.default_network": "moon"}, "gateway.default_network: default_network must be one of networks"),
        ({"gateway.default_trading_type": "amm", "gateway.trading_types": ["router"]}, "default_trading_type must be"),
        (
            {"gateway.examples.pools": [{"type": "amm", "pair": "WETH-USDC", "address": "0xB4"}]},
            "trading type clmm needs",
        ),
        (  # a pool of another pair: the generated tests read and trade the example pair's pool
            {
                "gateway.examples.pools": [
                    {"type": "amm", "pair": "WETH-USDC", "address": "0xB4"},
                    {"type": "clmm", "pair": "DAI-USDC", "address": "0x88"},
                ]
            },
            "trading type clmm needs an example pool of that type for the example pair WETH-USDC",
        ),
        ({"gateway.native_currency": "BNB"}, "gateway.native_currency: the native currency BNB is not among"),
        ({"example_pair": "WBTC-USDC"}, "example_pair: WBTC of example_pair is not among"),
        ({"gateway.examples.replies.poll.signature": "0x12"}, "a ethereum signature is 0x followed by 64 hex digits"),
        ({"gateway.examples.replies.execute.status": 0}, "the example execute reply must be a confirmed one"),
        ({"gateway.chain": "tron"}, "gateway.chain: expected one of"),
    ],
)
def test_gateway_checks(change: dict[str, object], expected: str) -> None:
    messages = _messages(_edited(change))
    assert any(expected in message for message in messages), messages


def test_doctor_rows_of_gateway_specs(tmp_path: Path) -> None:
    report = diagnose(ROOT / "specs" / "uniswap.yaml", None)
    assert report.exit_code == 0 and not report.diagnostics
    rows = {(r.section, r.requirement): r.status for r in report.rows}
    assert rows[("gateway", "swap provider")] == OK and rows[("examples", "clmm pool")] == OK
    assert rows[("gateway", "allowances")] == OK
    spec = tmp_path / "dex.yaml"
    spec.write_text(_edited({"gateway.examples.pools": None}), encoding="utf-8")
    broken = diagnose(spec, None)
    assert broken.exit_code != 0
    assert {(r.requirement, r.status) for r in broken.rows} >= {("amm pool", MISSING), ("clmm pool", MISSING)}

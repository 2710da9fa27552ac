"""A change to a shared fragment marks every package built from it out of date (hbgen check and hbgen list), and
regenerating brings them all back; the manifest records each fragment's hash."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hbgen.check import check_all
from hbgen.cli import app
from hbgen.new_connector import like_text

ROOT = Path(__file__).resolve().parents[2]
FRAGMENT = "specs/shared/binance_rest_signing.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def generated_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """specs/binance.yaml and a second spec including the same fragment, both generated."""
    root = tmp_path_factory.mktemp("fragments")
    shutil.copytree(ROOT / "specs" / "shared", root / "specs" / "shared")
    shutil.copytree(ROOT / "specs" / "schema", root / "specs" / "schema")
    binance = (ROOT / "specs" / "binance.yaml").read_text(encoding="utf-8")
    (root / "specs" / "binance.yaml").write_text(binance, encoding="utf-8")
    (root / "specs" / "binance_two.yaml").write_text(like_text("binance_two", binance, "binance"), encoding="utf-8")
    for name in ("binance", "binance_two"):
        result = runner.invoke(
            app, ["generate", name, "--specs-dir", str(root / "specs"), "-o", str(root / "generated")]
        )
        assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def tree(generated_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(generated_tree, tmp_path / "repo")
    monkeypatch.chdir(tmp_path / "repo")
    return tmp_path / "repo"


def test_the_manifest_records_the_fragment_hash(tree: Path) -> None:
    digest = hashlib.sha256((tree / FRAGMENT).read_bytes()).hexdigest()
    for name in ("binance", "binance_two"):
        manifest = json.loads((tree / "generated" / name / ".hbgen-manifest.json").read_text(encoding="utf-8"))
        assert manifest["fragments"] == {FRAGMENT: digest}
    committed = json.loads((ROOT / "generated" / "binance" / ".hbgen-manifest.json").read_text(encoding="utf-8"))
    assert committed["fragments"] == {FRAGMENT: hashlib.sha256((ROOT / FRAGMENT).read_bytes()).hexdigest()}


def test_a_changed_fragment_marks_every_dependent_package_out_of_date(tree: Path) -> None:
    drifts, checked = check_all(tree / "specs", tree / "generated")
    assert (drifts, checked) == ([], 2)
    listed = runner.invoke(app, ["list"], env={"COLUMNS": "400"})
    assert listed.output.count(" yes ") >= 4, listed.output  # generated and up to date, both

    fragment = tree / FRAGMENT
    fragment.write_text(fragment.read_text(encoding="utf-8") + "# a comment is a change too\n", encoding="utf-8")

    drifts, _ = check_all(tree / "specs", tree / "generated")
    assert sorted((d.connector, d.kind, d.path, d.detail) for d in drifts) == [
        (name, "modified", ".hbgen-manifest.json", f"shared fragment {FRAGMENT} changed")
        for name in ("binance", "binance_two")
    ]
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 1 and result.output.count(f"shared fragment {FRAGMENT} changed") == 2
    listed = runner.invoke(app, ["list"], env={"COLUMNS": "400"})
    stale = [line for line in listed.output.splitlines() if f"no (shared fragment {FRAGMENT} changed" in line]
    assert len(stale) == 2, listed.output

    result = runner.invoke(app, ["generate", "--all"])
    assert result.exit_code == 0, result.output
    assert check_all(tree / "specs", tree / "generated") == ([], 2)


def test_a_fixed_fact_in_the_fragment_reaches_every_package(tree: Path) -> None:
    fragment = tree / FRAGMENT
    text = fragment.read_text(encoding="utf-8")
    fragment.write_text(text.replace("name: X-MBX-APIKEY", "name: X-MBX-APIKEY-2"), encoding="utf-8")
    drifts, _ = check_all(tree / "specs", tree / "generated")
    assert {("binance", "binance_auth.py"), ("binance_two", "binance_two_auth.py")} <= {
        (d.connector, d.path) for d in drifts if d.kind == "modified"
    }, drifts
    assert runner.invoke(app, ["generate", "--all"]).exit_code == 0
    for name in ("binance", "binance_two"):
        generated = "".join(p.read_text(encoding="utf-8") for p in (tree / "generated" / name).glob("*.py"))
        assert "X-MBX-APIKEY-2" in generated


def test_validating_a_fragment_validates_the_specs_that_include_it(tree: Path) -> None:
    result = runner.invoke(app, ["validate", FRAGMENT])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"{FRAGMENT}: a shared fragment, included by specs/binance.yaml, " + (
        "specs/binance_two.yaml"
    )
    assert "2 valid, 0 invalid" in result.output
    (tree / FRAGMENT).write_text("fragment: broken\nauth: {recipes: {rest: {output: hexa}}}\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", FRAGMENT])
    assert result.exit_code == 2 and "[included by specs/binance.yaml:" in result.output


# ---------------------------------------------------------------------------------------------------------------
# The shipped Bybit connectors: spot and linear perpetual include shared/bybit_v5_trading.yaml, which includes the
# protocol fragment shared/bybit_v5.yaml. A change to either fragment marks both packages (and no other) out of date.

BYBIT_PROTOCOL = "specs/shared/bybit_v5.yaml"
BYBIT_TRADING = "specs/shared/bybit_v5_trading.yaml"
BYBIT_PACKAGES = ("bybit", "bybit_perpetual")


@pytest.fixture
def bybit_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The committed Bybit specs, fragments and packages, and KuCoin's (which includes no fragment)."""
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "specs" / "shared", root / "specs" / "shared")
    shutil.copytree(ROOT / "specs" / "schema", root / "specs" / "schema")
    for name in (*BYBIT_PACKAGES, "kucoin"):
        shutil.copy(ROOT / "specs" / f"{name}.yaml", root / "specs" / f"{name}.yaml")
        shutil.copytree(ROOT / "generated" / name, root / "generated" / name)
    monkeypatch.chdir(root)
    return root


def test_the_bybit_packages_record_both_fragments_they_are_built_from() -> None:
    for name in BYBIT_PACKAGES:
        manifest = json.loads((ROOT / "generated" / name / ".hbgen-manifest.json").read_text(encoding="utf-8"))
        assert manifest["fragments"] == {
            fragment: hashlib.sha256((ROOT / fragment).read_bytes()).hexdigest()
            for fragment in (BYBIT_PROTOCOL, BYBIT_TRADING)
        }


@pytest.mark.parametrize("fragment", [BYBIT_PROTOCOL, BYBIT_TRADING])
def test_a_changed_bybit_fragment_marks_spot_and_perpetual_out_of_date(bybit_tree: Path, fragment: str) -> None:
    assert check_all(bybit_tree / "specs", bybit_tree / "generated") == ([], 3)
    path = bybit_tree / fragment
    path.write_text(path.read_text(encoding="utf-8") + "# a comment is a change too\n", encoding="utf-8")
    drifts, _ = check_all(bybit_tree / "specs", bybit_tree / "generated")
    assert sorted((d.connector, d.kind, d.path, d.detail) for d in drifts) == [
        (name, "modified", ".hbgen-manifest.json", f"shared fragment {fragment} changed") for name in BYBIT_PACKAGES
    ]  # the protocol fragment reaches both through the trading fragment; KuCoin is untouched
    listed = runner.invoke(app, ["list"], env={"COLUMNS": "400"})
    assert sum(f"no (shared fragment {fragment} changed" in line for line in listed.output.splitlines()) == 2


def test_a_fact_fixed_in_the_bybit_protocol_fragment_reaches_spot_and_perpetual(bybit_tree: Path) -> None:
    path = bybit_tree / BYBIT_PROTOCOL
    text = path.read_text(encoding="utf-8")
    assert text.count("name: X-BAPI-SIGN}") == 1
    path.write_text(text.replace("name: X-BAPI-SIGN}", "name: X-BAPI-SIGNATURE}"), encoding="utf-8")
    drifts, _ = check_all(bybit_tree / "specs", bybit_tree / "generated")
    assert {(name, f"{name}_auth.py") for name in BYBIT_PACKAGES} <= {
        (d.connector, d.path) for d in drifts if d.kind == "modified"
    }, drifts
    assert "kucoin" not in {d.connector for d in drifts}
    assert runner.invoke(app, ["generate", *BYBIT_PACKAGES]).exit_code == 0
    for name in BYBIT_PACKAGES:
        assert '"X-BAPI-SIGNATURE"' in (bybit_tree / "generated" / name / f"{name}_auth.py").read_text(encoding="utf-8")
    assert check_all(bybit_tree / "specs", bybit_tree / "generated") == ([], 3)

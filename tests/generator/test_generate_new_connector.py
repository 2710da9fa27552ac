"""hbgen new-connector end to end: scaffold -> a valid spec -> a generated package -> its generated tests pass."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hbgen.cli import app
from hbgen.spec import check_file
from hbgen.suite import run_generated_tests

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary copy of the repository layout (specs/ with the Binance spec, generated/) as the working dir."""
    (tmp_path / "specs").mkdir()
    shutil.copy(ROOT / "specs" / "binance.yaml", tmp_path / "specs" / "binance.yaml")
    shutil.copytree(ROOT / "specs" / "shared", tmp_path / "specs" / "shared")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_scaffold_validates_generates_and_its_tests_pass(workspace: Path) -> None:
    result = runner.invoke(app, ["new-connector", "my_exchange"])
    assert result.exit_code == 0, result.output
    spec = workspace / "specs" / "my_exchange.yaml"
    text = spec.read_text()
    assert "TODO" in text and "name: my_exchange" in text and "api.binance" not in text and "x-MG43PCSN" not in text
    model, diagnostics = check_file(spec)
    assert model is not None, diagnostics
    assert runner.invoke(app, ["validate", str(spec)]).exit_code == 0
    package = workspace / "generated" / "my_exchange"
    assert (package / "my_exchange_exchange.py").is_file()
    run = run_generated_tests(package)
    assert run.ok, run.output
    assert run.passed >= 100 and run.failed == 0


def test_perpetual_scaffold_validates_generates_and_its_tests_pass(workspace: Path) -> None:
    result = runner.invoke(app, ["new-connector", "my_perp", "--type", "perpetual"])
    assert result.exit_code == 0, result.output
    spec = workspace / "specs" / "my_perp.yaml"
    text = spec.read_text()
    assert "TODO" in text and "type: perpetual" in text and "perpetual:" in text
    model, diagnostics = check_file(spec)
    assert model is not None, diagnostics
    assert model.type == "perpetual" and model.perpetual is not None
    package = workspace / "generated" / "my_perp"
    assert (package / "my_perp_derivative.py").is_file() and not (package / "my_perp_exchange.py").exists()
    # The author's next step: regenerate from the spec (nothing changed, nothing is rewritten), then check.
    before = {p: p.read_bytes() for p in package.rglob("*") if p.is_file()}
    regenerated = runner.invoke(app, ["generate", "my_perp"])
    assert regenerated.exit_code == 0, regenerated.output
    assert {p: p.read_bytes() for p in package.rglob("*") if p.is_file()} == before
    spec.write_text(text.replace("funding_poll_interval: 600", "funding_poll_interval: 300", 1), encoding="utf-8")
    edited = runner.invoke(app, ["generate", "my_perp"])
    assert edited.exit_code == 0, edited.output
    assert "FUNDING_FEE_POLL_INTERVAL = 300" in (package / "my_perp_constants.py").read_text(encoding="utf-8")
    run = run_generated_tests(package)
    assert run.ok, run.output
    assert run.passed >= 100 and run.failed == 0


def test_like_copies_an_existing_spec_with_the_name_replaced(workspace: Path) -> None:
    result = runner.invoke(app, ["new-connector", "binance_copy", "--like", "binance", "--no-generate"])
    assert result.exit_code == 0, result.output
    text = (workspace / "specs" / "binance_copy.yaml").read_text()
    assert "name: binance_copy" in text and "key: binance_copy_api_key" in text
    model, diagnostics = check_file(workspace / "specs" / "binance_copy.yaml")
    assert model is not None, diagnostics
    assert model.name == "binance_copy" and len(model.endpoints) == 13


def test_refuses_to_overwrite_and_rejects_bad_input(workspace: Path) -> None:
    before = (workspace / "specs" / "binance.yaml").read_bytes()
    result = runner.invoke(app, ["new-connector", "binance"])
    assert result.exit_code == 2 and "refusing to overwrite" in result.output
    assert (workspace / "specs" / "binance.yaml").read_bytes() == before
    for bad in ("9lives", "My-Exchange", "class", "a b"):
        result = runner.invoke(app, ["new-connector", bad])
        assert result.exit_code == 2, bad
        assert "invalid connector name" in result.output
    result = runner.invoke(app, ["new-connector", "opt", "--type", "options"])
    assert result.exit_code == 2 and "no templates yet" in result.output
    result = runner.invoke(app, ["new-connector", "other", "--like", "nope"])
    assert result.exit_code == 2 and "does not exist" in result.output
    assert sorted(p.name for p in (workspace / "specs").iterdir()) == ["binance.yaml", "shared"]

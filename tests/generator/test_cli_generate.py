"""CLI: generate / test / list messages and exit codes (0 ok, 1 failed, 2 bad input), never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hbgen.cli import app
from hbgen.generator import SPOT_FILES

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "specs").mkdir()
    shutil.copy(ROOT / "specs" / "binance.yaml", tmp_path / "specs" / "binance.yaml")
    shutil.copytree(ROOT / "specs" / "shared", tmp_path / "specs" / "shared")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_bad_spec_prints_positions_and_exits_2(workspace: Path) -> None:
    spec = workspace / "specs" / "broken.yaml"
    text = (workspace / "specs" / "binance.yaml").read_text().replace("name: binance", "name: broken")
    spec.write_text(text.replace("type: spot", "type: spto", 1))
    result = runner.invoke(app, ["generate", "broken"])
    assert result.exit_code == 2
    line = text.splitlines().index("type: spot") + 1
    assert f"specs/broken.yaml:{line}:7: type: expected one of spot, perpetual, gateway" in result.output
    assert "invalid spec" in result.output and "Traceback" not in result.output
    assert not (workspace / "generated").exists()


def test_missing_spec_and_bad_selection_exit_2(workspace: Path) -> None:
    result = runner.invoke(app, ["generate", "nope"])
    assert result.exit_code == 2 and "specs/nope.yaml:1:1: cannot read file" in result.output
    assert runner.invoke(app, ["generate"]).exit_code == 2
    assert runner.invoke(app, ["generate", "binance", "--all"]).exit_code == 2
    assert runner.invoke(app, ["test", "nothing_here"]).exit_code == 2


def test_generate_dry_run_hand_edit_force_and_list(workspace: Path) -> None:
    result = runner.invoke(app, ["generate", "binance", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "+++ b/binance_exchange.py" in result.output and "would change" in result.output
    assert not (workspace / "generated").exists()

    result = runner.invoke(app, ["generate", "--all"])
    assert result.exit_code == 0, result.output
    generated_files = len(SPOT_FILES)  # Binance names no hooks, so every planned file is generated
    row = next(line for line in result.output.splitlines() if "binance" in line)
    assert [cell.strip() for cell in row.split("│")[2:4]] == ["changed", str(generated_files)], row
    assert "1 connector(s): 1 changed, 0 unchanged, 0 failed" in result.output

    result = runner.invoke(app, ["generate", "binance"])
    assert result.exit_code == 0 and f"0 created, 0 updated, 0 removed, {generated_files} unchanged" in result.output

    listed = runner.invoke(app, ["list"])
    assert listed.exit_code == 0 and "binance" in listed.output and "yes" in listed.output

    exchange = workspace / "generated" / "binance" / "binance_exchange.py"
    exchange.write_text(exchange.read_text() + "# my edit\n")
    result = runner.invoke(app, ["generate", "binance"])
    assert result.exit_code == 1
    assert "edited by hand" in result.output and "+# my edit" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["generate", "binance", "--force"])
    assert result.exit_code == 0 and "backed up" in result.output
    assert "# my edit" not in exchange.read_text()


def test_test_command_reports_a_table_and_fails_on_a_failing_suite(workspace: Path) -> None:
    assert runner.invoke(app, ["generate", "binance"]).exit_code == 0
    tests = workspace / "generated" / "binance" / "tests"
    keep = tests / "test_binance_utils.py"
    for path in tests.glob("test_*.py"):
        if path != keep:
            path.unlink()
    result = runner.invoke(app, ["test", "binance"])
    assert result.exit_code == 0, result.output
    assert "binance" in result.output and "passed" in result.output
    keep.write_text(keep.read_text() + "\n\ndef test_broken() -> None:\n    assert False\n")
    result = runner.invoke(app, ["test", "--all"])
    assert result.exit_code == 1
    assert "test_broken" in result.output


def test_every_command_has_help() -> None:
    for command in ("generate", "test", "list", "new-connector", "demo", "validate", "schema"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0, command
        assert "Usage" in result.output


def test_partial_example_is_refused_with_its_reason(workspace: Path) -> None:
    result = runner.invoke(app, ["generate", str(ROOT / "specs" / "examples" / "okx.yaml"), "-o", "out"])
    assert result.exit_code == 1
    assert "okx is a partial example" in result.output and "OKX signing" in result.output
    assert "Traceback" not in result.output
    assert not (workspace / "out" / "okx").exists()


def test_validate_and_generate_agree_on_a_spec_without_a_last_price_endpoint(workspace: Path) -> None:
    text = (workspace / "specs" / "binance.yaml").read_text()
    start = text.index("  last_price:\n")
    end = text.index("  ticker_24h:\n")
    cut = text[:start] + text[end:]
    start, end = cut.index("  ticker_24h:\n"), cut.index("  book_ticker:\n")
    cut = cut[:start] + cut[end:]
    start, end = cut.index("  book_ticker:\n"), cut.index("  create_order:\n")
    (workspace / "specs" / "binance.yaml").write_text(cut[:start] + cut[end:])
    validated = runner.invoke(app, ["validate", "specs/binance.yaml"])
    assert validated.exit_code == 2
    assert "a spot package needs endpoints.last_price or endpoints.ticker_24h or endpoints.book_ticker" in (
        validated.output
    )
    generated = runner.invoke(app, ["generate", "binance"])
    assert generated.exit_code == 2 and "endpoints.last_price" in generated.output
    assert "Traceback" not in validated.output + generated.output


def test_generate_all_attempts_every_connector_and_summarises(workspace: Path) -> None:
    text = (workspace / "specs" / "binance.yaml").read_text()
    (workspace / "specs" / "aaa_broken.yaml").write_text(
        text.replace("name: binance", "name: aaa_broken", 1) + "x: 1\n"
    )
    (workspace / "specs" / "mirror.yaml").write_text(
        text.replace("name: binance", "name: mirror", 1).replace("binance_api_", "mirror_api_")
    )
    result = runner.invoke(app, ["generate", "--all"])
    assert result.exit_code == 2, result.output
    # The broken spec comes first alphabetically; the two good ones are still generated.
    assert (workspace / "generated" / "binance" / "binance_exchange.py").is_file()
    assert (workspace / "generated" / "mirror" / "mirror_exchange.py").is_file()
    assert "aaa_broken.yaml" in result.output and 'unknown key "x"' in result.output
    rows = {
        line.split("│")[1].strip(): line.split("│")[2].strip() for line in result.output.splitlines() if "│" in line
    }
    assert rows["aaa_broken"].startswith("invalid") and rows["binance"] == rows["mirror"] == "changed", rows
    assert "3 connector(s): 2 changed, 0 unchanged, 1 failed" in result.output

    (workspace / "specs" / "aaa_broken.yaml").unlink()
    exchange = workspace / "generated" / "mirror" / "mirror_exchange.py"
    exchange.write_text(exchange.read_text() + "# edited\n")
    result = runner.invoke(app, ["generate", "--all", "--dry-run"])
    assert result.exit_code == 0, result.output  # a dry run reports hand edits as changes and writes nothing
    assert "+# edited" not in result.output and "-# edited" in result.output
    assert exchange.read_text().endswith("# edited\n")
    result = runner.invoke(app, ["generate", "--all"])
    assert result.exit_code == 1, result.output
    assert "edited by hand" in result.output and "+# edited" in result.output
    assert "2 connector(s): 0 changed, 1 unchanged, 1 failed" in result.output

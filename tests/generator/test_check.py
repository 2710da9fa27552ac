"""`hbgen check` fails on each kind of drift between specs/ and generated/, and passes when clean."""

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hbgen.check import check_all
from hbgen.cli import app

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def clean_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("check")
    (root / "specs").mkdir()
    shutil.copy(REPO / "specs" / "binance.yaml", root / "specs" / "binance.yaml")
    shutil.copytree(REPO / "specs" / "shared", root / "specs" / "shared")
    shutil.copytree(REPO / "specs" / "schema", root / "specs" / "schema")
    shutil.copytree(
        REPO / "generated" / "binance", root / "generated" / "binance", ignore=shutil.ignore_patterns("__pycache__")
    )
    return root


@pytest.fixture
def tree(clean_tree: Path, tmp_path: Path) -> Path:
    shutil.copytree(clean_tree, tmp_path / "repo")
    return tmp_path / "repo"


def _kinds(root: Path) -> list[tuple[str, str]]:
    drifts, _ = check_all(root / "specs", root / "generated")
    return [(d.kind, d.path) for d in drifts]


def test_clean_tree_has_no_drift(tree: Path) -> None:
    assert _kinds(tree) == []


def test_modified_generated_file_is_drift(tree: Path) -> None:
    target = tree / "generated/binance/binance_constants.py"
    target.write_text(target.read_text() + "EXTRA = 1\n")
    assert _kinds(tree) == [("modified", "binance_constants.py")]


def test_missing_and_stale_files_are_drift(tree: Path) -> None:
    (tree / "generated/binance/binance_auth.py").unlink()
    (tree / "generated/binance/binance_leftover.py").write_text("# from an older spec\n")
    assert sorted(_kinds(tree)) == [("missing", "binance_auth.py"), ("stale", "binance_leftover.py")]


def test_spec_change_without_regeneration_is_drift(tree: Path) -> None:
    spec = tree / "specs/binance.yaml"
    spec.write_text(spec.read_text().replace("max_length: 32", "max_length: 30"))
    kinds = _kinds(tree)
    assert ("modified", "binance_constants.py") in kinds
    assert ("modified", ".hbgen-manifest.json") in kinds


def test_invalid_spec_and_missing_package_are_reported(tree: Path) -> None:
    shutil.rmtree(tree / "generated/binance")
    (tree / "specs/broken.yaml").write_text("name: broken\ntype: spot\nbogus: 1\n")
    kinds = _kinds(tree)
    assert ("missing-package", "") in kinds
    assert ("invalid-spec", "") in kinds


def test_cli_exit_codes(tree: Path) -> None:
    runner = CliRunner()
    args = ["check", "--specs-dir", str(tree / "specs"), "--output-dir", str(tree / "generated")]
    ok = runner.invoke(app, args)
    assert ok.exit_code == 0, ok.output
    assert "matches" in ok.output
    (tree / "generated/binance/binance_utils.py").write_text("# edited\n")
    bad = runner.invoke(app, args)
    assert bad.exit_code == 1
    assert "modified" in bad.output and "binance_utils.py" in bad.output and "hbgen generate" in bad.output

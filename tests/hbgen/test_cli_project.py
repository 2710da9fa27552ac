"""hbgen in the user's own repository (issue 10 §1 and §5): the project root, new-connector in an empty repository,
a failed new-connector that leaves nothing behind, `hbgen test` without its test tools, and help as people expect it.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hbgen.cli import app
from hbgen.project import find_root

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def invoke(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


# ----------------------------------------------------------------------------------------------------- project root


def test_the_root_is_the_nearest_folder_up_with_specs(tmp_path: Path) -> None:
    (tmp_path / "repo" / "specs").mkdir(parents=True)
    deep = tmp_path / "repo" / "generated" / "acme" / "tests"
    deep.mkdir(parents=True)
    assert find_root(deep) == Path("../../..")
    assert find_root(tmp_path / "repo") == Path(".")


def test_a_pyproject_with_a_tool_hbgen_table_marks_the_root(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.hbgen]\n', encoding="utf-8")
    (tmp_path / "src").mkdir()
    assert find_root(tmp_path / "src") == Path("..")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert find_root(tmp_path / "src") == tmp_path / "src"


def test_the_search_stops_at_the_top_of_the_git_work_tree(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()  # someone else's specs/, above the repository
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "sub").mkdir()
    assert find_root(repo / "sub") == repo / "sub"


def test_commands_run_from_a_subfolder_and_root_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    invoke("new-connector", "acme", "--no-generate")
    assert (tmp_path / "specs" / "acme.yaml").is_file()
    (tmp_path / "docs").mkdir()
    monkeypatch.chdir(tmp_path / "docs")
    out = invoke("validate")
    assert "../specs/acme.yaml: ok" in out
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert f"{tmp_path}/specs/acme.yaml: ok" in invoke("--root", str(tmp_path), "validate")
    assert "--root nowhere: no such folder" in invoke("--root", "nowhere", "validate", code=2)


# ------------------------------------------------------------------------------------------------- new-connector


def test_new_connector_in_an_empty_repository_writes_the_schema_its_spec_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = invoke("new-connector", "acme", "--no-generate")
    assert "wrote specs/schema/connector.schema.json" in out
    spec = (tmp_path / "specs" / "acme.yaml").read_text(encoding="utf-8")
    schema_ref = re.match(r"# yaml-language-server: \$schema=(\S+)", spec)
    assert schema_ref is not None
    written = (tmp_path / "specs" / schema_ref.group(1)).resolve()
    assert written.read_bytes() == (ROOT / "specs" / "schema" / "connector.schema.json").read_bytes()
    assert (tmp_path / "specs" / "schema" / "fragment.schema.json").is_file()
    # A second connector leaves existing schemas alone, and says when one differs.
    (tmp_path / "specs" / "schema" / "connector.schema.json").write_text("{}\n", encoding="utf-8")
    out = invoke("new-connector", "other", "--no-generate")
    assert "connector.schema.json differs from this hbgen's schema" in out
    assert (tmp_path / "specs" / "schema" / "connector.schema.json").read_text(encoding="utf-8") == "{}\n"


def _block(path: Path) -> None:
    """Make ``path`` unusable as a folder: a plain file stands where the folder should be (root ignores modes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("not a folder\n", encoding="utf-8")


def test_new_connector_that_cannot_write_its_spec_exits_2_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _block(tmp_path / "specs")
    out = invoke("new-connector", "acme", code=2)
    assert "cannot write" in out and "nothing was created" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["specs"]


def test_new_connector_whose_package_cannot_be_written_leaves_no_spec_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _block(tmp_path / "generated")
    out = invoke("new-connector", "acme", code=1)
    assert "cannot write" in out and "removed specs/acme.yaml again" in out
    assert not (tmp_path / "specs").exists()
    (tmp_path / "generated").unlink()
    invoke("new-connector", "acme")  # the rerun starts from the same place: no "already exists"
    assert (tmp_path / "generated" / "acme" / "acme_exchange.py").is_file()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="folder modes do not stop root")
def test_new_connector_into_a_read_only_specs_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").mkdir(mode=0o500)
    try:
        assert "Permission denied" in invoke("new-connector", "acme", code=2)
    finally:
        (tmp_path / "specs").chmod(0o700)


# ---------------------------------------------------------------------------------------------------- hbgen test


def test_hbgen_test_without_pytest_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "generated" / "acme" / "tests").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "pytest" else real(name, *a))
    out = invoke("test", "acme", code=1)
    assert "pytest is not installed" in out and "pip install 'hbgen[test]'" in out
    assert "passed" not in out and "connector" not in out  # no empty result table


def test_failing_test_ids_are_printed_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tests = tmp_path / "generated" / "acme" / "tests"
    tests.mkdir(parents=True)
    name = "test_" + "a_really_long_name_that_a_terminal_of_eighty_columns_would_wrap_" * 3 + "fails"
    (tests / "test_long.py").write_text(f"def {name}() -> None:\n    assert False\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["test", "acme"])  # not a terminal: rich would wrap at 80 columns
    assert result.exit_code == 1
    assert f"tests/test_long.py::{name}" in result.output


# ---------------------------------------------------------------------------------------------------------- help


@pytest.mark.parametrize("command", ["generate", "test", "doctor", "new-connector", "scaffold-update", "validate"])
def test_help_shows_flags_and_arguments_the_usual_way(command: str) -> None:
    out = invoke(command, "--help")
    assert "<bool>" not in out and "<str>" not in out and "<list" not in out and "{" not in out
    usage = next(line for line in out.splitlines() if "Usage:" in line)
    assert re.search(r"\[OPTIONS\] (NAME|\[NAMES\]\.\.\.|\[SPECS\]\.\.\.)\s*$", usage.strip()), usage
    if command in ("generate", "new-connector"):
        assert re.search(r"--output-dir\s+-o\s+PATH", out)


def test_the_command_list_has_whole_summaries() -> None:
    out = invoke("--help")
    line = next(line for line in out.splitlines() if "scaffold-update" in line)
    assert line.rstrip(" │").endswith("into a package's hand-owned files."), line
    assert "Exit 0 or 2" not in out


def test_validate_help_says_every_exit_code() -> None:
    assert "Exit 0 when every spec is valid, 2 when one is not" in invoke("validate", "--help")


def test_the_layout_required_paths_exist_in_the_repository() -> None:
    for rel in (
        "templates/spot",
        "templates/scaffold/copier.yml",
        "specs/schema/connector.schema.json",
        "runtime/hbrt",
    ):
        assert (ROOT / rel).exists(), rel

"""Hooks: a spec-named hook becomes a typed stub in a hand-owned module with a test that fails until it is written;
regeneration never overwrites a hand-written hook."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hbgen.generator import generate
from hbgen.spec import check_text

ROOT = Path(__file__).resolve().parents[2]
BINANCE = (ROOT / "specs" / "binance.yaml").read_text(encoding="utf-8")
HOOKS = """
hooks:
  binance_reconcile:
    at: exchange.status_polling
    description: Reconcile balances with the sub-account endpoint on every poll.
  binance_dedupe:
    at: symbols.resolve_duplicates
    description: Prefer the symbol with the larger volume when two symbols map to one pair.
"""


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hooks")
    (root / "specs").mkdir()
    path = root / "specs" / "binance.yaml"
    path.write_text(BINANCE + HOOKS, encoding="utf-8")
    return path


def _generate(spec_file: Path, out: Path):
    text = spec_file.read_text(encoding="utf-8")
    model, diagnostics = check_text(text, "specs/binance.yaml")
    assert model is not None, diagnostics
    return generate(model, spec_file, text, out / "binance")


def _run_hook_tests(package_parent: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    test = package_parent / "binance" / "tests" / "test_binance_hooks.py"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--import-mode=importlib", str(test)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_hook_module_has_typed_stubs_and_failing_tests(spec_file: Path, tmp_path: Path) -> None:
    report = _generate(spec_file, tmp_path)
    assert sorted(report.hand_owned_created) == [
        ".copier-answers.yml",
        "NOTES.md",
        "binance_hooks.py",
        "tests/test_binance_hooks.py",
    ]
    package = tmp_path / "binance"
    source = (package / "binance_hooks.py").read_text()
    assert source.startswith("# Created once by hbgen")
    tree = ast.parse(source)
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}
    assert isinstance(functions["binance_reconcile"], ast.AsyncFunctionDef)
    assert ast.unparse(functions["binance_dedupe"].returns) == "dict[str, str]"
    assert "Reconcile balances" in ast.get_docstring(functions["binance_reconcile"])
    exchange = (package / "binance_exchange.py").read_text()
    assert "await hooks.binance_reconcile(self)" in exchange
    assert "hooks.binance_dedupe(records)" in exchange
    manifest = (package / ".hbgen-manifest.json").read_text()
    assert '"binance_hooks.py"' in manifest
    result = _run_hook_tests(tmp_path)
    assert result.returncode == 1, result.stdout
    assert "2 failed" in result.stdout
    assert "write hook binance_reconcile" in result.stdout


def test_regeneration_keeps_hand_written_hooks_byte_for_byte(spec_file: Path, tmp_path: Path) -> None:
    _generate(spec_file, tmp_path)
    package = tmp_path / "binance"
    written = (
        "from typing import Any\n\n\nasync def binance_reconcile(connector: Any) -> None:\n    return None\n\n\n"
        "def binance_dedupe(records: list[Any]) -> dict[str, str]:\n"
        "    return {r.symbol: f'{r.base}-{r.quote}' for r in records}\n"
    )
    (package / "binance_hooks.py").write_bytes(written.encode())
    report = _generate(spec_file, tmp_path)
    assert report.hand_owned_created == []
    assert (package / "binance_hooks.py").read_bytes() == written.encode()
    result = _run_hook_tests(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr

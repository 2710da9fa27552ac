"""Every third-party module hbgen or hbrt imports is declared by the distribution that ships the importing code.

hbrt is its own distribution (a generated connector runs with hbrt installed and hbgen absent), so an import in
``runtime/hbrt`` that only hbgen's ``pyproject.toml`` declares works in this checkout and in the wheel test (which
installs both) and breaks for a user who installs hbrt alone: msgspec was such a case. The check is static: the
imports of every module, minus the standard library and the distributions' own packages, mapped to distributions
with ``importlib.metadata`` and compared with the declared requirements.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _requirements(pyproject: Path, extra: str | None) -> set[str]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    listed = list(project.get("dependencies", []))
    if extra is not None:
        listed += project.get("optional-dependencies", {}).get(extra, [])
    return {re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower().replace("_", "-") for requirement in listed}


def _imported_distributions(folder: Path, own: set[str]) -> dict[str, set[str]]:
    """Distribution name -> the files that import one of its modules (top-level and function-level imports)."""
    by_module = importlib.metadata.packages_distributions()
    found: dict[str, set[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        if "build" in path.relative_to(folder).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in own:
                    continue
                for dist in by_module.get(top, [top]):
                    found.setdefault(dist.lower().replace("_", "-"), set()).add(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize(
    ("folder", "pyproject", "extra", "own", "also_declared_by"),
    [
        # hbrt's library code: its own dependencies only.
        ("runtime/hbrt", "runtime/pyproject.toml", None, {"hbrt"}, None),
        # hbgen: its dependencies, and what hbrt (which it requires) brings.
        ("hbgen", "pyproject.toml", None, {"hbgen", "hbrt"}, "runtime/pyproject.toml"),
    ],
)
def test_imports_are_declared(
    folder: str, pyproject: str, extra: str | None, own: set[str], also_declared_by: str | None
) -> None:
    declared = _requirements(ROOT / pyproject, extra)
    if also_declared_by is not None:
        declared |= _requirements(ROOT / also_declared_by, extra)
    library = {  # hbrt.testing is checked against hbrt[test] below
        dist: files
        for dist, files in _imported_distributions(ROOT / folder, own).items()
        if any(not f.startswith("runtime/hbrt/testing/") for f in files)
    }
    undeclared = {dist: sorted(files)[:3] for dist, files in library.items() if dist not in declared}
    assert not undeclared, f"imported but not declared in {pyproject}: {undeclared}"


def test_hbrt_testing_imports_are_in_hbrt_or_its_test_extra() -> None:
    declared = _requirements(ROOT / "runtime" / "pyproject.toml", "test")
    imported = _imported_distributions(ROOT / "runtime" / "hbrt" / "testing", {"hbrt"})
    undeclared = {dist: sorted(files)[:3] for dist, files in imported.items() if dist not in declared}
    assert not undeclared, f"hbrt.testing imports what hbrt[test] does not declare: {undeclared}"

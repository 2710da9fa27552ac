"""Two distributions, hbrt and hbgen, at one version; the installed packages and the console script.

The wheels themselves are built, installed and used in tests/test_wheel_install.py.
"""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import hbrt

import hbgen


def test_both_packages_import_with_versions() -> None:
    assert hbgen.__version__
    assert hbrt.__version__


def test_console_script_reports_versions() -> None:
    exe = shutil.which("hbgen") or None
    cmd = [exe, "version"] if exe else [sys.executable, "-m", "hbgen", "version"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    assert f"hbgen {hbgen.__version__}" in out
    assert f"hbrt {hbrt.__version__}" in out


ROOT = Path(__file__).resolve().parents[1]


def _project(path: Path) -> dict[str, object]:
    with path.open("rb") as handle:
        project = tomllib.load(handle)["project"]
    assert isinstance(project, dict)
    return project


def test_hbgen_depends_on_hbrt_at_its_own_version_and_the_versions_agree() -> None:
    hbgen_project = _project(ROOT / "pyproject.toml")
    hbrt_project = _project(ROOT / "runtime" / "pyproject.toml")
    version = hbgen.__version__
    assert hbgen_project["version"] == hbrt_project["version"] == hbrt.__version__ == version
    dependencies = hbgen_project["dependencies"]
    assert isinstance(dependencies, list) and f"hbrt=={version}" in dependencies
    extras = hbgen_project["optional-dependencies"]
    assert isinstance(extras, dict) and f"hbrt[test]=={version}" in extras["test"]


def test_the_runtime_needs_none_of_the_generator() -> None:
    dependencies = _project(ROOT / "runtime" / "pyproject.toml")["dependencies"]
    assert isinstance(dependencies, list)
    # What a generated connector runs on, and nothing of the generator's (tests/test_declared_dependencies.py checks
    # that every third-party module hbrt imports is declared here).
    assert [d.split(">")[0].split("=")[0] for d in dependencies] == ["aiohttp", "yarl", "multidict", "msgspec"]
    assert not list((ROOT / "runtime" / "hbrt").rglob("*hbgen*"))


def test_licenses_are_spdx_strings() -> None:
    # A table (`license = { text = ... }`) makes setuptools print a deprecation warning on every install.
    assert _project(ROOT / "pyproject.toml")["license"] == "Apache-2.0"
    assert _project(ROOT / "runtime" / "pyproject.toml")["license"] == "Apache-2.0"

"""hbgen as people install it (issue 10 §1): both wheels built from the sources, installed in a fresh virtual
environment, and used in an empty git repository far from this checkout.

One walk, in order, with the installed ``hbgen`` only (no PYTHONPATH, working directory outside the checkout):

1. ``pip wheel`` builds hbrt and hbgen without a single setuptools warning; the hbgen wheel carries the templates,
   the Copier scaffold template and the JSON Schemas, and no ``hbrt``;
2. a fresh venv gets both wheels (not the test extra): ``new-connector`` (which writes ``specs/schema/``),
   ``validate``, ``generate``, ``doctor``, ``check`` and ``list`` run green, with a complete spec copied in too;
   ``hbgen test`` says pytest is missing and how to install it;
3. with ``hbrt[test]`` installed, ``hbgen test --all`` is green, and ``scaffold-update`` merges a hook added later
   (Copier's template history comes from the installed wheel, not from a checkout);
4. with hbgen uninstalled, a generated package still imports and its suite passes on hbrt alone.

Slow-ish (a venv and a pip install from pip's cache or PyPI), so it is all one test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
#: What building the two distributions reads: the sources, nothing else of the checkout.
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "hbgen", "templates", "specs/schema", "runtime")
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "hbgen tests",
    "GIT_AUTHOR_EMAIL": "tests@hbgen.invalid",
    "GIT_COMMITTER_NAME": "hbgen tests",
    "GIT_COMMITTER_EMAIL": "tests@hbgen.invalid",
}

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not on PATH")


def run(args: list[str | Path], cwd: Path, env: dict[str, str], code: int | None = 0) -> str:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    output = proc.stdout + proc.stderr
    if code is not None:
        assert proc.returncode == code, f"{args} exited {proc.returncode}, expected {code}:\n{output}"
    assert "Traceback" not in output, output
    return output


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "PIP_REQUIRE"))}
    env.update(GIT_IDENTITY)
    env["HOME"] = str(tmp_path / "home")
    env["PIP_CACHE_DIR"] = os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")
    env["COLUMNS"] = "200"
    return env


def copy_sources(target: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist", ".mypy_cache")
    for rel in SOURCES:
        source = ROOT / rel
        if source.is_dir():
            shutil.copytree(source, target / rel, ignore=ignore)
        else:
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / rel)


def test_the_wheels_install_and_work_in_an_empty_repository(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    (tmp_path / "home").mkdir()

    # 1. Build both wheels from a copy of the sources.
    src, dist = tmp_path / "src", tmp_path / "dist"
    copy_sources(src)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    build_log = run([*pip, "wheel", "--no-deps", "-w", dist, src / "runtime", src], tmp_path, env)
    warnings = [line for line in build_log.splitlines() if "Warning" in line or "deprecat" in line.lower()]
    assert warnings == [], "\n".join(warnings)
    hbrt_wheel = next(dist.glob("hbrt-*.whl"))
    hbgen_wheel = next(dist.glob("hbgen-*.whl"))
    names = zipfile.ZipFile(hbgen_wheel).namelist()
    for packaged in (
        "hbgen/_data/templates/spot/exchange.py.j2",
        "hbgen/_data/templates/new_connector/spot.yaml.j2",
        "hbgen/_data/templates/scaffold/copier.yml",
        "hbgen/_data/templates/scaffold/hooks.jinja",
        "hbgen/_data/schema/connector.schema.json",
        "hbgen/_data/schema/fragment.schema.json",
        "hbgen/py.typed",
    ):
        assert packaged in names, packaged
    assert not any(name.startswith("hbrt/") for name in names)
    assert "hbrt/py.typed" in zipfile.ZipFile(hbrt_wheel).namelist()

    # 2. A fresh virtual environment with both wheels, without the test extra.
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    vpip = [bin_dir / "python", "-m", "pip", "--disable-pip-version-check", "-q"]
    run([*vpip, "install", "--no-compile", "--find-links", dist, hbrt_wheel, hbgen_wheel], tmp_path, env)
    hbgen = bin_dir / "hbgen"

    project = tmp_path / "project"
    project.mkdir()
    run(["git", "init", "-q"], project, env)
    out = run([hbgen, "new-connector", "acme"], project, env)
    assert "wrote specs/acme.yaml" in out and "wrote specs/schema/connector.schema.json" in out
    schema = (project / "specs" / "schema" / "connector.schema.json").read_bytes()
    assert schema == (ROOT / "specs" / "schema" / "connector.schema.json").read_bytes()
    assert (
        (project / "specs" / "acme.yaml")
        .read_text(encoding="utf-8")
        .startswith("# yaml-language-server: $schema=./schema/connector.schema.json")
    )
    assert (project / "generated" / "acme" / "NOTES.md").is_file()

    # A complete spec of our own, with the fragment it includes.
    shutil.copy(ROOT / "specs" / "binance.yaml", project / "specs" / "binance.yaml")
    shutil.copytree(ROOT / "specs" / "shared", project / "specs" / "shared")
    run([hbgen, "validate", "specs/acme.yaml", "specs/binance.yaml"], project, env)
    run([hbgen, "generate", "acme"], project, env)
    run([hbgen, "generate", "binance"], project, env)
    # From a subfolder the project root is found upward.
    run([hbgen, "doctor", "binance"], project / "generated" / "binance", env)
    run([hbgen, "doctor", "acme"], project, env)
    assert "ok:" in run([hbgen, "check"], project, env)
    listing = run([hbgen, "list"], project, env)
    assert "acme" in listing and "binance" in listing and "no (run" not in listing

    out = run([hbgen, "test", "binance"], project, env, code=1)
    assert "pytest and aioresponses are not installed" in out and "pip install 'hbgen[test]'" in out
    assert "passed" not in out  # no empty table that reads like a result

    # 3. With the runtime's test extra: the generated suites run, and the scaffold updates from the wheel.
    run([*vpip, "install", "--no-compile", "--find-links", dist, f"{hbrt_wheel}[test]"], tmp_path, env)
    out = run([hbgen, "test", "--all"], project, env)
    assert "acme" in out and "binance" in out

    run(["git", "add", "."], project, env)
    run(["git", "commit", "-q", "-m", "acme and binance"], project, env)
    spec = project / "specs" / "acme.yaml"
    doc = yaml.safe_load(spec.read_text(encoding="utf-8"))
    assert "hooks" not in doc
    spec.write_text(
        spec.read_text(encoding="utf-8")
        + "\nhooks:\n  acme_poll:\n    at: exchange.status_polling\n    description: Poll the sub-accounts.\n",
        encoding="utf-8",
    )
    run([hbgen, "generate", "acme"], project, env)  # the first hook: the module is created
    run(["git", "add", "."], project, env)
    run(["git", "commit", "-q", "-m", "a hook"], project, env)
    spec.write_text(
        spec.read_text(encoding="utf-8")
        + "  acme_cancel:\n    at: exchange.cancel_order\n    description: Cancel by client order id.\n",
        encoding="utf-8",
    )
    assert "hbgen scaffold-update acme" in run([hbgen, "generate", "acme"], project, env, code=1)
    run(["git", "commit", "-q", "-am", "a second hook"], project, env)
    out = run([hbgen, "scaffold-update", "acme"], project, env)
    assert "merged: acme_hooks.py" in out
    module = (project / "generated" / "acme" / "acme_hooks.py").read_text(encoding="utf-8")
    assert "async def acme_poll(" in module and "async def acme_cancel(" in module
    answers = (project / "generated" / "acme" / ".copier-answers.yml").read_text(encoding="utf-8")
    assert str(tmp_path) not in answers and "site-packages" not in answers

    # 4. Without hbgen, a generated connector imports and its suite runs on hbrt alone.
    run([*vpip, "uninstall", "-y", "hbgen"], tmp_path, env)
    check_env = dict(env, PYTHONPATH=str(project / "generated"))
    run([bin_dir / "python", "-c", "import binance.binance_exchange"], tmp_path, check_env)
    run(
        [bin_dir / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--import-mode=importlib", "tests"],
        project / "generated" / "binance",
        check_env,
    )

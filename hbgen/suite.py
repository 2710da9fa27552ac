"""Running generated packages' test suites (``hbgen test``): pytest in a subprocess each, the counts read from its
JUnit report, a summary table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer

from hbgen.selection import CommandError, connector_names


@dataclass
class TestRun:
    """What one generated suite run produced."""

    __test__ = False  # not a pytest test class

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    errors: int = 0
    seconds: float = 0.0
    returncode: int = 0
    output: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.failed and not self.errors and self.passed > 0


#: What running a generated suite needs besides hbrt: the test extra of the hbrt (and hbgen) distribution.
TEST_TOOLS = ("pytest", "aioresponses")


def missing_test_tools() -> str | None:
    """What to say when pytest or aioresponses is missing (instead of an empty result table), else None."""
    import importlib.util

    missing = [name for name in TEST_TOOLS if importlib.util.find_spec(name) is None]
    if not missing:
        return None
    return (
        f"cannot run generated tests: {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not "
        "installed. Generated suites run with pytest and aioresponses, the test extra of the runtime: "
        "pip install 'hbgen[test]' (or, for the runtime alone, pip install 'hbrt[test]')."
    )


#: How long one generated suite may run (a Binance suite takes seconds); a test stuck for two minutes has pytest print
#: every thread's stack (faulthandler), so a hang says where it is instead of holding hbgen forever.
SUITE_TIMEOUT = 900.0


def run_generated_tests(
    package_dir: Path, extra_args: list[str] | None = None, timeout: float = SUITE_TIMEOUT
) -> TestRun:
    """Run a generated package's tests with pytest in a subprocess, ``package_dir``'s parent on PYTHONPATH; a suite
    that outlives ``timeout`` seconds is stopped and counts as failed."""
    import os
    import subprocess
    import sys
    import tempfile
    import time
    import xml.etree.ElementTree as ET

    env = dict(os.environ)
    parent = str(package_dir.resolve().parent)
    env["PYTHONPATH"] = parent + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    run = TestRun()
    with tempfile.TemporaryDirectory(prefix="hbgen-test-") as scratch:
        junit = Path(scratch) / "junit.xml"
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--import-mode=importlib",
            f"--junitxml={junit}",
            "-o",
            "faulthandler_timeout=120",
            str(package_dir / "tests"),
            *(extra_args or []),
        ]
        started = time.perf_counter()
        try:
            proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            run.seconds = time.perf_counter() - started
            run.returncode = -1
            partial = "".join(
                part.decode(errors="replace") if isinstance(part, bytes) else part
                for part in (exc.stdout, exc.stderr)
                if part
            )
            run.output = f"{partial}\nthe suite did not finish within {timeout:.0f} s; pytest was stopped"
            return run
        run.seconds = time.perf_counter() - started
        run.returncode = proc.returncode
        run.output = proc.stdout + proc.stderr
        if junit.is_file():
            root = ET.parse(junit).getroot()
            for suite in [root] if root.tag == "testsuite" else list(root):
                tests = int(suite.get("tests", 0))
                failed = int(suite.get("failures", 0))
                errors = int(suite.get("errors", 0))
                skipped = int(suite.get("skipped", 0))
                run.failed += failed
                run.errors += errors
                run.skipped += skipped
                run.passed += tests - failed - errors - skipped
    return run


def require_test_tools() -> None:
    """Raise :class:`CommandError` (exit 1) saying what to install when pytest or aioresponses is missing."""
    message = missing_test_tools()
    if message is not None:
        raise CommandError(message, 1)


def run_suites(names: list[str] | None, all_: bool, output_dir: Path, verbose: bool) -> int:
    """``hbgen test``: run the suite of each package selected by ``names`` or ``all_`` and print a summary table; the
    exit code is 1 on any failure.

    pytest's output (every suite's with ``verbose``, a failing one's always) is printed as it is, never wrapped, so
    test ids can be copied from it.
    """
    from rich.console import Console
    from rich.table import Table

    require_test_tools()
    table = Table(title="generated connector tests")
    for column in ("connector", "passed", "failed", "skipped", "time"):
        table.add_column(column, justify="left" if column == "connector" else "right")
    failures = 0
    for name in connector_names(names, all_, output_dir):
        package_dir = output_dir / name
        if not (package_dir / "tests").is_dir():
            raise CommandError(f"{package_dir}: no generated package with tests (run `hbgen generate {name}`)")
        run = run_generated_tests(package_dir)
        if not run.ok or verbose:
            typer.echo(run.output.rstrip("\n"))
        failures += not run.ok
        table.add_row(name, str(run.passed), str(run.failed + run.errors), str(run.skipped), f"{run.seconds:.1f}s")
    Console().print(table)
    return 1 if failures else 0

"""``hbgen demo``: generate a connector into a temporary folder, run its generated tests, print a summary."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import typer

from hbgen.generate_runs import run_generate
from hbgen.suite import require_test_tools, run_generated_tests
from hbgen.summary import count_lines, fragment_lines

#: Hummingbot's Binance spot connector, for the size comparison (hummingbot-contract.md §11).
HUMMINGBOT_BINANCE_SOURCE_LINES = 1287
HUMMINGBOT_BINANCE_TEST_LINES = 2447


def run_demo(spec: Path, keep: bool) -> int:
    """Generate ``spec`` into a temporary folder (kept with ``keep``), run its tests, print what it made; the exit
    code: 0, 1 when a test failed or generation failed (or pytest is missing), 2 for an invalid spec."""
    require_test_tools()
    scratch = Path(tempfile.mkdtemp(prefix="hbgen-demo-"))
    try:
        started = time.perf_counter()
        outcome = run_generate(spec, scratch)
        if outcome.code or outcome.package_dir is None:
            typer.echo(outcome.message, err=True)
            return outcome.code or 1
        package_dir = outcome.package_dir
        generate_s = time.perf_counter() - started
        counts = count_lines(package_dir)
        spec_lines = len(spec.read_text(encoding="utf-8").splitlines())
        shared = fragment_lines(spec)
        spec_text = f"{spec_lines} lines" + (f" + {shared} in shared fragments" if shared else "")
        typer.echo(f"generated {package_dir.name} from {spec} in {generate_s:.2f}s into {package_dir}")
        run = run_generated_tests(package_dir)
        if not run.ok:
            typer.echo(run.output)
        typer.echo(
            f"files: {counts['files']} Python files | spec: {spec_text} | generated source: "
            f"{counts['source']} lines | generated tests: {counts['tests']} lines | hooks: {counts['hooks']} lines"
        )
        typer.echo(
            f"tests: {run.passed} passed, {run.failed + run.errors} failed, {run.skipped} skipped in {run.seconds:.1f}s"
        )
        if package_dir.name == "binance":
            typer.echo(
                f"Hummingbot's hand-written Binance spot connector: {HUMMINGBOT_BINANCE_SOURCE_LINES} source lines, "
                f"{HUMMINGBOT_BINANCE_TEST_LINES} test lines"
            )
        return 0 if run.ok else 1
    finally:
        if keep:
            typer.echo(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)

"""Benchmark: how long ``hbgen generate`` takes, for one connector and for every shipped spec.

* ``cold_cli_s``: wall time of a fresh ``hbgen generate binance --output-dir <tmp>`` process (interpreter start,
  imports, load and validate the spec, render, format with ruff, write), median of ``RUNS`` runs, each into a new
  empty directory. Jinja's compiled-template cache is warm, as on every run after the first one.
* ``cold_cli_uncached_s``: the same with ``HBGEN_TEMPLATE_CACHE=0`` (every template compiled from source), what the
  very first run on a machine costs.
* ``cold_all_s``: a fresh ``hbgen generate --all --output-dir <tmp>`` process (every ``specs/*.yaml``; ``all_specs``
  says how many), median of ``RUNS`` runs.
* ``render_s``: in-process time of :func:`hbgen.generator.render` on the already-built model (templates, header and
  ruff formatting, no writing), median of several runs after one warm-up.
* ``load_s``: in-process time of :func:`hbgen.spec.load_spec` (load, schema and semantic validation, model).

Prints exactly one JSON line. Goals: ``cold_cli_s`` under 1 s, ``cold_all_s`` under 3 s.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "binance.yaml"
RUNS = 5


def cold_cli_runs(arguments: list[str], runs: int = RUNS, env: dict[str, str] | None = None) -> list[float]:
    hbgen = Path(sys.executable).parent / "hbgen"
    command = [str(hbgen)] if hbgen.exists() else [sys.executable, "-m", "hbgen"]
    times = []
    for _ in range(runs):
        scratch = Path(tempfile.mkdtemp(prefix="hbgen-bench-"))
        try:
            started = time.perf_counter()
            subprocess.run(
                [*command, "generate", *arguments, "--output-dir", str(scratch)],
                cwd=ROOT,
                check=True,
                capture_output=True,
                env={**os.environ, **(env or {})},
            )
            times.append(time.perf_counter() - started)
            assert (scratch / "binance" / "binance_exchange.py").is_file()
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return times


def in_process(runs: int = RUNS) -> tuple[list[float], list[float], int]:
    from hbgen.generator import render
    from hbgen.spec import load_spec

    load_times = []
    model = None
    for _ in range(runs):
        started = time.perf_counter()
        model = load_spec(SPEC)
        load_times.append(time.perf_counter() - started)
    assert model is not None
    render(model, SPEC)  # warm-up (template compilation)
    render_times = []
    files = []
    for _ in range(runs):
        started = time.perf_counter()
        files = render(model, SPEC)
        render_times.append(time.perf_counter() - started)
    return load_times, render_times, len(files)


def main() -> None:
    cold_cli_runs(["binance"], runs=1)  # fills the template cache if this machine never ran hbgen
    cold = cold_cli_runs(["binance"])
    uncached = cold_cli_runs(["binance"], runs=3, env={"HBGEN_TEMPLATE_CACHE": "0"})
    cold_all = cold_cli_runs(["--all"])
    load_times, render_times, file_count = in_process()
    specs = sorted(p.stem for p in (ROOT / "specs").glob("*.yaml"))
    median_all = statistics.median(cold_all)
    result = {
        "bench": "generate",
        "cold_cli_s": round(statistics.median(cold), 4),
        "cold_cli_runs_s": [round(t, 4) for t in cold],
        "cold_cli_uncached_s": round(statistics.median(uncached), 4),
        "cold_all_s": round(median_all, 4),
        "cold_all_runs_s": [round(t, 4) for t in cold_all],
        "all_specs": len(specs),
        "specs": specs,
        "render_s": round(statistics.median(render_times), 4),
        "load_s": round(statistics.median(load_times), 4),
        "files": file_count,
        "goal_cold_cli_s": 1.0,
        "goal_cold_all_s": 3.0,
        "meets_goals": statistics.median(cold) < 1.0 and median_all < 3.0,
        "python": platform.python_version(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

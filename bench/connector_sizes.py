"""Benchmark: the size of every exchange connector in ``specs/`` against Hummingbot's hand-written one.

README's per-connector table comes from this script, so its numbers follow the repository instead of drifting
whenever a template changes. For every spot and perpetual spec in ``specs/`` (gateway specs have no hand-written
Hummingbot connector per exchange to compare with) it counts, from the repository as it is:

* ``spec_lines``: lines of ``specs/<name>.yaml``; ``fragment_lines``: lines of each shared fragment it includes
  (recursively, as ``hbgen`` composes them), so that a fact written once for two connectors counts for both;
* ``hooks``: the hooks the spec declares; ``hook_lines``: lines of the package's hand-owned Python modules
  outside ``tests/`` (the hooks module the scaffold wrote, as the author filled it in);
* ``generated_source_lines`` / ``generated_test_lines``: lines of the ``.py`` files the package manifest lists as
  generated, outside and inside ``tests/``;
* ``tests``: the tests pytest collects in ``generated/<name>/tests`` (a separate ``pytest --collect-only``
  process per package), and ``shared_suite_tests``: how many of them the package inherits from the runtime's
  shared suites (``hbrt.testing.*``), by the suite that first defines each (a spot test the perpetual suite
  refines still counts as spot);
* ``hummingbot_source_lines`` / ``hummingbot_test_lines``: Hummingbot's hand-written connector for the same
  exchange (the data table :data:`HUMMINGBOT` below, the figures the issues state; ``null`` for an exchange the
  table lacks);
* ``share_of_hummingbot``: (spec + fragments + hook lines) / (Hummingbot source + tests), the fraction of
  Hummingbot's hand-written lines a connector author writes here.

Prints exactly one JSON line. ``--markdown`` prints README's table instead; ``--readme`` writes it into README.md
(the table, and the Binance figures above it); ``--only NAME`` (repeatable) limits the run to some connectors.
``tests/test_connector_sizes.py`` fails when README's figures are not what this script computes.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
GENERATED = ROOT / "generated"

#: Hummingbot's hand-written connector per exchange: (source lines, test lines): ``wc -l`` over the ``.py`` files of
#: the connector's folder and of its test folder (``hummingbot/connector/{exchange,derivative}/<name>/`` and
#: ``test/hummingbot/connector/.../<name>/``) at Hummingbot commit 2bfaccc4, its ``dummy.pxd``/``dummy.pyx`` stubs
#: left out, as the issues state them.
HUMMINGBOT: dict[str, tuple[int, int]] = {
    "binance": (1_287, 2_447),
    "binance_perpetual": (1_826, 3_631),
    "okx": (1_199, 2_441),
    "kraken": (1_580, 2_290),
    "kucoin": (1_354, 3_764),
    "bybit": (1_839, 3_249),
    "bybit_perpetual": (2_395, 3_072),
}

#: The connector types with a hand-written Hummingbot connector per exchange to compare with.
TYPES = ("spot", "perpetual")

#: The runtime's shared suites, as the table names them.
SUITES = {"hbrt.testing.exchange_connector_test": "spot", "hbrt.testing.perpetual_derivative_test": "perpetual"}

#: The modules each shared suite is composed of, by prefix: the spot suite's tests live in one module per area
#: (exchange_market_tests, exchange_order_tests, ...), the perpetual suite's members beside its tests.
SUITE_PARTS = {
    "hbrt.testing.exchange_": "hbrt.testing.exchange_connector_test",
    "hbrt.testing.perpetual_derivative_": "hbrt.testing.perpetual_derivative_test",
}


def suite_of(module: str) -> str:
    """The shared suite a module of ``hbrt.testing`` is part of (the module itself when it is none)."""
    return next((suite for prefix, suite in SUITE_PARTS.items() if module.startswith(prefix)), module)


#: Run inside a separate interpreter at the repository root, so the project's pytest settings apply and the
#: generated packages' imports stay out of this process. Prints {nodeid: the module of the suite the test comes from}.
COLLECT = """
import json, sys
import pytest

class Recorder:
    def __init__(self):
        self.items = {}

    def pytest_collection_finish(self, session):
        for item in session.items:
            function = getattr(item, "obj", None)
            module = getattr(function, "__module__", None) or ""
            # A shared test counts for the suite that first defines it, even when a later suite refines it (the
            # perpetual suite overrides some spot tests); a test the package defines itself is its own.
            if module.startswith("hbrt.testing."):
                cls = getattr(item, "cls", None)
                for klass in reversed(cls.__mro__ if cls is not None else ()):
                    if item.name in vars(klass) and klass.__module__.startswith("hbrt.testing."):
                        module = klass.__module__
                        break
            self.items[item.nodeid] = module

recorder = Recorder()
code = pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", sys.argv[1]], plugins=[recorder])
sys.stdout.write("\\n@@COLLECTED@@" + json.dumps({"exit": int(code), "items": recorder.items}) + "\\n")
"""


def lines_of(path: Path) -> int:
    with path.open(encoding="utf-8") as handle:
        return sum(1 for _ in handle)


def spec_files() -> list[Path]:
    return sorted(path for path in SPECS.glob("*.yaml") if path.is_file())


def collect(tests: Path) -> dict[str, str]:
    """Every test pytest collects under ``tests`` (node id -> the shared suite's module it comes from, or the
    package's own test module)."""
    run = subprocess.run(
        [sys.executable, "-c", COLLECT, str(tests.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    marker = run.stdout.rfind("@@COLLECTED@@")
    if marker < 0:
        raise SystemExit(f"collecting {tests} failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    result = json.loads(run.stdout[marker + len("@@COLLECTED@@") :])
    if result["exit"] != 0:
        raise SystemExit(f"collecting {tests} failed (pytest exit {result['exit']}):\n{run.stdout[-3000:]}")
    items: dict[str, str] = result["items"]
    return items


def measure(spec_path: Path, *, count_tests: bool = True) -> dict[str, Any] | None:
    """The sizes of one spec's connector, or None for a spec without a Hummingbot counterpart (gateway, partial)."""
    from hbgen.spec.includes import load_composed

    document = load_composed(spec_path, str(spec_path.relative_to(ROOT)))
    data = document.data
    if data.get("type") not in TYPES or data.get("partial"):
        return None
    name = str(data["name"])
    fragments = [ROOT / source.file for source in document.sources[1:]]
    package = GENERATED / name
    manifest = json.loads((package / ".hbgen-manifest.json").read_text(encoding="utf-8"))
    generated = [rel for rel in manifest["files"] if rel.endswith(".py")]
    source = [rel for rel in generated if not rel.startswith("tests/")]
    tests = [rel for rel in generated if rel.startswith("tests/")]
    hand_owned = [
        rel
        for rel in manifest.get("hand_owned", [])
        if rel.endswith(".py") and not rel.startswith("tests/") and (package / rel).is_file()
    ]
    row: dict[str, Any] = {
        "name": name,
        "display_name": data.get("display_name", name),
        "type": data["type"],
        "spec": str(spec_path.relative_to(ROOT)),
        "spec_lines": lines_of(spec_path),
        "fragments": {str(path.relative_to(ROOT)): lines_of(path) for path in fragments},
        "fragment_lines": sum(lines_of(path) for path in fragments),
        "hooks": len(data.get("hooks") or {}),
        "hook_lines": sum(lines_of(package / rel) for rel in hand_owned),
        "generated_source_lines": sum(lines_of(package / rel) for rel in source),
        "generated_test_lines": sum(lines_of(package / rel) for rel in tests),
    }
    if count_tests:
        collected = collect(package / "tests")
        shared = Counter(suite_of(module) for module in collected.values() if module.startswith("hbrt.testing."))
        row["tests"] = len(collected)
        row["shared_suite_tests"] = dict(sorted(shared.items()))
    hummingbot = HUMMINGBOT.get(name)
    row["hummingbot_source_lines"], row["hummingbot_test_lines"] = hummingbot or (None, None)
    written = row["spec_lines"] + row["fragment_lines"] + row["hook_lines"]
    row["share_of_hummingbot"] = round(written / sum(hummingbot), 4) if hummingbot else None
    return row


def _n(value: int | None) -> str:
    return "n/a" if value is None else f"{value:,}"


def label(row: dict[str, Any]) -> str:
    """The connector's display name, with its type unless the name says it (Binance spot, Bybit Perpetual)."""
    name = str(row["display_name"])
    return name if row["type"] in name.lower() else f"{name} {row['type']}"


def markdown(rows: list[dict[str, Any]]) -> str:
    """README's table: one row per connector."""
    out = [
        "| Connector | Spec lines | Hooks (lines) | Generated source + tests | Generated tests "
        "| Hummingbot source + tests | Spec + hooks / Hummingbot |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        spec = _n(row["spec_lines"]) + "".join(f" + {_n(n)}" for n in row["fragments"].values())
        hooks = f"{row['hooks']} ({_n(row['hook_lines'])})" if row["hooks"] else "0"
        shared = row.get("shared_suite_tests", {})
        tests = _n(row.get("tests"))
        if len(shared) == 1:
            ((module, count),) = shared.items()
            tests += f" ({count} from the shared {SUITES.get(module, module)} suite)"
        elif shared:
            suites = ", ".join(f"{n} {SUITES.get(module, module)}" for module, n in shared.items())
            tests += f" ({sum(shared.values())} from the shared suites: {suites})"
        hummingbot = (
            f"{_n(row['hummingbot_source_lines'])} + {_n(row['hummingbot_test_lines'])}"
            if row["hummingbot_source_lines"] is not None
            else "n/a"
        )
        share = f"{row['share_of_hummingbot']:.0%}" if row["share_of_hummingbot"] is not None else "n/a"
        out.append(
            f"| {label(row)} (`{row['name']}`) | {spec} | {hooks} "
            f"| {_n(row['generated_source_lines'])} + {_n(row['generated_test_lines'])} | {tests} | {hummingbot} "
            f"| {share} |"
        )
    return "\n".join(out)


README = ROOT / "README.md"
TABLE_HEADER = "| Connector | Spec lines |"


def readme_with(text: str, rows: list[dict[str, Any]]) -> str:
    """README's text with the per-connector table and the Binance figures above it replaced by ``rows``' numbers."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(TABLE_HEADER))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    lines[start:end] = markdown(rows).split("\n")
    text = "\n".join(lines)
    binance = next((row for row in rows if row["name"] == "binance"), None)
    if binance is not None:
        shared = sum(binance.get("shared_suite_tests", {}).values())
        text = re.sub(
            r"\| connector source \| [\d,]+ generated lines",
            f"| connector source | {_n(binance['generated_source_lines'])} generated lines",
            text,
        )
        text = re.sub(
            r"\| connector tests \| [\d,]+ generated lines, [\d,]+ tests \(\d+ from the shared suite\)",
            f"| connector tests | {_n(binance['generated_test_lines'])} generated lines, "
            f"{_n(binance.get('tests'))} tests ({shared} from the shared suite)",
            text,
        )
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--markdown", action="store_true", help="print README's table instead of the JSON line")
    parser.add_argument("--readme", action="store_true", help="write the table and the Binance figures into README.md")
    parser.add_argument("--only", action="append", metavar="NAME", help="measure only this connector (repeatable)")
    parser.add_argument("--no-tests", action="store_true", help="skip collecting the generated tests (faster)")
    args = parser.parse_args(argv)
    rows = []
    for path in spec_files():
        if args.only and path.stem not in args.only:
            continue
        row = measure(path, count_tests=not args.no_tests)
        if row is not None:
            rows.append(row)
    if args.readme:
        README.write_text(readme_with(README.read_text(encoding="utf-8"), rows), encoding="utf-8")
    elif args.markdown:
        print(markdown(rows))
    else:
        result = {
            "bench": "connector_sizes",
            "connectors": rows,
            "goal_share_of_hummingbot": 0.15,
            "python": platform.python_version(),
        }
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``bench/connector_sizes.py``, the source of README's per-connector table, counts what it says it counts."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("connector_sizes", ROOT / "bench" / "connector_sizes.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


sizes = _load()


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_a_row_counts_the_spec_its_fragments_and_the_generated_files() -> None:
    row = sizes.measure(ROOT / "specs" / "binance.yaml", count_tests=False)
    assert row is not None
    assert row["spec_lines"] == _lines(ROOT / "specs" / "binance.yaml")
    fragment = ROOT / "specs" / "shared" / "binance_rest_signing.yaml"
    assert row["fragments"] == {"specs/shared/binance_rest_signing.yaml": _lines(fragment)}
    assert row["fragment_lines"] == _lines(fragment)
    package = ROOT / "generated" / "binance"
    source = list(package.glob("*.py"))
    tests = list((package / "tests").glob("*.py"))
    assert row["generated_source_lines"] == sum(_lines(p) for p in source)
    assert row["generated_test_lines"] == sum(_lines(p) for p in tests)
    assert (row["hooks"], row["hook_lines"]) == (0, 0)
    assert (row["hummingbot_source_lines"], row["hummingbot_test_lines"]) == sizes.HUMMINGBOT["binance"]
    written = row["spec_lines"] + row["fragment_lines"]
    assert row["share_of_hummingbot"] == round(written / sum(sizes.HUMMINGBOT["binance"]), 4)


def test_gateway_specs_have_no_row() -> None:
    assert sizes.measure(ROOT / "specs" / "uniswap.yaml", count_tests=False) is None


def test_the_collected_tests_and_those_the_shared_suite_gives(capsys) -> None:  # type: ignore[no-untyped-def]
    assert sizes.main(["--only", "okx"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["bench"] == "connector_sizes"
    (row,) = result["connectors"]
    assert row["name"] == "okx" and row["fragments"] == {}
    shared = row["shared_suite_tests"]
    assert list(shared) == ["hbrt.testing.exchange_connector_test"]
    # The package's own tests (parsers, auth vectors, book checksums...) come on top of the shared suite's.
    own = sum(
        1
        for path in (ROOT / "generated" / "okx" / "tests").glob("test_*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.match(r"\s+(async )?def test_", line)
    )
    assert own > 0
    assert row["tests"] == shared["hbrt.testing.exchange_connector_test"] + own


def test_the_markdown_row_says_hooks_and_missing_figures() -> None:
    row = {
        "name": "acme",
        "display_name": "Acme",
        "type": "spot",
        "spec_lines": 300,
        "fragments": {"specs/shared/acme.yaml": 40},
        "hooks": 2,
        "hook_lines": 55,
        "generated_source_lines": 2000,
        "generated_test_lines": 1900,
        "tests": 100,
        "shared_suite_tests": {"hbrt.testing.exchange_connector_test": 56},
        "hummingbot_source_lines": None,
        "hummingbot_test_lines": None,
        "share_of_hummingbot": None,
    }
    table = sizes.markdown([row]).splitlines()
    assert table[2] == (
        "| Acme spot (`acme`) | 300 + 40 | 2 (55) | 2,000 + 1,900 | 100 (56 from the shared spot suite) | n/a | n/a |"
    )


def test_a_spot_test_the_perpetual_suite_refines_still_counts_as_spot(capsys) -> None:  # type: ignore[no-untyped-def]
    assert sizes.main(["--only", "binance", "--only", "binance_perpetual"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)["connectors"]}
    spot = "hbrt.testing.exchange_connector_test"
    perpetual = rows["binance_perpetual"]["shared_suite_tests"]
    assert perpetual[spot] == rows["binance"]["shared_suite_tests"][spot], "the perpetual class runs the spot suite"
    assert perpetual["hbrt.testing.perpetual_derivative_test"] > 0


def test_readme_shows_what_the_script_computes() -> None:
    """README's figures are the script's: a template or spec change that moves them fails until they are rewritten."""
    rows = [row for row in (sizes.measure(path, count_tests=True) for path in sizes.spec_files()) if row is not None]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert sizes.readme_with(readme, rows) == readme, (
        "README's connector figures differ from the repository: run .venv/bin/python bench/connector_sizes.py --readme"
    )

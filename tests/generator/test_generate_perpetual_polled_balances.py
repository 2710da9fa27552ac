"""A perpetual connector in the no-websocket-balance mode: Bybit linear's spec with ``real_time_balance_updates:
false`` generates a package whose balances are polled and estimated between polls from the connector's own activity
(the in-flight order snapshot taken at each REST balance update, the margin that orders and fills hold or release),
and whose generated suite passes with the wallet events it still receives ignored.

Neither shipped perpetual needs the mode (Binance USD-M and Bybit both push balances), so the spec is derived here,
as the API requirements allow; the shared suite's own no-websocket-balance tests run in every perpetual package, and
this one proves the flag reaches a generated perpetual package and that its whole suite holds in that mode.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from hbgen.generator import generate
from hbgen.spec import check_file
from hbgen.suite import run_generated_tests

ROOT = Path(__file__).resolve().parents[2]
NAME = "bybit_perpetual"
#: The shared-suite tests that hold the mode: the wallet event is ignored, and available collateral follows the
#: orders and fills after the poll (spot semantics overridden by the perpetual suite's margin arithmetic).
MODE_TESTS = (
    "test_user_stream_balance_update",
    "test_available_balance_without_websocket_balance_events_tracks_orders",
    "test_available_balance_without_websocket_balance_events_accounts_for_fills",
)


def derived_spec(root: Path) -> Path:
    """``root/specs/bybit_perpetual.yaml``: the shipped spec with real-time balance updates turned off."""
    text = (ROOT / "specs" / f"{NAME}.yaml").read_text(encoding="utf-8")
    # The shared fragment shared/bybit_v5_trading.yaml states true for every Bybit trading connector; a value the
    # spec states replaces the fragment's.
    assert "\nreal_time_balance_updates:" not in text
    text = text.rstrip("\n") + "\n\nreal_time_balance_updates: false\n"
    (root / "specs").mkdir(parents=True)
    shutil.copytree(ROOT / "specs" / "shared", root / "specs" / "shared")
    spec = root / "specs" / f"{NAME}.yaml"
    spec.write_text(text, encoding="utf-8")
    return spec


def test_a_perpetual_without_websocket_balances_estimates_them_and_its_suite_passes(tmp_path: Path) -> None:
    spec = derived_spec(tmp_path)
    model, diagnostics = check_file(spec)
    assert model is not None, diagnostics
    assert model.type == "perpetual" and model.real_time_balance_updates is False
    package = tmp_path / "out" / NAME
    generate(model, spec, spec.read_text(encoding="utf-8"), package)

    constants = (package / f"{NAME}_constants.py").read_text(encoding="utf-8")
    assert "REAL_TIME_BALANCE_UPDATES = False" in constants
    derivative = (package / f"{NAME}_derivative.py").read_text(encoding="utf-8")
    assert "self.real_time_balance_update = CONSTANTS.REAL_TIME_BALANCE_UPDATES" in derivative
    assert "self._apply_balance_event(" in derivative  # wallet events go through the gate that ignores them

    run = run_generated_tests(package, ["-rA"])
    assert run.ok, run.output
    for test in MODE_TESTS:
        assert re.search(rf"^PASSED \S+::{test}$", run.output, re.MULTILINE), f"{test} did not pass:\n{run.output}"

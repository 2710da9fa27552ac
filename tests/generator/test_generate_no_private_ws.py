"""A spot connector whose exchange has no private websocket: Binance's spec with ``ws.private`` cut out and the two
private capabilities waived generates a package without a user stream whose suite passes on REST polling alone,
and dropping the private websocket from a generated package removes exactly the two user-stream files."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hbgen.generator import generate, plan
from hbgen.spec import check_text
from hbgen.suite import run_generated_tests
from hbgen.writer import WriteReport

ROOT = Path(__file__).resolve().parents[2]
BINANCE = (ROOT / "specs" / "binance.yaml").read_text(encoding="utf-8")
WAIVERS = """
waivers:
  ws_private_orders: this exchange has no private websocket; orders are polled over REST
  ws_private_trades: this exchange has no private websocket; fills are polled over REST
"""
HOOK = """
hooks:
  binance_poll_extra:
    at: exchange.status_polling
    description: An extra step on every status poll.
"""
USER_STREAM_FILES = ["binance_api_user_stream_data_source.py", "tests/test_binance_api_user_stream_data_source.py"]
#: The shared-suite tests that need private events and have a polling test covering them (the rest run polled).
SKIPPED_WITHOUT_USER_STREAM = 7


def without_private_ws(text: str) -> str:
    """``text`` with its ``ws.private`` section cut out (it runs up to ``orders``) and the two capabilities waived.

    Binance's ``real_time_balance_updates: true`` stays: without a private websocket it cannot apply.
    """
    start = text.index("  private:\n    url: api\n")
    end = text.index("\norders:\n")
    return text[:start] + text[end:] + WAIVERS


def generate_into(root: Path, text: str) -> WriteReport:
    """Write ``text`` as ``root/specs/binance.yaml`` and generate it into ``root/out/binance``."""
    spec_path = root / "specs" / "binance.yaml"
    spec_path.parent.mkdir(parents=True, exist_ok=True)
    spec_path.write_text(text, encoding="utf-8")
    model, diagnostics = check_text(text, "specs/binance.yaml")
    assert model is not None, diagnostics
    return generate(model, spec_path, text, root / "out" / "binance")


def manifest_of(package: Path) -> dict[str, object]:
    data = json.loads((package / ".hbgen-manifest.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_the_user_stream_files_are_planned_only_with_a_private_websocket() -> None:
    with_ws, _ = check_text(BINANCE, "specs/binance.yaml")
    without_ws, _ = check_text(without_private_ws(BINANCE), "specs/binance.yaml")
    assert with_ws is not None and without_ws is not None
    planned_with = [f.path for f in plan(with_ws)]
    planned_without = [f.path for f in plan(without_ws)]
    assert set(USER_STREAM_FILES) <= set(planned_with)
    assert planned_without == [p for p in planned_with if p not in USER_STREAM_FILES]


def test_a_package_without_private_websocket_passes_its_suite_on_rest_polling(tmp_path: Path) -> None:
    report = generate_into(tmp_path, without_private_ws(BINANCE))
    package = tmp_path / "out" / "binance"
    for rel in USER_STREAM_FILES:
        assert not (package / rel).exists()
        assert rel not in report.created
    assert not set(USER_STREAM_FILES) & set(manifest_of(package)["files"])  # type: ignore[arg-type]

    exchange = (package / "binance_exchange.py").read_text(encoding="utf-8")
    assert "_api_user_stream_data_source" not in exchange and "_process_user_stream_event" not in exchange
    assert "def _create_user_stream_data_source(self) -> None:" in exchange
    constants = (package / "binance_constants.py").read_text(encoding="utf-8")
    assert "REAL_TIME_BALANCE_UPDATES = False" in constants and "PRIVATE_WS_URL_NAME" not in constants
    readme = (package / "README.md").read_text(encoding="utf-8")
    assert "api_user_stream_data_source" not in readme and "no private websocket" in readme

    run = run_generated_tests(package, ["-rs"])
    assert run.returncode == 0, run.output
    assert (run.failed, run.errors) == (0, 0), run.output
    # The shared suite's 55 tests plus the per-module ones; only the user-stream tests with a polling twin skip.
    assert run.passed >= 90, run.output
    assert run.skipped == SKIPPED_WITHOUT_USER_STREAM, run.output
    reasons = re.findall(r"^SKIPPED \[\d+\] [^:]+:\d+: (.*)$", run.output, flags=re.MULTILINE)
    assert len(reasons) == SKIPPED_WITHOUT_USER_STREAM, run.output
    assert all(reason.startswith("no user stream (the exchange has no private websocket); ") for reason in reasons)


def test_dropping_the_private_websocket_removes_exactly_the_user_stream_files(tmp_path: Path) -> None:
    first = generate_into(tmp_path, BINANCE + HOOK)
    package = tmp_path / "out" / "binance"
    hand_owned = list(manifest_of(package)["hand_owned"])  # type: ignore[call-overload]
    assert hand_owned and set(first.hand_owned_created) == set(hand_owned)
    for rel in USER_STREAM_FILES:
        assert (package / rel).is_file() and rel in first.created
    # The author writes the hand-owned files.
    for rel in hand_owned:
        path = package / rel
        path.write_text(path.read_text(encoding="utf-8") + "# written by the connector's author\n", encoding="utf-8")
    written = {rel: (package / rel).read_bytes() for rel in hand_owned}
    before = manifest_of(package)

    second = generate_into(tmp_path, without_private_ws(BINANCE + HOOK))
    assert second.removed == USER_STREAM_FILES
    assert second.created == [] and second.hand_owned_created == [] and second.backups == []
    for rel in USER_STREAM_FILES:
        assert not (package / rel).exists()
    after = manifest_of(package)
    assert set(before["files"]) - set(after["files"]) == set(USER_STREAM_FILES)  # type: ignore[arg-type]
    assert set(after["files"]) - set(before["files"]) == set()  # type: ignore[arg-type]
    assert after["hand_owned"] == before["hand_owned"]
    assert {rel: (package / rel).read_bytes() for rel in hand_owned} == written
    on_disk = {p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file()}
    assert on_disk == set(after["files"]) | set(hand_owned) | {".hbgen-manifest.json"}  # type: ignore[arg-type]

    # And back: declaring the private websocket again brings the two files back.
    third = generate_into(tmp_path, BINANCE + HOOK)
    assert third.created == USER_STREAM_FILES and third.removed == []
    assert manifest_of(package)["files"] == before["files"]


def test_a_package_without_private_websocket_is_generated_deterministically(tmp_path: Path) -> None:
    text = without_private_ws(BINANCE)
    generate_into(tmp_path / "a", text)
    generate_into(tmp_path / "b", text)
    a, b = tmp_path / "a" / "out" / "binance", tmp_path / "b" / "out" / "binance"
    files = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    assert all((a / rel).read_bytes() == (b / rel).read_bytes() for rel in files)

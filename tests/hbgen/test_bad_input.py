"""Bad input gets a located message and a clear exit code, never a traceback, and nothing half-written (issue 10 §4).

Each test is one of the inputs the issue lists; before the fix each one raised a traceback, hung, or said something
untrue. Specs are made from specs/binance.yaml under another name (``like_text``) with one fact broken.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hbgen.cli import app
from hbgen.new_connector import like_text

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def invoke(*args: str, code: int) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "250"})
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "specs").mkdir()
    shutil.copy(ROOT / "specs" / "binance.yaml", tmp_path / "specs" / "binance.yaml")
    shutil.copytree(ROOT / "specs" / "shared", tmp_path / "specs" / "shared")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def variant(work: Path, name: str, old: str, new: str) -> Path:
    """specs/<name>.yaml: Binance under ``name`` with ``old`` (which must occur) replaced by ``new`` once."""
    text = (work / "specs" / "binance.yaml").read_text(encoding="utf-8")
    assert old in text, old
    path = work / "specs" / f"{name}.yaml"
    path.write_text(like_text(name, text.replace(old, new, 1), "binance"), encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


# ------------------------------------------------------------------------------------------------ spec values


def test_a_non_decimal_example_value_is_a_located_error_in_validate_and_generate(work: Path) -> None:
    spec = variant(work, "b1", 'min_base_amount_increment: "0.00100000"', 'min_base_amount_increment: "abc"')
    line = line_of(spec, '"abc"')
    for args in (["validate", "specs/b1.yaml"], ["generate", "b1"]):
        out = invoke(*args, code=2)
        assert f"specs/b1.yaml:{line}:" in out
        assert 'example_parsed[0].min_base_amount_increment: expected a finite decimal number, got "abc"' in out
    assert not (work / "generated").exists()


@pytest.mark.parametrize("value", [".nan", "-.inf", ".INF"])
def test_non_finite_numbers_are_located_errors(work: Path, value: str) -> None:
    spec = variant(work, "b2", 'maker: "0.001"', f"maker: {value}")
    out = invoke("validate", "specs/b2.yaml", code=2)
    assert f"specs/b2.yaml:{line_of(spec, f'maker: {value}')}:10: fees.maker: {value} is not a finite number" in out


@pytest.mark.parametrize("depth", [500, 5000])
def test_deep_nesting_is_a_located_error(work: Path, depth: int) -> None:
    (work / "specs" / "deep.yaml").write_text("a: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    (work / "specs" / "broken.yaml").write_text("a: " + "[" * depth + "]" * (depth - 1) + "\n", encoding="utf-8")
    for name in ("deep", "broken"):
        out = invoke("validate", f"specs/{name}.yaml", code=2)
        assert f"specs/{name}.yaml:1:" in out and "levels" in out


def test_a_lone_surrogate_is_reported_printably_and_never_reaches_generation(work: Path) -> None:
    (work / "specs" / "sur.yaml").write_text('name: "\\ud800"\n', encoding="utf-8")
    out = invoke("validate", "specs/sur.yaml", code=2)
    assert "specs/sur.yaml:1:7: name: the string holds a lone surrogate (\\ud800)" in out
    variant(work, "b3", "prompt: Enter your Binance API key", 'prompt: "Enter your \\udc80 key"')
    assert "lone surrogate" in invoke("generate", "b3", code=2)
    assert not (work / "generated").exists()


def test_an_integer_of_4301_digits_is_a_located_error(work: Path) -> None:
    variant(work, "b4", "interval: 10\n", "interval: " + "9" * 4301 + "\n")
    out = invoke("validate", "specs/b4.yaml", code=2)
    assert "polling.order_status_interval: cannot read a number of 4301 characters (quote it as a string)" in out


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("https://api.binance.com/api", "https://äpi.binance.com/api", "domains.com.rest"),
        ("wss://stream.binance.com:9443/ws", "wss://stréam.binance.com:9443/ws", "domains.com.ws.stream"),
        ("path: /v3/time", "path: /v3/tïme", "endpoints.server_time.path"),
        ("path: /v3/time", 'path: "/v3/ti\\0me"', "endpoints.server_time.path"),
    ],
)
def test_urls_and_paths_must_be_printable_ascii(work: Path, old: str, new: str, where: str) -> None:
    variant(work, "b5", old, new)
    assert f": {where}: " in invoke("validate", "specs/b5.yaml", code=2)


@pytest.mark.parametrize("text", ["null\n", "~\n", "", "# only a comment\n"])
def test_an_empty_document_says_what_is_wrong(work: Path, text: str) -> None:
    (work / "specs" / "empty.yaml").write_text(text, encoding="utf-8")
    out = invoke("validate", "specs/empty.yaml", code=2)
    assert "specs/empty.yaml:1:1: the spec is empty" in out and "0 errors" not in out


# ----------------------------------------------------------------------------------------------- files and names


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_or_a_device_is_not_read(work: Path) -> None:
    os.mkfifo(work / "specs" / "pipe.yaml")
    started = time.monotonic()
    out = invoke("validate", "specs/pipe.yaml", code=2)
    assert "specs/pipe.yaml:1:1: cannot read file: it is not a regular file" in out
    assert time.monotonic() - started < 10
    if Path("/dev/zero").exists():
        assert "/dev/zero:1:1: cannot read file: it is not a regular file" in invoke("validate", "/dev/zero", code=2)


def test_a_spec_larger_than_the_limit_is_refused(work: Path) -> None:
    (work / "specs" / "huge.yaml").write_bytes(b"a: 1\n" + b"#" * (5 * 1024 * 1024))
    assert "a spec may have at most" in invoke("validate", "specs/huge.yaml", code=2)


@pytest.mark.parametrize(
    "args",
    [
        ["generate", "../../x"],
        ["generate", "binance", "../x"],
        ["doctor", "/etc/passwd"],
        ["test", "../binance"],
        ["scaffold-update", "../../x"],
    ],
)
def test_names_are_never_paths(work: Path, args: list[str]) -> None:
    assert "invalid connector name" in invoke(*args, code=2)


def test_two_specs_with_one_name_are_reported_not_written_in_turn(work: Path) -> None:
    invoke("generate", "binance", code=0)
    (work / "specs" / "alias.yaml").symlink_to("binance.yaml")
    out = invoke("generate", "alias", code=2)
    assert "specs/binance.yaml and specs/alias.yaml both name the connector binance" in out
    manifest = json.loads((work / "generated" / "binance" / ".hbgen-manifest.json").read_text(encoding="utf-8"))
    assert manifest["spec"] == "specs/binance.yaml"
    out = invoke("generate", "--all", code=2)
    assert "duplicate name" in out
    out = invoke("check", code=1)
    assert "duplicate-name" in out and "both name the connector binance" in out
    assert "Regenerate with" not in out  # the fix is the duplicate, not a regeneration


def test_check_without_any_spec_fails(work: Path) -> None:
    shutil.rmtree(work / "specs")
    (work / "specs").mkdir()
    assert "no spec files found" in invoke("check", code=2)


# ----------------------------------------------------------------------------------------------- generated files


def test_a_generated_file_with_bytes_that_are_not_utf8_is_a_hand_edit(work: Path) -> None:
    invoke("generate", "binance", code=0)
    utils = work / "generated" / "binance" / "binance_utils.py"
    utils.write_bytes(utils.read_bytes() + b"\xff\xfe edited\n")
    out = invoke("generate", "binance", code=1)
    assert "were edited by hand" in out and "binance_utils.py" in out
    invoke("generate", "binance", "--force", code=0)
    assert (
        (work / "generated" / "binance" / ".hbgen-backup" / "binance_utils.py")
        .read_bytes()
        .endswith(b"\xff\xfe edited\n")
    )
    assert b"\xff" not in utils.read_bytes()


def test_a_folder_where_a_generated_file_goes_is_named_with_the_fix(work: Path) -> None:
    invoke("generate", "binance", code=0)
    utils = work / "generated" / "binance" / "binance_utils.py"
    utils.unlink()
    utils.mkdir()
    for args in (["generate", "binance", "--dry-run"], ["generate", "binance"]):
        out = invoke(*args, code=1)
        assert "binance_utils.py is a folder, where hbgen keeps a generated file: move it out of the way" in out
        assert "cannot write" not in out
    out = invoke("check", code=1)
    assert "not-a-file" in out and "a folder stands where the generated file goes" in out
    utils.rmdir()  # what the message says; then the advised command works
    invoke("generate", "binance", code=0)
    invoke("check", code=0)


def test_new_generated_files_respect_the_umask(work: Path) -> None:
    previous = os.umask(0o027)
    try:
        invoke("generate", "binance", code=0)
    finally:
        os.umask(previous)
    mode = stat.S_IMODE((work / "generated" / "binance" / "binance_utils.py").stat().st_mode)
    assert mode == 0o640


def test_list_tells_edited_packages_and_unreadable_manifests_apart(work: Path) -> None:
    invoke("generate", "binance", code=0)
    assert "│ yes       │ yes" in invoke("list", code=0)
    utils = work / "generated" / "binance" / "binance_utils.py"
    utils.write_text(utils.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    out = invoke("list", code=0)
    assert "no (1 generated file(s) differ from what hbgen wrote (binance_utils.py)" in out
    (work / "generated" / "binance" / ".hbgen-manifest.json").write_text("{", encoding="utf-8")
    assert "unreadable manifest" in invoke("list", code=0)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_says_the_run_was_interrupted_and_how_to_finish_it(work: Path) -> None:
    tests = work / "generated" / "slow" / "tests"
    tests.mkdir(parents=True)
    (tests / "test_slow.py").write_text("import time\n\n\ndef test_slow():\n    time.sleep(60)\n", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "hbgen", "test", "slow"],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(2.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, out + err
    assert "hbgen: interrupted. Nothing is half-written" in err and "run the same command again" in err
    assert "Traceback" not in out + err


def test_a_case_predicate_without_a_test_is_a_located_error(work: Path) -> None:
    """Found by the 5,000-round fuzz: a `cases[].when` predicate that lost its operator passed the schema and then
    crashed the model builder (StopIteration inside a generator) in validate and generate alike."""
    text = (ROOT / "specs" / "kucoin.yaml").read_text(encoding="utf-8")
    old = "{when: [{field: active, equals: true}], value: OPEN}"
    assert old in text
    spec = work / "specs" / "kucoin.yaml"
    spec.write_text(text.replace(old, "{when: [{field: active}], value: OPEN}", 1), encoding="utf-8")
    line = line_of(spec, "{when: [{field: active}], value: OPEN}")
    for args in (["validate", "specs/kucoin.yaml"], ["generate", "kucoin"]):
        out = invoke(*args, code=2)
        assert f"specs/kucoin.yaml:{line}:" in out
        assert "cases[1].when[0]: missing required key: one of equals, not_equals, in," in out
    assert not (work / "generated").exists()

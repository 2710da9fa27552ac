"""A hostile spec cannot inject code through the exchange, user-stream, README, hooks and test templates.

Quotes, triple quotes, braces, newlines, backslashes, ``__import__`` and Jinja syntax are planted in the strings those
templates render: display name, request parameter names and constant values, login message, ignore/terminated
predicates, event route values, error messages, order vocabulary, hook descriptions. The package must parse, hold no
executable trace of the payloads, and pass its own generated tests (so every value also round-trips intact).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tokenize
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml

from hbgen.generator import generate
from hbgen.spec import check_text
from hbgen.spec.includes import flattened

ROOT = Path(__file__).resolve().parents[2]
EVIL = "x\"\"\"'''\n__import__('os').system('echo PWNED') {{ 7*7 }} {% raw %} \\ }{ \r\u2028"
EVIL_LINE = "x\"\"\"''' __import__('os').system('echo PWNED') {{ 7*7 }} {% raw %} \\ }{"


def hostile_document() -> dict[str, Any]:
    doc = flattened(ROOT / "specs" / "binance.yaml")
    doc["display_name"] = EVIL
    create = doc["endpoints"]["create_order"]["params"]
    create[EVIL_LINE] = create.pop("newClientOrderId")
    create["timeInForce"] = {"value": EVIL, "when_order_type": ["LIMIT"]}
    doc["endpoints"]["order_status"]["params"][EVIL_LINE] = {"value": EVIL}
    private = doc["ws"]["private"]
    private["login"]["message"]["method"] = EVIL
    private["login"]["message"][EVIL_LINE] = ["${uuid}", EVIL]
    private["ignore"] = [{"field": "id", "present": True}, {"field": "status", "not_equals": EVIL}]
    private["terminated"] = [{"field": "e", "equals": EVIL + "end"}]
    report = private["events"]["execution_report"]
    report["match"] = [EVIL, "executionReport"]
    report["example"]["event"]["e"] = EVIL
    for rules in ("order_not_found_on_status", "order_not_found_on_cancel"):
        doc["errors"][rules] = [{"code": -2013, "message": EVIL}]
    doc["errors"]["time_sync"] = [{"code": -1021, "message_contains": EVIL_LINE}]
    doc["orders"]["client_order_id"]["prefix"] = "x-" + EVIL_LINE[:20]
    doc["hooks"] = {"binance_extra": {"at": "exchange.status_polling", "description": EVIL}}
    return doc


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hostile")
    (out / "specs").mkdir()
    spec = out / "specs" / "binance.yaml"
    text = yaml.safe_dump(hostile_document(), allow_unicode=True, sort_keys=False)
    spec.write_text(text, encoding="utf-8")
    model, diagnostics = check_text(text, "specs/binance.yaml")
    assert model is not None, [str(d) for d in diagnostics]
    generate(model, spec, text, out / "generated" / "binance")
    return out / "generated"


def _code_tokens(source: str) -> list[str]:
    """Every token that is not a string or a comment."""
    skip = {tokenize.STRING, tokenize.COMMENT, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}
    return [t.string for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type not in skip]


def _assert_payloads_stay_in_literals(package: Path) -> None:
    """Every module compiles without a warning (a stray backslash is an invalid escape) and no payload is code."""
    for path in sorted(package.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            compile(source, str(path), "exec")
        tokens = _code_tokens(source)
        assert "__import__" not in tokens, path
        assert "system" not in tokens, path


def test_generated_python_parses_and_payloads_stay_in_literals(hostile: Path) -> None:
    _assert_payloads_stay_in_literals(hostile / "binance")


def test_gateway_package_keeps_a_hostile_display_name_in_its_literals(tmp_path: Path) -> None:
    """The gateway templates put the display name in docstrings: a triple quote there ended one (code injection)."""
    doc = flattened(ROOT / "specs" / "uniswap.yaml")
    doc["display_name"] = EVIL
    (tmp_path / "specs").mkdir()
    spec = tmp_path / "specs" / "uniswap.yaml"
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    spec.write_text(text, encoding="utf-8")
    model, diagnostics = check_text(text, "specs/uniswap.yaml")
    assert model is not None, [str(d) for d in diagnostics]
    generate(model, spec, text, tmp_path / "generated" / "uniswap")
    _assert_payloads_stay_in_literals(tmp_path / "generated" / "uniswap")


def test_readme_flattens_hostile_text(hostile: Path) -> None:
    readme = (hostile / "binance" / "README.md").read_text(encoding="utf-8")
    for line in readme.splitlines():
        assert not line.startswith("__import__"), line
    assert "\r" not in readme and "\u2028" not in readme


def test_values_reach_the_code_intact(hostile: Path) -> None:
    sys.path.insert(0, str(hostile))
    try:
        for name in [m for m in sys.modules if m == "binance" or m.startswith("binance.")]:
            del sys.modules[name]
        from binance import binance_hooks
        from binance.binance_api_user_stream_data_source import BinanceAPIUserStreamDataSource

        assert EVIL_LINE in (binance_hooks.binance_extra.__doc__ or "")
        source = BinanceAPIUserStreamDataSource(auth=None, trading_pairs=[], connector=None, api_factory=None)
        assert source._is_terminated({"e": EVIL + "end"})
        assert not source._is_terminated({"e": "x"})
    finally:
        sys.path.remove(str(hostile))
        for name in [m for m in sys.modules if m == "binance" or m.startswith("binance.")]:
            del sys.modules[name]


def test_generated_tests_pass_on_the_hostile_package(hostile: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(hostile)}
    tests = hostile / "binance" / "tests"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--import-mode=importlib",
            str(tests),
            "-k",
            "not test_binance_extra_is_written",
        ],
        cwd=hostile,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "PWNED" not in result.stdout + result.stderr

"""A hostile copy of the Binance spec cannot inject code through the public-side templates.

Quotes, triple quotes, braces, newlines, backslashes, ``__import__`` and Jinja syntax are planted in every kind of
string the public-side templates render (descriptions, prompts, error messages, paths, URLs, stream names, route
values, order vocabulary, message templates). The rendered package must parse, contain no executable trace of the
payloads, carry every planted value back unchanged, and pass its own generated tests.
"""

from __future__ import annotations

import ast
import copy
import importlib
import json
import os
import subprocess
import sys
import tokenize
from pathlib import Path
from typing import Any

import pytest

from hbgen.formatting import format_python
from hbgen.render import make_environment
from hbgen.spec import check_text
from hbgen.spec.includes import flattened

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
PUBLIC = {
    "spot/constants.py.j2": "{name}_constants.py",
    "spot/web_utils.py.j2": "{name}_web_utils.py",
    "spot/auth.py.j2": "{name}_auth.py",
    "spot/utils.py.j2": "{name}_utils.py",
    "spot/parsers.py.j2": "{name}_parsers.py",
    "spot/order_book.py.j2": "{name}_order_book.py",
    "spot/api_order_book_data_source.py.j2": "{name}_api_order_book_data_source.py",
    "spot/tests/examples.py.j2": "tests/examples.py",
    "spot/tests/test_auth.py.j2": "tests/test_{name}_auth.py",
    "spot/tests/test_parsers.py.j2": "tests/test_{name}_parsers.py",
    "spot/tests/test_order_book.py.j2": "tests/test_{name}_order_book.py",
    "spot/tests/test_api_order_book_data_source.py.j2": "tests/test_{name}_api_order_book_data_source.py",
    "spot/tests/test_utils.py.j2": "tests/test_{name}_utils.py",
    "spot/tests/test_web_utils.py.j2": "tests/test_{name}_web_utils.py",
}

EVIL = "x\"\"\"'''\n__import__('os').system('echo PWNED') {{ 7*7 }} {% raw %} \\ }{ \r\u2028"
EVIL_LINE = "x\"\"\"''' __import__('os').system('echo PWNED') {{ 7*7 }} {% raw %} \\ }{"
EVIL_PATH = "/v3/x\"'__import__('os').system('PWNED'){{7*7}}\\"


def hostile_document() -> dict[str, Any]:
    doc = flattened(ROOT / "specs" / "binance.yaml")
    doc = copy.deepcopy(doc)
    doc["display_name"] = EVIL
    for domain in doc["domains"].values():
        domain["description"] = EVIL
    doc["domains"]["us"]["rest"] = "https://api.binance.us/api" + EVIL_PATH
    doc["domains"]["us"]["ws"]["stream"] = "wss://stream.binance.us:9443/ws" + EVIL_PATH
    for endpoint in doc["endpoints"].values():
        endpoint["description"] = EVIL
    doc["endpoints"]["ping"]["path"] = EVIL_PATH
    doc["endpoints"]["order_book_snapshot"]["path"] = "/v3/depth" + EVIL_PATH
    for limit in doc["rate_limits"].values():
        limit["description"] = EVIL
    for recipe in doc["auth"]["recipes"].values():
        recipe["description"] = EVIL
    doc["auth"]["recipes"]["rest"]["place"]["api_key"]["name"] = "X-MBX-" + EVIL_LINE.replace("\\", "")
    for name, mapping in doc["mappings"].items():
        mapping["description"] = EVIL
        mapping["filter"] = [*mapping.get("filter", []), {"field": "zz" + name, "not_equals": EVIL}]
    for credential in doc["credentials"]:
        credential["prompt"] = EVIL
    for rules in ("order_not_found_on_status", "order_not_found_on_cancel"):
        doc["errors"][rules] = [{"code": -2013, "message": EVIL}, {"message_contains": EVIL}]
    doc["order_states"][EVIL] = "FAILED"
    doc["orders"]["client_order_id"]["prefix"] = "x-" + EVIL_LINE[:20]
    doc["orders"]["time_in_force"]["GTC"] = EVIL
    public = doc["ws"]["public"]
    public["subscribe"]["message"] = {"method": EVIL, "params": "${streams}", "id": "${id}", EVIL: ["${streams}", EVIL]}
    public["ack"] = [*public["ack"], {"field": "result", "not_equals": EVIL}]
    for channel in public["channels"].values():
        channel["stream"] = channel["stream"] + EVIL_LINE.replace("$", "")
        channel["match"] = [channel["match"], EVIL + channel["match"]]
    doc["ws"]["private"]["ignore"] = [*doc["ws"]["private"]["ignore"], {"field": "id", "not_equals": EVIL}]
    doc["ws"]["private"]["terminated"] = [{"field": "e", "in": ["eventStreamTerminated", EVIL]}]
    return doc


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict[str, Any], Path]:
    doc = hostile_document()
    model, diagnostics = check_text(json.dumps(doc), "hostile.yaml")
    assert model is not None, [str(d) for d in diagnostics]
    env = make_environment(TEMPLATES)
    texts = {path.format(name=model.name): env.get_template(t).render(spec=model) for t, path in PUBLIC.items()}
    texts["__init__.py"] = ""
    texts["tests/__init__.py"] = ""
    formatted = format_python(texts, first_party=model.name)
    out = tmp_path_factory.mktemp("hostile")
    for rel, text in formatted.items():
        target = out / model.name / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return model, formatted, out


FORBIDDEN_CALLS = {"__import__", "exec", "eval", "system"}


def test_output_parses_and_runs_no_planted_code(hostile: tuple[Any, dict[str, Any], Path]) -> None:
    _, files, _ = hostile
    for rel, text in files.items():
        tree = ast.parse(text, rel)
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                assert node.id not in FORBIDDEN_CALLS, (rel, node.id)
            if isinstance(node, ast.Attribute):
                assert node.attr not in FORBIDDEN_CALLS, (rel, node.attr)
        # outside string literals and comments nothing of the payload survives
        code_only = "".join(tok.string for tok in _tokens(text) if tok.type not in (tokenize.STRING, tokenize.COMMENT))
        assert "PWNED" not in code_only, rel
        assert "{{" not in code_only and "{%" not in code_only, rel


def _tokens(text: str) -> list[Any]:
    import io

    return list(tokenize.generate_tokens(io.StringIO(text).readline))


def test_values_round_trip(hostile: tuple[Any, dict[str, Any], Path]) -> None:
    model, _, out = hostile
    # The real generated/binance package may already be imported (generated/ is on pytest's path): drop it so
    # the imports below load the hostile copy, whatever ran before this test.
    stale = [m for m in sys.modules if m == model.name or m.startswith(model.name + ".")]
    saved = {m: sys.modules.pop(m) for m in stale}
    sys.path.insert(0, str(out))
    try:
        constants = importlib.import_module(f"{model.name}.{model.name}_constants")
        utils = importlib.import_module(f"{model.name}.{model.name}_utils")
        parsers = importlib.import_module(f"{model.name}.{model.name}_parsers")
        source = importlib.import_module(f"{model.name}.{model.name}_api_order_book_data_source")
        assert constants.REST_URLS["us"] == "https://api.binance.us/api" + EVIL_PATH
        assert constants.WSS_URLS["us"]["stream"] == "wss://stream.binance.us:9443/ws" + EVIL_PATH
        assert constants.PING_PATH_URL == EVIL_PATH
        assert constants.ORDER_STATE[EVIL].name == "FAILED"
        assert constants.TIME_IN_FORCE["GTC"] == EVIL
        assert constants.HBOT_ORDER_ID_PREFIX == model.orders.client_order_id_prefix
        assert constants.matches_any(constants.ORDER_NOT_FOUND_ON_STATUS, code=-2013, message=EVIL)
        assert constants.matches_any(constants.ORDER_NOT_FOUND_ON_CANCEL, message="..." + EVIL + "...")
        for name in utils.KEYS.field_names():
            if name != "connector":
                assert utils.KEYS.field_info(name).prompt == EVIL
        assert parsers.matches_private_terminated({"e": EVIL})
        assert source.BinanceAPIOrderBookDataSource.CHANNEL_ROUTES[EVIL + "trade"] == "trade"
        data_source = source.BinanceAPIOrderBookDataSource(["A-B"], connector=None, api_factory=None)
        data_source._exchange_symbols["A-B"] = "AB"
        streams = [stream for _, _, stream in data_source._streams(["A-B"])]
        assert streams == [ch.stream.replace("${symbol}", "ab") for ch in model.ws.public.channels.values()]
        payload = data_source._subscription_requests(["A-B"])[0].payload
        assert payload["method"] == EVIL and payload[EVIL] == [payload["params"], EVIL]
    finally:
        sys.path.remove(str(out))
        for module in [m for m in sys.modules if m == model.name or m.startswith(model.name + ".")]:
            del sys.modules[module]
        sys.modules.update(saved)


def test_generated_tests_pass_on_the_hostile_package(hostile: tuple[Any, dict[str, Any], Path]) -> None:
    model, _, out = hostile
    env = {**os.environ, "PYTHONPATH": str(out)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(out / model.name / "tests")],
        cwd=out,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "PWNED" not in result.stdout + result.stderr

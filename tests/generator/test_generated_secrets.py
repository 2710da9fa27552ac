"""Secrets never leave a generated connector: every shipped package, built with sentinel credentials.

For each package under ``generated/``: the config map holding the sentinels, the connector, its authenticator and its
``status_dict`` show none of them in ``repr``/``str``; and a signed request the exchange refuses (HTTP 401 with a body
that echoes the API key, as some exchanges do) raises an error and logs lines that carry neither the key, nor the
secret, nor the passphrase, nor a signature computed from them.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import inspect
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from aioresponses import CallbackResult, aioresponses

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = sorted(p.name for p in (ROOT / "generated").iterdir() if (p / "__init__.py").is_file())
# Valid base64 (Kraken's secret is decoded before signing), recognisable, and unlikely anywhere else.
SECRET = base64.b64encode(b"sentinel-secret-0123456789").decode()
KEY = "SentinelApiKey7f3a"
PASSPHRASE = "SentinelPassphrase9c1"


def _sentinel(field: str) -> str:
    if "passphrase" in field:
        return PASSPHRASE
    if "secret" in field or "private" in field:
        return SECRET
    return KEY


def _connector_class(name: str) -> type[Any]:
    for suffix in ("exchange", "derivative", "gateway"):
        try:
            module = importlib.import_module(f"{name}.{name}_{suffix}")
        except ModuleNotFoundError:
            continue
        classes = [c for _, c in inspect.getmembers(module, inspect.isclass) if c.__module__ == module.__name__]
        return next(c for c in classes if c.__name__.lower() == f"{name}{suffix}".replace("_", ""))
    raise AssertionError(f"{name}: no connector module")


def _leaks(text: str) -> list[str]:
    return [s for s in (KEY, SECRET, PASSPHRASE) if s in text]


@pytest.mark.parametrize("name", PACKAGES)
def test_reprs_of_what_a_user_touches_show_no_secret(name: str) -> None:
    utils = importlib.import_module(f"{name}.{name}_utils")
    config_class = type(utils.KEYS)
    secure = config_class.secure_fields()
    assert secure, f"{name}: the config map declares no secure field"
    values = {f: _sentinel(f) for f in secure}
    config = config_class(**values)
    assert all(getattr(config, f).get_secret_value() == v for f, v in values.items())
    connector_class = _connector_class(name)
    parameters = inspect.signature(connector_class.__init__).parameters
    connector = connector_class(**{f: v for f, v in values.items() if f in parameters}, trading_pairs=["BTC-USDT"])
    shown = [repr(config), str(config), f"{config}", repr(vars(config)), repr(connector), str(connector)]
    for attribute in ("authenticator", "_auth"):
        auth = getattr(connector, attribute, None)
        if auth is not None:
            shown += [repr(auth), str(auth)]
    shown.append(json.dumps(connector.status_dict, default=str))
    assert not [(text[:120], _leaks(text)) for text in shown if _leaks(text)]


SIGNED = [n for n in PACKAGES if (ROOT / "generated" / n / f"{n}_auth.py").is_file()]


@pytest.mark.parametrize("name", SIGNED)
def test_a_refused_signed_request_leaks_nothing_into_errors_or_logs(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    utils = importlib.import_module(f"{name}.{name}_utils")
    values = {f: _sentinel(f) for f in type(utils.KEYS).secure_fields()}
    connector = _connector_class(name)(**values, trading_pairs=["BTC-USDT"])

    def refuse(url: Any, **kwargs: Any) -> CallbackResult:
        # The exchange echoes the key of a request that carried it, as some do in their error messages.
        carried = KEY in f"{url} {kwargs}"
        echo = f"invalid key {KEY} for signature" if carried else "invalid request"
        body = {"code": 401, "msg": echo, "error": [f"EAPI:{echo}"]}
        return CallbackResult(status=401, body=json.dumps(body))

    async def run() -> BaseException | None:
        with aioresponses() as mocked:
            for method in ("GET", "POST"):
                mocked.add(re.compile(r".*"), method=method, callback=refuse, repeat=True)
            try:
                await connector._update_balances()
            except Exception as exc:  # the refusal, whatever type the web layer gives it
                return exc
            finally:
                await connector._web_assistants_factory.close()
                carried = [str(call.kwargs) for calls in mocked.requests.values() for call in calls]
        assert any(KEY in c for c in carried), "no request carried the key"
        return None

    with caplog.at_level(logging.DEBUG):
        error = asyncio.run(run())
    assert error is not None, "a 401 must raise"
    texts = [str(error), repr(error), *(r.getMessage() for r in caplog.records)]
    texts += [str(r.exc_info[1]) for r in caplog.records if r.exc_info and r.exc_info[1] is not None]
    assert not [(t[:160], _leaks(t)) for t in texts if _leaks(t)]

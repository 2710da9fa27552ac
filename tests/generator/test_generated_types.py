"""Generated code type-checks with ``mypy --strict``: every shipped spec and the specs the generator tests derive.

``make lint`` checks the committed packages under generated/; this test checks what the templates produce for
*every* spec a template may meet, including the constructs no shipped spec uses yet (other login styles, no private
websocket, every hook plug point, fills without fees), so a template change that breaks typing fails the suite
whichever spec it affects. Each spec is generated into one temporary tree under its own package name and all
packages are checked by one mypy run, with its cache in the session's temporary directory.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from hbgen.generator import generate
from hbgen.spec import check_text

ROOT = Path(__file__).resolve().parents[2]
BINANCE = (ROOT / "specs" / "binance.yaml").read_text(encoding="utf-8")


def _test_module(name: str) -> ModuleType:
    """A sibling test module, loaded by path (the derived specs are defined next to the tests that run them)."""
    spec = importlib.util.spec_from_file_location(f"_types_{name}", Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _edited(text: str, change: Callable[[dict[str, Any]], None]) -> str:
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    change(data)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)


def _every_hook(data: dict[str, Any]) -> None:
    """Add a hook at every free plug point and log in to the private websocket through a hook."""
    free = {
        "exchange.place_order": "place_order",
        "exchange.cancel_order": "cancel_order",
        "exchange.status_polling": "status_polling",
        "exchange.user_stream_event": "user_stream_event",
        "symbols.resolve_duplicates": "resolve_duplicates",
        "ws.login": "ws_login",
    }
    for at, name in free.items():
        data["hooks"][f"binance_{name}"] = {"at": at, "description": f"Hand-written {at}."}
    data["ws"]["private"]["login"] = {"style": "hook", "hook": "binance_ws_login"}


def _without_fees(data: dict[str, Any]) -> None:
    strip = _test_module("test_generate_fee_estimation")._drop_fees
    for section in ("mappings", "endpoints"):
        data[section] = strip(data[section])
    data["ws"]["private"] = strip(data["ws"]["private"])
    data["fees"].update(maker="0.001", taker="0.002")


def specs_to_check() -> dict[str, str]:
    """Package name -> spec text: each shipped spec, then the derived ones (renamed so that the packages differ)."""
    shipped = {path.stem: path.read_text(encoding="utf-8") for path in sorted((ROOT / "specs").glob("*.yaml"))}
    login = _test_module("test_generate_login_styles")
    hooked = _test_module("test_generate_hook_plug_points").hooked_spec_text()
    derived = {
        "listen_key": login.listen_key_spec(),
        "rest_token": login.rest_token_spec(),
        "no_private_ws": _test_module("test_generate_no_private_ws").without_private_ws(BINANCE),
        "all_hooks": _edited(hooked, _every_hook),
        "no_fees": _edited(BINANCE, _without_fees),
    }
    renamed = {f"binance_{variant}": _renamed(text, f"binance_{variant}") for variant, text in derived.items()}
    return {**shipped, **renamed}


def _renamed(text: str, name: str) -> str:
    def rename(data: dict[str, Any]) -> None:
        """The connector name, and the credential keys that must start with it."""
        old = data["name"]
        data["name"] = name
        for credential in data["credentials"]:
            credential["key"] = name + credential["key"].removeprefix(old)

    return _edited(text, rename)


@pytest.fixture(scope="module")
def generated_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("typed")
    out = root / "out"
    for name, text in specs_to_check().items():
        spec_path = root / "specs" / f"{name}.yaml"
        spec_path.parent.mkdir(exist_ok=True)
        spec_path.write_text(text, encoding="utf-8")
        model, diagnostics = check_text(text, f"specs/{name}.yaml")
        assert model is not None, [str(d) for d in diagnostics]
        assert model.name == name
        generate(model, spec_path, text, out / name)
    return out


def test_every_generated_package_passes_mypy_strict(
    generated_tree: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    packages = sorted(p.name for p in generated_tree.iterdir() if p.is_dir())
    assert "binance" in packages and len(packages) == len(specs_to_check())
    cache = tmp_path_factory.mktemp("mypy-cache")
    command = [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.11", "--explicit-package-bases"]
    command += ["--cache-dir", str(cache), *packages]
    # Run from the tree (no project configuration there): module names are computed from the bases in MYPYPATH,
    # the tree itself for the packages and runtime/ for hbrt, which mypy follows and checks with them.
    env = {**os.environ, "MYPYPATH": os.pathsep.join([str(generated_tree), str(ROOT / "runtime")])}
    run = subprocess.run(command, cwd=generated_tree, env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr

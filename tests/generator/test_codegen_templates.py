"""The public-side spot templates on every spec: ruff-clean, deterministic, and their generated tests pass.

Renders only the templates of the public side (constants, web utils, auth, utils, parsers, order book, order book
data source and their tests), so it runs independently of the exchange templates.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from ruff.__main__ import find_ruff_bin

from hbgen.formatting import format_python
from hbgen.render import make_environment
from hbgen.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]
SPECS = [ROOT / "specs" / "binance.yaml", *sorted((ROOT / "specs" / "examples").glob("*.yaml"))]
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


def render_public(spec_path: Path) -> tuple[str, dict[str, str]]:
    model = load_spec(spec_path)
    env = make_environment(ROOT / "templates")
    texts = {path.format(name=model.name): env.get_template(t).render(spec=model) for t, path in PUBLIC.items()}
    texts["__init__.py"] = ""
    texts["tests/__init__.py"] = ""
    return model.name, format_python(texts, first_party=model.name)


@pytest.mark.parametrize("spec_path", SPECS, ids=[p.stem for p in SPECS])
def test_public_templates(spec_path: Path, tmp_path: Path) -> None:
    name, files = render_public(spec_path)
    assert render_public(spec_path)[1] == files  # deterministic
    for rel, text in files.items():
        target = tmp_path / name / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    for args in (
        ["--config", str(ROOT / "pyproject.toml")],
        ["--isolated", "--select", "E,F,W,I,B,UP", "--line-length", "120", "--target-version", "py311"],
    ):
        lint = subprocess.run(
            [find_ruff_bin(), "check", "--no-cache", *args, str(tmp_path / name)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert lint.returncode == 0, lint.stdout
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / name / "tests")],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout

"""Compile, don't interpret: generated connectors read their parsed records as plain typed attributes.

Before: ``_trade_update``, ``_apply_fill`` and ``_apply_order_update`` took ``Any`` and probed it with
``getattr(record, "fee_asset", None)``, and ``_trading_rule`` looped over field names with ``getattr``. The spec says,
when generating, which records reach each method (its fill and order-update mappings) and which fields they carry, so
the generated code names the record types (``parsers.AnyFillRecord``...) and reads ``fill.fee_asset`` directly.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = sorted(p for p in (ROOT / "generated").iterdir() if (p / "__init__.py").is_file())


def _modules(package: Path) -> list[Path]:
    return sorted(p for p in package.glob("*.py") if p.name != "__init__.py")


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_no_attribute_is_looked_up_by_name(package: Path) -> None:
    found = []
    for module in _modules(package):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("getattr", "hasattr")
            ):
                found.append(f"{module.name}:{node.lineno}")
    assert found == []


CONNECTORS = [p for p in PACKAGES if any(p.glob("*_exchange.py")) or any(p.glob("*_derivative.py"))]


@pytest.mark.parametrize("package", CONNECTORS, ids=lambda p: p.name)
def test_record_handlers_name_their_record_types(package: Path) -> None:
    module = next(p for p in _modules(package) if p.name.endswith(("_exchange.py", "_derivative.py")))
    tree = ast.parse(module.read_text(encoding="utf-8"))
    expected = {
        "_trade_update": "parsers.AnyFillRecord",
        "_apply_fill": "parsers.AnyFillRecord",
        "_apply_order_update": "parsers.AnyOrderUpdateRecord",
        "_trading_rule": "parsers.TradingRuleRecord",
    }
    seen = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in expected:
            annotation = node.args.args[-1].annotation
            assert annotation is not None
            seen[node.name] = ast.unparse(annotation)
    assert seen == expected


@pytest.mark.parametrize("package", CONNECTORS, ids=lambda p: p.name)
def test_enums_are_compared_as_enums_and_constants_used_directly(package: Path) -> None:
    # Before: ``order_type.name in ("LIMIT", "LIMIT_MAKER")`` and ``path_url = CONSTANTS.X_PATH_URL`` followed by
    # ``path_url=path_url`` in every request.
    text = "\n".join(m.read_text(encoding="utf-8") for m in _modules(package))
    assert "order_type.name" not in text and "trade_type.name" not in text
    assert "path_url = CONSTANTS." not in text

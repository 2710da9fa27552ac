"""Fills that report no fee: the generated connector estimates it from the spec's fees (maker or taker as the fill
says), and its generated suite expects exactly that."""

from __future__ import annotations

import importlib
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from hbrt.data_type.common import OrderType, TradeType
from hbrt.data_type.in_flight_order import InFlightOrder

from hbgen.generator import generate
from hbgen.spec import check_text
from hbgen.spec.includes import flattened
from hbgen.suite import run_generated_tests

ROOT = Path(__file__).resolve().parents[2]


def _drop_fees(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _drop_fees(v) for k, v in node.items() if k not in ("fee_amount", "fee_asset")}
    if isinstance(node, list):
        return [_drop_fees(v) for v in node]
    return node


def test_fills_without_fees_get_the_estimated_fee(tmp_path: Path) -> None:
    data = flattened(ROOT / "specs" / "binance.yaml")
    data["mappings"] = _drop_fees(data["mappings"])
    data["ws"]["private"] = _drop_fees(data["ws"]["private"])
    data["endpoints"] = _drop_fees(data["endpoints"])
    data["fees"].update(maker="0.001", taker="0.002")
    text = yaml.safe_dump(data, sort_keys=False, width=120)
    spec_path = tmp_path / "specs" / "binance.yaml"
    spec_path.parent.mkdir()
    spec_path.write_text(text, encoding="utf-8")
    model, diagnostics = check_text(text, "specs/binance.yaml")
    assert model is not None, diagnostics
    package = tmp_path / "out" / "binance"
    generate(model, spec_path, text, package)
    source = (package / "binance_exchange.py").read_text(encoding="utf-8")
    assert "self._get_fee(" in source

    run = run_generated_tests(package)
    assert run.ok, run.output[-3000:]
    assert run.passed >= 100

    # The estimate itself: taker unless the fill says it was the maker; percent from the spec, no flat fee.
    def ours(module: str) -> bool:
        return module == "binance" or module.startswith("binance.")

    saved = {name: module for name, module in sys.modules.items() if ours(name)}  # the committed package's
    for name in saved:
        del sys.modules[name]
    sys.path.insert(0, str(package.parent))
    try:
        exchange_module = importlib.import_module("binance.binance_exchange")
        exchange = exchange_module.BinanceExchange(binance_api_key="k", binance_api_secret="s", trading_pairs=[])
        order = InFlightOrder(
            client_order_id="OID1",
            trading_pair="COINALPHA-HBOT",
            order_type=OrderType.LIMIT,
            trade_type=TradeType.BUY,
            amount=Decimal("1"),
            price=Decimal("100"),
            creation_timestamp=1.0,
        )

        parsers = importlib.import_module("binance.binance_parsers")

        def fill(is_taker: bool) -> Any:  # a REST fill record as the generated parser builds it, without a fee
            return parsers.MyTradesRecord(
                symbol="COINALPHA-HBOT",
                trade_id="1",
                price=Decimal("100"),
                amount=Decimal("1"),
                timestamp=2.0,
                is_taker=is_taker,
                exchange_order_id="100",
                quote_amount=Decimal("100"),
                side=TradeType.BUY,
            )

        assert exchange._trade_update(order, fill(is_taker=True)).fee.percent == Decimal("0.002")
        assert exchange._trade_update(order, fill(is_taker=False)).fee.percent == Decimal("0.001")
        assert exchange._trade_update(order, fill(is_taker=True)).fee.flat_fees == []
    finally:
        sys.path.remove(str(package.parent))
        for name in [m for m in sys.modules if ours(m)]:
            del sys.modules[name]
        sys.modules.update(saved)

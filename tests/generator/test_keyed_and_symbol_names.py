"""Results keyed by pair, asset or order id (``keyed`` mappings, ``$key``), pairs the websockets name their own way
(``symbols.websocket``) and fees stated without their asset (``fees.fill_fee_asset``): what the validator accepts and
rejects, what the generated code does with them, and how the tests' payload builder writes keyed replies.

Kraken's generated suite exercises all three end to end (``generated/kraken``).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from hbrt.connector.exchange_py_base import TradingPairSymbolMap
from hbrt.testing.payloads import ITEM_KEY, VALUES, build

from hbgen.codegen import access, each_expr, field_expr, keyed_items_expr
from hbgen.codegen.literals import each_literal, path_literal
from hbgen.generator import render
from hbgen.spec import check_text, load_spec
from hbgen.spec.paths import parse_path

ROOT = Path(__file__).resolve().parents[2]
KRAKEN = (ROOT / "specs" / "kraken.yaml").read_text(encoding="utf-8")
BINANCE = (ROOT / "specs" / "binance.yaml").read_text(encoding="utf-8")


def _messages(data: dict[str, Any]) -> list[str]:
    _, diagnostics = check_text(yaml.safe_dump(data, sort_keys=False), "specs/x.yaml")
    return [f"{d.path}: {d.message}" for d in diagnostics]


def test_key_path_compiles_to_the_loop_key_and_the_builder_spelling() -> None:
    path = parse_path("$key")
    assert path.is_item_key and not path.from_root
    assert access(path, "item", "message") == "key"
    assert path_literal(path) == (ITEM_KEY,)
    assert each_literal(parse_path("result.trades"), keyed=True) == ("result", "trades", VALUES)
    assert each_expr(parse_path("trades"), "message", True) == 'message["trades"].values()'
    assert keyed_items_expr(parse_path("$"), "message") == "message.items()"


def test_kraken_keyed_mappings_parse_every_value_with_its_key() -> None:
    model = load_spec(ROOT / "specs" / "kraken.yaml")
    balances = model.mappings["balances"]
    assert balances.keyed and balances.each is not None
    assert field_expr(balances.fields["asset"], "item", "message") == "CONSTANTS.client_asset(key)"
    assert model.symbols is not None and model.symbols.websocket == "${base}/${quote}"
    assert model.fees is not None and model.fees.fill_fee_asset == "quote"


def test_the_key_is_read_only_by_the_fields_of_a_keyed_mapping() -> None:
    data = yaml.safe_load(BINANCE)
    data["mappings"]["balances"]["fields"]["asset"] = "$key"
    assert _messages(data) == [
        'mappings.balances.fields.asset: "$key" is the key of an item of a keyed mapping: only that mapping\'s fields '
        "read it"
    ]
    data = yaml.safe_load(KRAKEN)
    data["mappings"]["balances"]["filter"] = [{"field": "$key", "equals": "XXBT"}]
    assert _messages(data) == [
        'mappings.balances.filter[0].field: "$key" is the key of an item of a keyed mapping: only that mapping\'s '
        "fields read it"
    ]


def test_a_keyed_mapping_needs_each_and_a_rest_kind() -> None:
    data = yaml.safe_load(KRAKEN)
    del data["mappings"]["order_ack"]["fields"]
    data["mappings"]["order_ack"] = {"kind": "order_ack", "keyed": True, "fields": {"exchange_order_id": "$key"}}
    assert _messages(data) == [
        "mappings.order_ack.keyed: a keyed mapping needs each: the path of the object whose values it reads",
        "mappings.order_ack.keyed: mappings of kind order_ack cannot be keyed",
    ]


def test_the_websocket_name_of_a_pair_names_its_base() -> None:
    data = yaml.safe_load(KRAKEN)
    data["symbols"]["websocket"] = "${quote}"
    assert _messages(data) == ["symbols.websocket: the websocket name of a pair must name its base (or its symbol)"]
    data["symbols"]["websocket"] = "${base}-${qoute}"
    assert _messages(data)[0].startswith('symbols.websocket: unknown placeholder "${qoute}"')


def test_the_payload_builder_writes_keyed_items_under_their_keys() -> None:
    writers = {
        "trade_id": ("path", ((ITEM_KEY,),), "str", None),
        "price": ("path", (("price",),), "decimal", None),  # the example's JSON type (text) is kept
    }
    example = {"count": 1, "trades": {"T-EXAMPLE": {"price": "1.0", "vol": "2"}}}
    records = [{"trade_id": "T1", "price": Decimal(5)}, {"trade_id": "T2", "price": Decimal(6)}]
    built = build(example, ("trades", VALUES), writers, records)
    assert built == {"count": 1, "trades": {"T1": {"price": "5", "vol": "2"}, "T2": {"price": "6", "vol": "2"}}}
    assert example["trades"] == {"T-EXAMPLE": {"price": "1.0", "vol": "2"}}, "the example is not changed"
    root = build(
        {"A": {"price": "1"}}, (VALUES,), {"price": writers["price"]}, [{"price": Decimal(2)}, {"price": Decimal(3)}]
    )
    assert root == {"A": {"price": "2"}, "A-1": {"price": "3"}}, "without a key field, the example's key, numbered"


def test_other_names_read_back_to_the_pair_but_the_symbol_stays_the_symbol() -> None:
    pairs = TradingPairSymbolMap({"XXBTZUSD": "BTC-USD"}, {"BTC/USD": "BTC-USD", "XXBTZUSD": "ETH-USD"})
    assert pairs["BTC/USD"] == "BTC-USD" and pairs.pair_of("XXBTZUSD") == "BTC-USD"
    assert pairs.inverse == {"BTC-USD": "XXBTZUSD"}
    assert list(pairs.values()) == ["BTC-USD"], "one pair, listed once"
    assert pairs.pair_of("ETH/USD") is None


def test_generated_kraken_names_pairs_for_the_websockets_and_reads_them_back() -> None:
    constants = (ROOT / "generated" / "kraken" / "kraken_constants.py").read_text(encoding="utf-8")
    assert "def websocket_symbol(trading_pair: str, symbol: str) -> str:" in constants
    exchange = (ROOT / "generated" / "kraken" / "kraken_exchange.py").read_text(encoding="utf-8")
    assert "names.setdefault(CONSTANTS.websocket_symbol(trading_pair, symbol), trading_pair)" in exchange
    assert "fee_asset = fee_asset or order.quote_asset" in exchange
    parsers = (ROOT / "generated" / "kraken" / "kraken_parsers.py").read_text(encoding="utf-8")
    assert 'for key, item in message["trades"].items()' in parsers


def _constants_module(data: dict[str, Any]) -> dict[str, Any]:
    """The generated ``<name>_constants`` module of ``data``, rendered and executed."""
    text = yaml.safe_dump(data, sort_keys=False)
    model, diagnostics = check_text(text, "specs/kraken.yaml")
    assert model is not None and not diagnostics, diagnostics
    files = {f.path: f.content for f in render(model, ROOT / "specs" / "kraken.yaml")}
    namespace: dict[str, Any] = {"__name__": "kraken_constants_probe"}
    exec(compile(files["kraken_constants.py"], "kraken_constants.py", "exec"), namespace)  # noqa: S102
    return namespace


def test_aliases_apply_both_ways_and_the_websocket_name_can_use_the_exchange_assets() -> None:
    data = yaml.safe_load(KRAKEN)
    data["symbols"]["websocket"] = "${exchange_base}/${exchange_quote}"
    constants = _constants_module(data)
    # Forwards: every exchange name of an asset reads as the client name; an asset without an alias is itself.
    assert constants["client_asset"]("XXBT") == constants["client_asset"]("XBT") == "BTC"
    assert constants["client_asset"]("ZUSD") == "USD" and constants["client_asset"]("COINALPHA") == "COINALPHA"
    # Backwards: a client asset is written as the exchange's first name for it.
    assert constants["exchange_asset"]("BTC") == "XXBT" and constants["exchange_asset"]("DOGE") == "XXDG"
    assert constants["exchange_asset"]("COINALPHA") == "COINALPHA"
    assert constants["websocket_symbol"]("BTC-USD", "XXBTZUSD") == "XXBT/ZUSD"
    assert constants["websocket_symbol"]("COINALPHA-HBOT", "COINALPHAHBOT") == "COINALPHA/HBOT"
    # The shipped spec names pairs by their client assets, and by the REST symbol when the template says so.
    assert _constants_module(yaml.safe_load(KRAKEN))["websocket_symbol"]("BTC-USD", "XXBTZUSD") == "BTC/USD"
    data["symbols"]["websocket"] = "${symbol}"
    assert _constants_module(data)["websocket_symbol"]("BTC-USD", "XXBTZUSD") == "XXBTZUSD"

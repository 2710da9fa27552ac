"""The committed specs validate, and the model they build is normalised, typed and immutable."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest

from hbgen.spec import ConnectorSpec, check_text, load_spec
from hbgen.spec.model import HashPart, Part
from hbgen.spec.paths import PathSyntaxError, Step, parse_path

REPO = Path(__file__).resolve().parents[2]
ALL_SPECS = sorted(REPO.glob("specs/*.yaml")) + sorted(REPO.glob("specs/examples/*.yaml"))


@pytest.fixture(scope="module")
def binance() -> ConnectorSpec:
    return load_spec(REPO / "specs" / "binance.yaml")


@pytest.mark.parametrize("path", ALL_SPECS, ids=lambda p: p.name)
def test_every_committed_spec_validates_and_builds_a_model(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=")
    spec = load_spec(path)
    assert spec.name == path.stem or path.stem == "gate"
    if isinstance(spec, ConnectorSpec):  # gateway specs sign nothing: Gateway holds the wallet keys
        assert spec.auth is not None and spec.auth.test_vectors, "each spec proves its recipes with vectors"


def test_binance_identity_and_domains(binance: ConnectorSpec) -> None:
    assert (binance.name, binance.type, binance.display_name, binance.class_name) == (
        "binance",
        "spot",
        "Binance",
        "BinanceExchange",
    )
    assert list(binance.domains) == ["com", "us", "testnet"]
    assert binance.domains["us"].rest_url == "https://api.binance.us/api"
    assert binance.domains["com"].ws_urls["api"] == "wss://ws-api.binance.com:443/ws-api/v3"
    assert binance.domains["testnet"].testnet and not binance.domains["com"].testnet
    assert binance.time_sync_endpoint == "server_time"


def test_binance_rate_limits_match_hummingbot(binance: ConnectorSpec) -> None:
    order = binance.rate_limits["/order"]
    assert (order.limit, order.interval, order.weight) == (5000, 60.0, 1)
    assert {(link.limit_id, link.weight) for link in order.linked} == {
        ("REQUEST_WEIGHT", 4),
        ("ORDERS", 1),
        ("ORDERS_24HR", 1),
        ("RAW_REQUESTS", 1),
    }
    assert binance.rate_limits["REQUEST_WEIGHT"].limit == 6000
    assert binance.rate_limits["/depth"].linked[0].weight == 100
    for endpoint in binance.endpoints.values():
        assert endpoint.limit_id in binance.rate_limits


def test_binance_endpoints_are_resolved(binance: ConnectorSpec) -> None:
    create = binance.endpoints["create_order"]
    assert (create.method, create.path, create.role, create.auth, create.recipe) == (
        "POST",
        "/v3/order",
        "create_order",
        "signed",
        "rest",
    )
    assert create.params_in == "body" and create.body_encoding == "form"
    assert binance.endpoints["order_status"].params_in == "query"
    price = next(p for p in create.params if p.name == "price")
    assert (price.source, price.input, price.when_order_types, price.format) == (
        "input",
        "price",
        ("LIMIT", "LIMIT_MAKER"),
        "plain",
    )
    tif = next(p for p in create.params if p.name == "timeInForce")
    assert (tif.source, tif.value, tif.when_order_types) == ("value", "GTC", ("LIMIT",))
    assert [p.name for p in create.params] == [
        "symbol",
        "side",
        "quantity",
        "type",
        "newClientOrderId",
        "price",
        "timeInForce",
    ]
    assert binance.endpoints["ping"].recipe is None and not binance.endpoints["ping"].is_auth_required
    assert binance.endpoints["book_ticker"].role == "book_ticker"


def test_example_payloads_are_fresh_copies(binance: ConnectorSpec) -> None:
    endpoint = binance.endpoints["server_time"]
    first = endpoint.example_response
    first["serverTime"] = 0
    assert endpoint.example_response == {"serverTime": 1499827319559}


def test_model_is_immutable(binance: ConnectorSpec) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        binance.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        binance.endpoints["x"] = binance.endpoints["ping"]  # type: ignore[index]
    with pytest.raises(TypeError):
        binance.order_states["NEW"] = "FILLED"  # type: ignore[index]


def test_binance_auth_recipes(binance: ConnectorSpec) -> None:
    assert binance.auth is not None
    rest = binance.auth.recipes["rest"]
    assert rest.parts == (Part("query"), Part("body"))
    assert (rest.algorithm, rest.output, rest.secret_encoding, rest.timestamp_unit, rest.timestamp_clock) == (
        "hmac_sha256",
        "hex",
        "raw",
        "ms",
        "server",
    )
    assert rest.placements["api_key"].location == "header" and rest.placements["api_key"].name == "X-MBX-APIKEY"
    assert rest.placements["signature"].location == "params"
    ws_api = binance.auth.recipes["ws_api"]
    assert ws_api.parts == (Part("params", sort=True, urlencode=False),)
    assert [v.name for v in binance.auth.test_vectors] == [
        "binance_spot_rest_hmac_ascii",
        "binance_spot_rest_hmac_non_ascii",
        "binance_spot_rest_hmac_mixed_query_body",
        "binance_usdm_rest_hmac_query",
        "binance_spot_ws_api_hmac",
    ]
    assert binance.fragments and binance.fragments[0][0] == "shared/binance_rest_signing.yaml"


def test_binance_websockets(binance: ConnectorSpec) -> None:
    public = binance.ws.public
    assert public is not None
    assert public.heartbeat is not None and (public.heartbeat.interval, public.heartbeat.style) == (30.0, "ping_frame")
    assert public.subscribe is not None and public.subscribe.message == {
        "method": "SUBSCRIBE",
        "params": "${streams}",
        "id": "${id}",
    }
    assert {name: (c.stream, c.match) for name, c in public.channels.items()} == {
        "trade": ("${symbol}@trade", ("trade",)),
        "order_book_diff": ("${symbol}@depth@100ms", ("depthUpdate",)),
    }
    assert public.route_by == parse_path("e") and public.ack[0].op == "present"
    private = binance.ws.private
    assert private is not None
    assert (private.login.style, private.login.recipe) == ("signed_subscribe", "ws_api")
    assert private.envelope == parse_path("event")
    assert [p.value for p in private.terminated] == ["eventStreamTerminated"]
    assert private.events["execution_report"].mappings == ("execution_fill", "execution_order_update")


def test_binance_mappings_are_normalised(binance: ConnectorSpec) -> None:
    trade = binance.mappings["trade"]
    assert trade.fields["price"].value_type == "decimal"
    assert trade.fields["timestamp"].value_type == "timestamp_ms"
    assert trade.fields["side"].map == (("true", "SELL"), ("false", "BUY")) and trade.fields["side"].value_type is None
    notional = binance.mappings["trading_rule"].fields["min_notional_size"]
    assert notional.paths[0].steps == (
        Step("key", key="filters"),
        Step("select", key="filterType", values=("MIN_NOTIONAL", "NOTIONAL")),
        Step("key", key="minNotional"),
    )
    balance = binance.mappings["account_position"]
    assert balance.each == parse_path("B")
    assert balance.fields["total"].op == "sum" and [p.text for p in balance.fields["total"].paths] == ["f", "l"]
    order_update = binance.mappings["execution_order_update"]
    assert order_update.fields["client_order_id"].op == "first_nonempty"
    assert order_update.fields["state"].value_type == "order_state"
    assert binance.mappings["execution_fill"].filter[0].value == "TRADE"
    assert binance.mappings["my_trades"].each == parse_path("$")
    assert binance.symbols is not None and [p.op for p in binance.symbols.active] == ["equals", "any_contains"]
    assert binance.symbols.stream_case == "lower" and binance.symbols.separator == ""


def test_binance_orders_errors_fees_and_config(binance: ConnectorSpec) -> None:
    assert binance.orders is not None
    assert binance.orders.client_order_id_prefix == "x-MG43PCSN"
    assert binance.orders.client_order_id_max_length == 32
    assert set(binance.orders.types) == {"LIMIT", "MARKET", "LIMIT_MAKER"}
    assert binance.order_states["EXPIRED"] == "FAILED" and binance.order_states["PENDING_CANCEL"] == "OPEN"
    assert [m.code for m in binance.errors.order_not_found_on_status] == [-2013]
    assert [m.code for m in binance.errors.order_not_found_on_cancel] == [-2011]
    assert [m.code for m in binance.errors.time_sync] == [-1021]
    assert any(m.code == -1003 for m in binance.errors.rate_limited)
    assert binance.fees is not None
    assert (binance.fees.maker, binance.fees.taker) == (Decimal("0.001"), Decimal("0.001"))
    assert binance.fees.buy_percent_fee_deducted_from_returns
    assert [(c.key, c.role, c.secure) for c in binance.credentials] == [
        ("binance_api_key", "api_key", True),
        ("binance_api_secret", "api_secret", True),
    ]
    assert binance.real_time_balance_updates
    assert binance.order_book is not None
    assert (binance.order_book.snapshot_source, binance.order_book.snapshot_endpoint, binance.order_book.depth) == (
        "rest",
        "order_book_snapshot",
        1000,
    )
    assert binance.order_book.integrity_policy == "first_last_update_id"
    assert binance.polling.fills_endpoint == "my_trades" and binance.waivers == {} and binance.hooks == {}


MINIMAL = """\
spec_version: 1
partial: a tiny spec for the model's defaults, never generated
name: tiny
type: spot
default_domain: main
domains:
  main: {rest: "http://localhost:15888"}
waivers: {rest_trading_rules: &w not in this test, rest_server_status: *w, ws_order_book: *w, ws_trades: *w, \
  ws_private_orders: *w, ws_private_trades: *w}
endpoints:
  create_order: {method: POST, path: /trade, limit_id: all, mapping: ack}
  cancel_order: {method: POST, path: /cancel, limit_id: all}
  order_status: {method: POST, path: /poll, limit_id: all, mapping: status}
  balances: {method: POST, path: /balances, limit_id: all, mapping: balances}
rate_limits:
  all: {limit: 100, interval: 1}
mappings:
  ack: {kind: order_ack, fields: {exchange_order_id: txHash}}
  status:
    kind: order_update
    fields:
      exchange_order_id: txHash
      state: {path: txStatus, map: {"1": FILLED, "0": OPEN, "-1": FAILED}}
  balances:
    kind: balance
    fields:
      asset: balances[].token
      available: balances[].amount
      total: balances[].amount
order_states: {confirmed: FILLED, open: OPEN, canceled: CANCELED}
credentials: []
"""


def test_defaults_and_implicit_each_for_a_minimal_spec() -> None:
    spec, diags = check_text(MINIMAL, "tiny.yaml")
    assert diags == []
    assert spec is not None
    assert spec.display_name == "Tiny" and spec.class_name == "TinyExchange" and spec.centralized
    assert spec.auth is None and spec.symbols is None and spec.ws.public is None and spec.fees is None
    assert spec.endpoints["create_order"].params_in == "body" and spec.endpoints["create_order"].body_encoding == "json"
    assert spec.polling.order_status_interval == 10.0 and spec.real_time_balance_updates is False
    balances = spec.mappings["balances"]
    assert balances.each == parse_path("balances")
    assert [f.paths[0].text for f in balances.fields.values()] == ["token", "amount", "amount"]


def test_implicit_each_rejects_two_different_lists() -> None:
    text = MINIMAL.replace("total: balances[].amount", "total: totals[].amount")
    _, diags = check_text(text, "tiny.yaml")
    assert [str(d) for d in diags] == [
        "tiny.yaml:26:7: mappings.balances.fields: field paths iterate different lists (balances[], totals[]) "
        "(a mapping iterates one list)"
    ]


def test_nested_hash_parts_build_hash_part_models(repo) -> None:
    kraken = load_spec(repo / "specs" / "examples" / "kraken.yaml")
    assert kraken.auth is not None
    rest = kraken.auth.recipes["rest"]
    assert rest.parts[1] == HashPart("sha256", (Part("nonce"), Part("body")), "", "raw")
    assert rest.secret_encoding == "base64" and rest.nonce_source == "timestamp_ms"
    assert kraken.hooks["kraken_balances"].at == "mapping.parse"
    assert kraken.mappings["balances"].hook == "kraken_balances"


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ("a..b", 'unexpected "."', 2),
        ("a[", 'unclosed "["', 1),
        ("a[x]", 'expected [N], [] or [field=value] but found "[x]"', 1),
        ("a[]b", 'expected "." or "[" before "b"', 3),
        ("a[].b[]", 'at most one "[]" per path', 5),
        ("a.", 'path ends with "."', 1),
        ("$x", '"$" must be followed by "." or stand alone', 1),
        ("a.[0]", 'unexpected "[" after "."', 2),
    ],
)
def test_path_syntax_errors(text: str, message: str, offset: int) -> None:
    with pytest.raises(PathSyntaxError) as info:
        parse_path(text)
    assert (info.value.message, info.value.offset) == (message, offset)


def test_path_grammar() -> None:
    path = parse_path("$.data[-1].levels[]")
    assert path.from_root and path.has_each
    assert path.steps == (Step("key", key="data"), Step("index", index=-1), Step("key", key="levels"), Step("each"))
    assert parse_path("[2]").steps == (Step("index", index=2),)
    assert parse_path("$").steps == () and parse_path("$").from_root

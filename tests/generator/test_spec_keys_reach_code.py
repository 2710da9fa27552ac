"""No fact is silently dropped: every key the JSON Schema accepts reaches generated code, or the validator rejects it.

The test walks ``specs/schema/connector.schema.json`` and lists every key it accepts: the properties of the top
level and of every definition, with inline objects and lists of objects expanded (``recipe.static[].name``). A key
reached through a definition is proven once, at the definition (``predicate.empty`` stands for every predicate).

Every key needs a probe in :data:`PROBES` (a key without one fails the test, so a new key cannot slip in unproven):

* ``Changes``: the mutation of a shipped spec still validates and changes the generated package;
* ``Rejects``: the mutation makes ``hbgen validate`` fail (the validator enforces the key);
* ``Refused``: the mutation validates but ``hbgen generate`` refuses the spec with a message (types without
  templates yet, partial examples).

Rendering skips the formatter (the templates' raw output is compared), so a probe costs a few tens of milliseconds.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from hbgen.generator import TEMPLATE_DIR, GenerationError, plan, shared_context
from hbgen.render import make_environment
from hbgen.spec.includes import load_composed
from hbgen.spec.loader import LoadedDocument, Positions
from hbgen.spec.pipeline import check_document

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "specs" / "schema" / "connector.schema.json").read_text(encoding="utf-8"))
ENV = make_environment(TEMPLATE_DIR)

Doc = dict[str, Any]
Mutation = Callable[[Doc], Any]


#: An order state read from flags (``field.cases``): Binance's isWorking and executedQty stand in for KuCoin's.
WORKING = {"field": "isWorking", "equals": True}
FILLED_NOTHING = {"field": "executedQty", "equals": "0.00000000"}
CASE = {"when": [WORKING], "value": "OPEN"}
STATE_CASES = {"cases": [CASE], "default": "FILLED"}


# ---------------------------------------------------------------------------------------------------- the walk


def _walk(schema: Any, prefix: str, out: list[str]) -> None:
    if not isinstance(schema, dict):
        return
    for key, sub in schema.get("properties", {}).items():
        out.append(prefix + key)
        _inline(sub, prefix + key, out)
    for keyword in ("oneOf", "anyOf", "allOf"):
        for branch in schema.get(keyword, []):
            if not isinstance(branch, dict) or "$ref" in branch:
                continue
            if "if" in branch:
                _inline(branch.get("then", {}), prefix.rstrip("."), out)
            elif "properties" in branch:
                _walk(branch, prefix, out)


def _inline(sub: Any, path: str, out: list[str]) -> None:
    if not isinstance(sub, dict) or "$ref" in sub:
        return
    if "properties" in sub or any(k in sub for k in ("oneOf", "anyOf")):
        _walk(sub, path + ".", out)
    items = sub.get("items")
    if isinstance(items, dict) and "$ref" not in items:
        _walk(items, path + "[].", out)
    extra = sub.get("additionalProperties")
    if isinstance(extra, dict) and "$ref" not in extra and "properties" in extra:
        _walk(extra, path + ".*.", out)


def schema_keys() -> list[str]:
    """Every key the schema accepts, top level first, then each definition's (in schema order, no repeats)."""
    out: list[str] = []
    _walk(SCHEMA, "", out)
    for name, definition in SCHEMA["$defs"].items():
        _walk(definition, name + ".", out)
        items = definition.get("items")
        if isinstance(items, dict) and "properties" in items:
            _walk(items, name + "[].", out)
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------------------------------------------- rendering


@cache
def _base(name: str) -> str:
    path = REPO / "specs" / f"{name}.yaml"
    doc = load_composed(path, str(path))
    assert not doc.diagnostics, doc.diagnostics
    return json.dumps(doc.data)


def base_doc(name: str) -> Doc:
    """A fresh copy of a shipped spec's document, its shared fragments composed in."""
    doc: Doc = json.loads(_base(name))
    return doc


def check(doc: Doc) -> tuple[Any, list[str]]:
    model, diagnostics = check_document(LoadedDocument("<probe>", doc, Positions(), []))
    return model, [f"{d.path}: {d.message}" for d in diagnostics]


def render(doc: Doc) -> dict[str, str]:
    """The generated package of ``doc`` before formatting (path -> text); raises GenerationError when refused."""
    model, diagnostics = check(doc)
    assert model is not None, diagnostics
    ctx = shared_context(model)
    return {p.path: ENV.get_template(p.template).render(spec=model, ctx=ctx) for p in plan(model)}


@cache
def _base_render(name: str) -> str:
    return json.dumps(render(base_doc(name)), sort_keys=True)


# ---------------------------------------------------------------------------------------------------- probes


@dataclass(frozen=True)
class Changes:
    """The mutated spec validates and its generated package differs (from the base's, or from the base with
    ``against`` applied when the key only works beside others)."""

    mutate: Mutation
    base: str = "binance"
    against: Mutation | None = None


@dataclass(frozen=True)
class Composed:
    """The spec, written with ``fragment`` as ``shared/probe.yaml`` and ``mutate`` applied to its own (uncomposed)
    text's document, composes, validates and generates a different package."""

    mutate: Mutation
    fragment: str
    base: str = "binance"


@dataclass(frozen=True)
class Rejects:
    """The mutated spec fails validation (the validator enforces the key)."""

    mutate: Mutation
    base: str = "binance"


@dataclass(frozen=True)
class Refused:
    """The mutated spec validates but generate refuses it with a message containing ``reason``."""

    mutate: Mutation
    reason: str
    base: str = "binance"


Probe = Changes | Composed | Rejects | Refused


def _set(path: str, value: Any) -> Mutation:
    """A mutation setting the dotted ``path`` (list indexes as numbers) to ``value``."""

    def mutate(doc: Doc) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        node: Any = doc
        for part in parents:
            node = node.setdefault(part, {}) if isinstance(node, dict) else node[part]
        node[last] = copy.deepcopy(value)

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(doc: Doc) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        node: Any = doc
        for part in parents:
            node = node[part]
        del node[last]

    return mutate


def _all(*mutations: Mutation) -> Mutation:
    def mutate(doc: Doc) -> None:
        for m in mutations:
            m(doc)

    return mutate


def _rename_connector(doc: Doc) -> None:
    doc["name"] = "binanca"
    for cred in doc["credentials"]:
        cred["key"] = cred["key"].replace("binance_", "binanca_")


def _copy_endpoint(source: str, target: str, **changes: Any) -> Mutation:
    def mutate(doc: Doc) -> None:
        endpoint = copy.deepcopy(doc["endpoints"][source])
        endpoint.update(changes)
        doc["endpoints"][target] = endpoint

    return mutate


def _okx_login(doc: Doc) -> None:
    """Binance's private socket logged in the OKX way: a signed login message with the passphrase."""
    doc["credentials"].append({"key": "binance_passphrase", "role": "passphrase"})
    doc["auth"]["recipes"]["login"] = {
        "algorithm": "hmac_sha256",
        "output": "base64",
        "parts": ["timestamp", {"literal": "GET/users/self/verify"}],
        "timestamp": {"unit": "s"},
    }
    doc["ws"]["private"]["login"] = {
        "style": "signed_login",
        "recipe": "login",
        "message": {"op": "login", "args": [{"k": "${api_key}", "p": "${passphrase}", "s": "${signature}"}]},
        "success": [{"field": "event", "equals": "login"}],
    }


def _token_login(doc: Doc) -> None:
    """Binance's private socket logged in with a REST-minted token."""
    doc["endpoints"]["ws_token"] = {
        "method": "POST",
        "path": "/v3/userDataStream",
        "auth": "key",
        "limit_id": "/account",
        "example_response": {"listenKey": "abc"},
    }
    doc["ws"]["private"]["login"] = {"style": "rest_token", "endpoint": "ws_token", "token_field": "listenKey"}


def _listen_key_login(doc: Doc) -> None:
    doc["endpoints"]["listen_key"] = {
        "method": "POST",
        "path": "/v3/userDataStream",
        "auth": "key",
        "limit_id": "/account",
    }
    doc["endpoints"]["keep_alive"] = {
        "method": "PUT",
        "path": "/v3/userDataStream",
        "auth": "key",
        "limit_id": "/account",
        "params": {"listenKey": "listen_key"},
    }
    doc["ws"]["private"]["login"] = {
        "style": "listen_key",
        "create": "listen_key",
        "keep_alive": "keep_alive",
        "keep_alive_interval": 1800,
        "key_field": "listenKey",
        "url_template": "${url}/${listen_key}",
    }


def _hook(name: str, at: str) -> Mutation:
    return _set(f"hooks.{name}", {"at": at, "description": f"A hook at {at} for the probe."})


def _reply_check(**check: Any) -> Mutation:
    return _set("errors.in_body", [{"error_when": [{"field": "code", "present": True}], **check}])


P = "binance_perpetual"


def _per_pair_switch(doc: Doc) -> None:
    doc["endpoints"]["set_position_mode"]["params"]["symbol"] = "symbol"
    doc["perpetual"]["position_mode_scope"] = "per_pair"


#: The perpetual keys, proven on specs/binance_perpetual.yaml (USD-M).
PERPETUAL_PROBES: dict[str, Probe] = {
    **{
        f"endpoints.{role}": Rejects(_delete(f"endpoints.{role}"), base=P)
        for role in ("positions", "funding_info", "funding_payments", "set_leverage", "set_position_mode")
    },
    "endpoints.position_mode": Changes(_delete("endpoints.position_mode"), base=P),
    **{
        f"waivers.{cap}": Rejects(_set(f"waivers.{cap}", "waived although the spec provides it"), base=P)
        for cap in (
            "rest_positions",
            "rest_leverage",
            "rest_position_mode",
            "rest_funding_info",
            "rest_funding_payments",
        )
    },
    "perpetual.position_modes": Changes(
        _all(
            _set("perpetual.position_modes", ["HEDGE"]),
            _set("perpetual.position_mode_values", {"HEDGE": "true"}),
            lambda d: d["perpetual"]["order_params"].pop(),  # the one-way rule
        ),
        base=P,
    ),
    "perpetual.funding_poll_interval": Changes(_set("perpetual.funding_poll_interval", 300), base=P),
    "perpetual.position_mode_values": Changes(
        _set("perpetual.position_mode_values", {"ONEWAY": 0, "HEDGE": 1}), base=P
    ),
    "perpetual.position_mode_values.ONEWAY": Changes(_set("perpetual.position_mode_values.ONEWAY", "no"), base=P),
    "perpetual.position_mode_values.HEDGE": Changes(_set("perpetual.position_mode_values.HEDGE", "yes"), base=P),
    "perpetual.position_mode_scope": Changes(_per_pair_switch, base=P),
    "perpetual.order_params": Changes(_delete("perpetual.order_params"), base=P),
    "order_param_rule.position_mode": Changes(_set("perpetual.order_params.4.position_mode", "HEDGE"), base=P),
    "order_param_rule.position_action": Changes(_set("perpetual.order_params.4.position_action", "OPEN"), base=P),
    "order_param_rule.side": Changes(_set("perpetual.order_params.4.side", "SELL"), base=P),
    "order_param_rule.params": Changes(_set("perpetual.order_params.4.params", {"reduceOnly": "false"}), base=P),
    "perpetual.success": Changes(_delete("perpetual.success"), base=P),
    "perpetual.success.set_position_mode": Changes(
        _set("perpetual.success.set_position_mode", [{"field": "code", "equals": 0}]), base=P
    ),
    "perpetual.success.set_leverage": Changes(
        _set("perpetual.success.set_leverage", [{"field": "leverage", "present": True}]), base=P
    ),
    "perpetual.unchanged": Changes(_delete("perpetual.unchanged"), base=P),
    "perpetual.unchanged.set_position_mode": Changes(
        _set("perpetual.unchanged.set_position_mode", [{"code": -4060}]), base=P
    ),
    "perpetual.unchanged.set_leverage": Changes(_set("perpetual.unchanged.set_leverage", [{"code": -4028}]), base=P),
    "channel.url": Changes(_set("ws.public.channels.trade.url", "public"), base=P),
}

_CHECKSUM = "order_book.integrity.checksum"
LEVELS = {"price": "price", "amount": "qty"}

#: The top-level, container and definition keys with the mutation that proves each.
PROBES: dict[str, Probe] = {
    # ---- identity
    "spec_version": Rejects(_set("spec_version", 2)),
    "include": Composed(
        lambda d: d["include"].append("shared/probe.yaml"),
        "fragment: a probe\nrate_limits:\n  PROBE: {limit: 7, interval: 1}\n",
    ),
    "name": Changes(_rename_connector),
    "partial": Refused(_set("partial", "a probe that is not a whole connector"), "partial example"),
    "display_name": Changes(_set("display_name", "Binance Probe")),
    "type": Rejects(_set("type", "perpetual")),  # a spot spec lacks the perpetual endpoints and section
    "centralized": Changes(_set("centralized", False)),
    "example_pair": Changes(_set("example_pair", "BTC-USDT")),
    "default_domain": Changes(_set("default_domain", "us")),
    "domains": Changes(
        _set("domains.eu", {"rest": "https://api.binance.eu/api", "ws": {"stream": "wss://a/ws", "api": "wss://b/ws"}})
    ),
    "conventions": Changes(_set("conventions", {"timestamp_unit": "us"})),
    "conventions.timestamp_unit": Changes(_set("conventions.timestamp_unit", "s")),
    "rest": Changes(_set("rest", {"body_encoding": "json"})),
    "rest.params_in": Changes(_set("rest.params_in", "query")),
    "rest.body_encoding": Changes(_set("rest.body_encoding", "json")),
    "rest.envelope": Changes(_set("rest.envelope", "result")),
    "time_sync": Changes(_delete("time_sync")),
    "time_sync.endpoint": Changes(_all(_copy_endpoint("server_time", "clock"), _set("time_sync.endpoint", "clock"))),
    "rate_limits": Changes(_set("rate_limits.EXTRA", {"limit": 5, "interval": 1})),
    "endpoints": Changes(_copy_endpoint("ping", "ping_two")),
    "endpoints.server_time": Rejects(_delete("endpoints.server_time")),
    "endpoints.ping": Changes(_delete("endpoints.ping")),
    "endpoints.trading_rules": Rejects(_delete("endpoints.trading_rules")),
    "endpoints.order_book_snapshot": Rejects(_delete("endpoints.order_book_snapshot")),
    "endpoints.last_price": Changes(_delete("endpoints.last_price")),
    "endpoints.ticker_24h": Changes(_delete("endpoints.ticker_24h")),
    "endpoints.book_ticker": Changes(_delete("endpoints.book_ticker")),
    "endpoints.create_order": Rejects(_delete("endpoints.create_order")),
    "endpoints.cancel_order": Rejects(_delete("endpoints.cancel_order")),
    "endpoints.order_status": Rejects(_delete("endpoints.order_status")),
    "endpoints.open_orders": Changes(_delete("endpoints.open_orders")),
    "endpoints.balances": Rejects(_delete("endpoints.balances")),
    "endpoints.my_trades": Rejects(_delete("endpoints.my_trades")),
    "auth": Rejects(_delete("auth")),
    "auth.recipes": Changes(
        _set("auth.recipes.extra", {"algorithm": "hmac_sha512", "output": "hex", "parts": ["query"]})
    ),
    "auth.default_recipe": Rejects(_set("auth.default_recipe", "ws_api_typo")),
    "auth.test_vectors": Changes(_delete("auth.test_vectors")),
    "symbols": Rejects(_delete("symbols")),
    "symbols.endpoint": Changes(_all(_copy_endpoint("trading_rules", "listing"), _set("symbols.endpoint", "listing"))),
    "symbols.mapping": Rejects(_set("symbols.mapping", "trading_rule")),
    "symbols.separator": Changes(_set("symbols.separator", "-")),
    "symbols.case": Changes(_set("symbols.case", "lower")),
    "symbols.stream_case": Changes(_set("symbols.stream_case", "upper")),
    "symbols.aliases": Changes(_set("symbols.aliases", {"XBT": "BTC"})),
    "symbols.websocket": Changes(_set("symbols.websocket", "${base}/${quote}")),
    "symbols.active": Changes(_set("symbols.active", [{"field": "status", "equals": "TRADING"}])),
    "mappings": Changes(_set("mappings.extra", {"kind": "server_time", "fields": {"time": "t"}})),
    "order_book": Rejects(_delete("order_book")),
    "order_book.snapshot": Rejects(_delete("order_book.snapshot")),
    "order_book.snapshot.source": Rejects(_set("order_book.snapshot.source", "websocket")),
    "order_book.snapshot.endpoint": Changes(
        _all(_copy_endpoint("order_book_snapshot", "depth"), _set("order_book.snapshot.endpoint", "depth"))
    ),
    "order_book.snapshot.channel": Rejects(_set("order_book.snapshot.channel", "trade")),
    "order_book.snapshot.depth": Changes(_set("order_book.snapshot.depth", 500)),
    "order_book.snapshot.refresh_interval": Changes(_set("order_book.snapshot.refresh_interval", 60)),
    "order_book.integrity": Rejects(_delete("order_book.integrity")),
    "order_book.integrity.policy": Changes(_set("order_book.integrity.policy", "none")),
    "order_book.keep_levels": Changes(_set("order_book.keep_levels", 400), base="okx"),
    "order_book.integrity.checksum": Changes(_delete("order_book.integrity.checksum"), base="okx"),
    "order_book.integrity.checksum.levels": Changes(
        _all(_set(f"{_CHECKSUM}.levels", 10), _delete(f"{_CHECKSUM}.test_vectors")), base="okx"
    ),
    "order_book.integrity.checksum.hook": Changes(
        _all(
            _set(_CHECKSUM, {"levels": 10, "hook": "book_checksum"}),
            _hook("book_checksum", "order_book.checksum"),
        ),
        base="okx",
    ),
    "order_book.integrity.checksum.algorithm": Rejects(_delete(f"{_CHECKSUM}.algorithm"), base="okx"),
    **{
        f"order_book.integrity.checksum.{key}": Changes(
            _all(_set(f"{_CHECKSUM}.{key}", value), _delete(f"{_CHECKSUM}.test_vectors")), base="okx"
        )
        for key, value in (
            ("sides", "asks_then_bids"),
            ("joiner", ""),
            ("numbers", "pair_precision"),
            ("digits_only", True),
        )
    },
    "order_book.integrity.checksum.unpublished": Changes(_delete(f"{_CHECKSUM}.unpublished"), base="okx"),
    "order_book.integrity.checksum.test_vectors": Changes(_delete(f"{_CHECKSUM}.test_vectors"), base="okx"),
    "order_book.integrity.checksum.test_vectors[].name": Changes(
        _set(f"{_CHECKSUM}.test_vectors.0.name", "renamed"), base="okx"
    ),
    "order_book.integrity.checksum.test_vectors[].bids": Rejects(
        _set(f"{_CHECKSUM}.test_vectors.0.bids", [["3366.1", "8"]]), base="okx"
    ),
    "order_book.integrity.checksum.test_vectors[].asks": Rejects(
        _set(f"{_CHECKSUM}.test_vectors.0.asks", [["3366.8", "8"]]), base="okx"
    ),
    "order_book.integrity.checksum.test_vectors[].price_decimals": Rejects(
        _all(_set(f"{_CHECKSUM}.numbers", "pair_precision"), _set(f"{_CHECKSUM}.test_vectors.0.size_decimals", 0)),
        base="okx",
    ),
    "order_book.integrity.checksum.test_vectors[].size_decimals": Rejects(
        _all(_set(f"{_CHECKSUM}.numbers", "pair_precision"), _set(f"{_CHECKSUM}.test_vectors.0.price_decimals", 1)),
        base="okx",
    ),
    "order_book.integrity.checksum.test_vectors[].expected": Rejects(
        _set(f"{_CHECKSUM}.test_vectors.0.expected", 1), base="okx"
    ),
    "ws": Rejects(_delete("ws")),
    "ws.public": Rejects(_delete("ws.public")),
    "ws.private": Changes(
        _all(
            _delete("ws.private"),
            _set("waivers.ws_private_orders", "a probe without a private websocket"),
            _set("waivers.ws_private_trades", "a probe without a private websocket"),
        )
    ),
    "orders": Rejects(_delete("orders")),
    "orders.types": Changes(_delete("orders.types.MARKET")),
    "orders.sides": Rejects(_delete("orders.sides")),
    "orders.sides.BUY": Changes(_set("orders.sides.BUY", "buy")),
    "orders.sides.SELL": Changes(_set("orders.sides.SELL", "sell")),
    "orders.time_in_force": Changes(_set("orders.time_in_force.GTX", "GTX")),
    "orders.client_order_id": Rejects(_delete("orders.client_order_id")),
    "orders.client_order_id.prefix": Changes(_set("orders.client_order_id.prefix", "x-PROBE")),
    "orders.client_order_id.max_length": Changes(_set("orders.client_order_id.max_length", 36)),
    "order_states": Changes(_set("order_states.PENDING_CANCEL", "PENDING_CANCEL")),
    "errors": Rejects(_all(_delete("errors"), _set("errors.order_not_found_on_status", [{"code": 1}]))),
    "errors.code_field": Changes(_set("errors.code_field", "error.code")),
    "errors.message_field": Changes(_set("errors.message_field", "error.msg")),
    "errors.in_body": Changes(_reply_check()),
    "errors.order_not_found_on_status": Changes(_set("errors.order_not_found_on_status", [{"code": -9}])),
    "errors.order_not_found_on_cancel": Changes(_set("errors.order_not_found_on_cancel", [{"code": -9}])),
    "errors.time_sync": Changes(_set("errors.time_sync", [{"code": -9}])),
    "errors.rate_limited": Changes(_set("errors.rate_limited", [{"http_status": 420}])),
    "errors.unknown_execution": Changes(_set("errors.unknown_execution", [{"http_status": 504}])),
    "fees": Changes(_delete("fees")),
    "fees.maker": Changes(_set("fees.maker", "0.002")),
    "fees.taker": Changes(_set("fees.taker", "0.002")),
    "fees.buy_percent_fee_deducted_from_returns": Changes(_set("fees.buy_percent_fee_deducted_from_returns", False)),
    "fees.percent_fee_token": Changes(_set("fees.percent_fee_token", "BNB")),
    "fees.fill_fee_asset": Changes(_set("fees.fill_fee_asset", "base"), base="kraken"),
    "credentials": Rejects(_set("credentials", [])),
    "real_time_balance_updates": Changes(_set("real_time_balance_updates", False)),
    "polling": Changes(_set("polling", {"order_status_interval": 3})),
    "polling.order_status_interval": Changes(_set("polling.order_status_interval", 3)),
    "polling.fills": Changes(_delete("polling.fills")),
    "polling.fills.endpoint": Rejects(_set("polling.fills.endpoint", "balances")),
    "polling.fills.interval": Changes(_set("polling.fills.interval", 3)),
    "polling.fills.idle_interval": Changes(_set("polling.fills.idle_interval", 33)),
    "hooks": Changes(_hook("reconcile", "exchange.status_polling")),
    **{
        f"waivers.{cap}": Rejects(_set(f"waivers.{cap}", "waived although the spec provides it"))
        for cap in (
            "rest_trading_rules",
            "rest_server_status",
            "rest_order_status",
            "rest_create_order",
            "rest_cancel_order",
            "rest_balances",
            "rate_limits",
            "ws_order_book",
            "ws_trades",
            "ws_private_orders",
            "ws_private_trades",
        )
    },
    "waivers": Rejects(_set("waivers.rest_balances", "waived although the spec provides it")),
    "perpetual": Rejects(_set("perpetual", {"position_modes": ["ONEWAY"]})),
    **PERPETUAL_PROBES,
    "gateway": Rejects(_delete("gateway"), base="uniswap"),
    **{
        f"gateway.{name}": Changes(_set(f"gateway.{path}", value), base="uniswap")
        for name, path, value in (
            ("dex", "dex", "pancakeswap"),
            ("networks", "networks", ["mainnet", "base"]),
            ("default_network", "default_network", "base"),
            ("trading_types", "trading_types", ["amm", "clmm", "router"]),
            ("default_trading_type", "default_trading_type", "amm"),
            ("native_currency", "native_currency", "WETH"),
            ("slippage_pct", "slippage_pct", 2),
            ("gateway_host", "gateway_host", "gateway.local"),
            ("gateway_port", "gateway_port", 15999),
            ("gateway_use_ssl", "gateway_use_ssl", True),
            ("gateway_certs_path", "gateway_certs_path", "other-certs"),
            ("examples.wallet", "examples.wallet", "0x1111111111111111111111111111111111111111"),
            ("examples.prices", "examples.prices", {"WETH-USDC": 3000.5}),
            ("examples.balances", "examples.balances", {"ETH": 1, "WETH": 3, "USDC": 10000, "DAI": 0}),
            ("examples.gas_fee", "examples.gas_fee", 0.001),
            ("examples.tokens[].address", "examples.tokens.3.address", "0x6B175474E89094C44Da98b954EedeAC495271d0E"),
            ("examples.tokens[].decimals", "examples.tokens.3.decimals", 8),
            ("examples.tokens[].name", "examples.tokens.3.name", "Dai"),
            ("examples.pools[].address", "examples.pools.0.address", "0xB4e16d0168e52d35CaCD2c6185b44281Ec28C9Dd"),
            ("examples.pools[].fee_pct", "examples.pools.0.fee_pct", 1),
            ("examples.replies.quote", "examples.replies.quote.price", 3224.9),
            ("examples.replies.execute", "examples.replies.execute.data.amountOut", 322.49),
            ("examples.replies.poll", "examples.replies.poll.currentBlock", 21500013),
        )
    },
    "gateway.examples": Rejects(_delete("gateway.examples"), base="uniswap"),
    "gateway.chain": Rejects(_set("gateway.chain", "bitcoin"), base="uniswap"),
    "gateway.examples.tokens": Changes(
        _all(_delete("gateway.examples.tokens.3"), _delete("gateway.examples.balances.DAI")), base="uniswap"
    ),
    "gateway.examples.tokens[].symbol": Changes(
        _all(_set("gateway.examples.tokens.3.symbol", "DAI2"), _delete("gateway.examples.balances.DAI")),
        base="uniswap",
    ),
    "gateway.examples.pools": Changes(
        lambda d: d["gateway"]["examples"]["pools"].append(dict(d["gateway"]["examples"]["pools"][0], address="0x1")),
        base="uniswap",
    ),
    # A pool of another pair beside the example pair's ones (each pool type needs one of the example pair).
    "gateway.examples.pools[].pair": Changes(
        _all(
            lambda d: d["gateway"]["examples"]["pools"].append(dict(d["gateway"]["examples"]["pools"][0])),
            _set("gateway.examples.pools.2.pair", "DAI-USDC"),
        ),
        base="uniswap",
    ),
    "gateway.examples.pools[].type": Changes(
        _all(
            lambda d: d["gateway"]["examples"]["pools"].append(dict(d["gateway"]["examples"]["pools"][0])),
            _set("gateway.examples.pools.0.type", "clmm"),
        ),
        base="uniswap",
    ),
    "gateway.examples.replies": Changes(_set("gateway.examples.replies.quote.amountOut", 0.6), base="uniswap"),
    # ---- definitions
    "domain.rest": Changes(_set("domains.us.rest", "https://api.binance.us/api/v9")),
    "domain.ws": Changes(_set("domains.us.ws.extra", "wss://extra.binance.us/ws")),
    "domain.testnet": Changes(_set("domains.us.testnet", True)),
    "domain.headers": Changes(_set("domains.testnet.headers", {"x-simulated-trading": "1"})),
    "domain.description": Changes(_set("domains.com.description", "The main site.")),
    "rate_limit.limit": Changes(_set("rate_limits.ORDERS.limit", 50)),
    "rate_limit.interval": Changes(_set("rate_limits.ORDERS.interval", 20)),
    "rate_limit.weight": Changes(_set("rate_limits./order.weight", 2)),
    "rate_limit.linked": Changes(_delete("rate_limits./order.linked.ORDERS_24HR")),
    "rate_limit.scope": Changes(_set("rate_limits./order.scope", "account")),
    "rate_limit.description": Changes(_set("rate_limits./order.description", "Orders and their queries.")),
    "endpoint.method": Changes(_set("endpoints.ping.method", "POST")),
    "endpoint.path": Changes(_set("endpoints.ping.path", "/v3/ping2")),
    "endpoint.auth": Changes(_set("endpoints.ping.auth", "key")),
    "endpoint.recipe": Changes(_set("endpoints.create_order.recipe", "ws_api")),
    "endpoint.limit_id": Changes(_set("endpoints.ping.limit_id", "/time")),
    "endpoint.params": Changes(_set("endpoints.ping.params", {"probe": {"value": "1"}})),
    "endpoint.params_in": Changes(_set("endpoints.create_order.params_in", "query")),
    "endpoint.body_encoding": Changes(_set("endpoints.create_order.body_encoding", "json")),
    "endpoint.envelope": Changes(_set("endpoints.balances.envelope", "data")),
    "endpoint.mapping": Changes(_set("endpoints.ticker_24h.mapping", "last_price")),
    "endpoint.description": Changes(_set("endpoints.ping.description", "Connectivity check.")),
    "endpoint.example_response": Changes(_set("endpoints.ping.example_response", {"ok": 1})),
    "endpoint.example_parsed": Changes(_delete("endpoints.last_price.example_parsed")),
    "param.from": Changes(_set("endpoints.order_status.params.origClientOrderId", {"from": "exchange_order_id"})),
    "param.value": Changes(_set("endpoints.create_order.params.timeInForce.value", "IOC")),
    "param.when_order_type": Changes(
        _set("endpoints.create_order.params.timeInForce.when_order_type", ["LIMIT", "LIMIT_MAKER"])
    ),
    "param.when_side": Changes(_set("endpoints.create_order.params.timeInForce.when_side", "BUY")),
    "param.when_post_only": Changes(
        _all(
            _set("orders.types.LIMIT_MAKER", {"type": "LIMIT", "post_only": True}),
            _set("endpoints.create_order.params.postOnly", {"value": "true", "when_post_only": True}),
        ),
        against=_all(
            _set("orders.types.LIMIT_MAKER", {"type": "LIMIT", "post_only": True}),
            _set("endpoints.create_order.params.postOnly", {"from": "post_only"}),
        ),
    ),
    "param.optional": Changes(_set("endpoints.my_trades.params.symbol", {"from": "symbol", "optional": True})),
    "param.format": Changes(_set("endpoints.create_order.params.side", {"from": "side", "format": "lower"})),
    "placement.in": Changes(_set("auth.recipes.rest.place.api_key.in", "query")),
    "placement.name": Changes(_set("auth.recipes.rest.place.api_key.name", "X-PROBE-KEY")),
    "part.literal": Changes(
        _all(_set("auth.recipes.rest.parts", ["query", {"literal": "x"}, "body"]), _delete("auth.test_vectors"))
    ),
    "part.query": Changes(
        _all(_set("auth.recipes.rest.parts", [{"query": {"sort": True}}, "body"]), _delete("auth.test_vectors"))
    ),
    "part.params": Changes(_all(_set("auth.recipes.rest.parts", [{"params": {}}]), _delete("auth.test_vectors"))),
    "part.hash": Changes(
        _all(
            _set("auth.recipes.rest.parts", ["query", {"hash": "sha256", "of": ["body"]}]), _delete("auth.test_vectors")
        )
    ),
    "part.of": Changes(
        _all(
            _set("auth.recipes.rest.parts", [{"hash": "sha256", "of": ["query", "body"]}]), _delete("auth.test_vectors")
        )
    ),
    "part.joiner": Changes(
        _all(
            _set("auth.recipes.rest.parts", [{"hash": "sha256", "of": ["query", "body"], "joiner": "|"}]),
            _delete("auth.test_vectors"),
        )
    ),
    "part.output": Changes(
        _all(
            _set("auth.recipes.rest.parts", [{"hash": "sha256", "of": ["query"], "output": "base64"}, "body"]),
            _delete("auth.test_vectors"),
        )
    ),
    "canonical.sort": Changes(
        _all(
            _set("auth.recipes.ws_api.parts", [{"params": {"sort": False, "urlencode": False}}]),
            _delete("auth.test_vectors"),
        )
    ),
    "canonical.urlencode": Changes(_set("auth.recipes.ws_api.parts", [{"params": {"sort": True, "urlencode": True}}])),
    "recipe.description": Changes(_set("auth.recipes.rest.description", "Signs SIGNED endpoints.")),
    "recipe.algorithm": Changes(_all(_set("auth.recipes.rest.algorithm", "hmac_sha512"), _delete("auth.test_vectors"))),
    "recipe.secret_encoding": Changes(
        _all(_set("auth.recipes.rest.secret_encoding", "base64"), _delete("auth.test_vectors"))
    ),
    "recipe.output": Changes(_all(_set("auth.recipes.rest.output", "base64"), _delete("auth.test_vectors"))),
    "recipe.joiner": Changes(_all(_set("auth.recipes.rest.joiner", "&"), _delete("auth.test_vectors"))),
    "recipe.parts": Changes(_all(_set("auth.recipes.rest.parts", ["body", "query"]), _delete("auth.test_vectors"))),
    "recipe.timestamp": Rejects(_delete("auth.recipes.rest.timestamp")),
    "recipe.timestamp.unit": Changes(
        _all(_set("auth.recipes.rest.timestamp.unit", "us"), _delete("auth.test_vectors"))
    ),
    "recipe.timestamp.clock": Changes(_set("auth.recipes.rest.timestamp.clock", "local")),
    "recipe.timestamp.offset": Changes(_set("auth.recipes.rest.timestamp.offset", 5)),
    "recipe.nonce": Changes(
        _all(
            _set("auth.recipes.rest.nonce", {"source": "counter"}),
            _set("auth.recipes.rest.place.nonce", {"in": "header", "name": "N"}),
        )
    ),
    "recipe.nonce.source": Rejects(_set("auth.recipes.rest.place.nonce", {"in": "header", "name": "N"})),
    "recipe.recv_window": Changes(
        _all(
            _set("auth.recipes.rest.recv_window", 5000),
            _set("auth.recipes.rest.place.recv_window", {"in": "params", "name": "recvWindow"}),
        )
    ),
    "recipe.place": Changes(_set("auth.recipes.rest.place.api_key", {"in": "header", "name": "X-KEY"})),
    "recipe.place.signature": Rejects(_delete("auth.recipes.rest.place.signature")),
    "recipe.place.api_key": Changes(_delete("auth.recipes.rest.place.api_key")),
    "recipe.place.timestamp": Changes(_set("auth.recipes.rest.place.timestamp", {"in": "header", "name": "X-TS"})),
    "recipe.place.nonce": Rejects(_set("auth.recipes.rest.place.nonce", {"in": "header", "name": "N"})),
    "recipe.place.recv_window": Rejects(_set("auth.recipes.rest.place.recv_window", {"in": "header", "name": "W"})),
    "recipe.place.passphrase": Changes(
        _all(
            _set("auth.recipes.rest.place.passphrase", {"in": "header", "name": "X-PASS"}),
            lambda d: d["credentials"].append({"key": "binance_passphrase", "role": "passphrase"}),
        )
    ),
    "recipe.passphrase": Changes(
        _all(
            _set("auth.recipes.rest.passphrase", "hmac"),
            _set("auth.recipes.rest.place.passphrase", {"in": "header", "name": "X-PASS"}),
            lambda d: d["credentials"].append({"key": "binance_passphrase", "role": "passphrase"}),
        )
    ),
    "recipe.static": Changes(_set("auth.recipes.rest.static", [{"in": "header", "name": "X-VERSION", "value": "2"}])),
    "recipe.static[].in": Changes(_set("auth.recipes.rest.static", [{"in": "query", "name": "v", "value": "2"}])),
    "recipe.static[].name": Changes(
        _set("auth.recipes.rest.static", [{"in": "header", "name": "X-OTHER", "value": "2"}])
    ),
    "recipe.static[].value": Changes(
        _set("auth.recipes.rest.static", [{"in": "header", "name": "X-VERSION", "value": "3"}])
    ),
    "recipe.headers": Changes(_set("auth.recipes.rest.headers", "replace")),
    "recipe.hook": Changes(_all(_set("auth.recipes.rest.hook", "sign_rest"), _hook("sign_rest", "auth.sign"))),
    **{
        f"test_vector.{key}": Changes(_set(f"auth.test_vectors.3.{key}", value))
        for key, value in (("name", "renamed vector"), ("api_key", "another-key"))
    },
    "test_vector.recipe": Rejects(_set("auth.test_vectors.0.recipe", "ws_api")),
    "test_vector.secret": Rejects(_set("auth.test_vectors.0.secret", "another secret")),
    "test_vector.passphrase": Changes(_set("auth.test_vectors.0.passphrase", "pass")),
    "test_vector.timestamp": Rejects(_set("auth.test_vectors.0.timestamp", "1499827319560")),
    "test_vector.nonce": Rejects(_set("auth.test_vectors.0.nonce", "5")),
    "test_vector.recv_window": Rejects(_set("auth.test_vectors.0.recv_window", "5000")),
    "test_vector.method": Changes(_set("auth.test_vectors.0.method", "GET")),
    "test_vector.path": Changes(_set("auth.test_vectors.0.path", "/api/v3/other")),
    "test_vector.query": Rejects(_set("auth.test_vectors.0.query", "symbol=BTCUSDT")),
    "test_vector.body": Rejects(_set("auth.test_vectors.0.body", "a=1")),
    "test_vector.params": Rejects(_set("auth.test_vectors.3.params", {"symbol": "ETHUSDT"})),
    "test_vector.expected": Rejects(_set("auth.test_vectors.0.expected", "00")),
    "test_vector.expected_passphrase": Rejects(_set("auth.test_vectors.0.expected_passphrase", "nope")),
    "predicate.field": Changes(_set("symbols.active.0.field", "state")),
    "predicate.equals": Changes(_set("symbols.active.0.equals", "OPEN")),
    "predicate.not_equals": Changes(_set("symbols.active.0", {"field": "status", "not_equals": "BREAK"})),
    "predicate.in": Changes(_set("symbols.active.0", {"field": "status", "in": ["TRADING", "AUCTION"]})),
    "predicate.contains": Changes(_set("symbols.active.0", {"field": "permissions", "contains": "SPOT"})),
    "predicate.any_contains": Changes(_set("symbols.active.1.any_contains", "MARGIN")),
    "predicate.present": Changes(_set("symbols.active.0", {"field": "status", "present": True})),
    "predicate.empty": Changes(_set("symbols.active.0", {"field": "status", "empty": False})),
    "mapping.kind": Rejects(_set("mappings.trade.kind", "fill")),
    "mapping.description": Changes(_set("mappings.trade.description", "A public trade.")),
    "mapping.each": Changes(_set("mappings.balances.each", "accounts")),
    "mapping.filter": Changes(_set("mappings.order_status.filter", [{"field": "status", "present": True}])),
    "mapping.fields": Changes(_set("mappings.order_status.fields.timestamp", "time")),
    "mapping.keyed": Changes(
        _all(_set("mappings.balances.keyed", True), _set("mappings.balances.fields.asset", "$key"))
    ),
    "mapping.hook": Changes(
        _all(
            _set("mappings.balances", {"kind": "balance", "hook": "parse_balances"}),
            _hook("parse_balances", "mapping.parse"),
        )
    ),
    "field.path": Changes(_set("mappings.trade.fields.price", {"path": "P"})),
    "field.type": Changes(_set("mappings.trade.fields.timestamp", {"path": "E", "type": "timestamp_us"})),
    "field.map": Changes(_set("mappings.trade.fields.side", {"path": "m", "map": {"true": "BUY", "false": "SELL"}})),
    "field.optional": Changes(_set("mappings.order_status.fields.timestamp", {"path": "updateTime", "optional": True})),
    "field.default": Changes(
        _set("mappings.order_status.fields.symbol", {"path": "symbol", "optional": True, "default": "COINALPHAHBOT"})
    ),
    "field.sum": Changes(_set("mappings.balances.fields.total", {"sum": ["free", "locked", "frozen"]})),
    "field.product": Changes(_set("mappings.execution_fill.fields.quote_amount", {"product": ["q", "L"]})),
    "field.difference": Changes(_set("mappings.balances.fields.available", {"difference": ["free", "locked"]})),
    "field.first_nonempty": Changes(
        _set("mappings.execution_order_update.fields.client_order_id", {"first_nonempty": ["c", "C"]})
    ),
    "field.value": Changes(_set("mappings.order_status.fields.symbol", {"value": "COINALPHAHBOT"})),
    "field.negate": Changes(_set("mappings.execution_fill.fields.fee_amount", {"negate": "n"})),
    "field.step_of_decimals": Changes(
        _set("mappings.trading_rule.fields.min_price_increment", {"step_of_decimals": "quotePrecision"})
    ),
    "field.levels": Changes(_set("mappings.book.fields.bids", {"path": "bids", "levels": LEVELS}), base="okx"),
    "field.levels.price": Changes(
        _set("mappings.book.fields.bids", {"path": "bids", "levels": dict(LEVELS, price="p")}), base="okx"
    ),
    "field.levels.amount": Changes(
        _set("mappings.book.fields.bids", {"path": "bids", "levels": dict(LEVELS, amount="q")}), base="okx"
    ),
    "field.cases": Changes(_set("mappings.order_status.fields.state", STATE_CASES)),
    "field.cases[].when": Changes(
        _set(
            "mappings.order_status.fields.state",
            {**STATE_CASES, "cases": [{**CASE, "when": [WORKING, FILLED_NOTHING]}]},
        )
    ),
    "field.cases[].value": Changes(
        _set("mappings.order_status.fields.state", {**STATE_CASES, "cases": [{**CASE, "value": "PENDING_CANCEL"}]})
    ),
    "heartbeat.interval": Changes(_set("ws.public.heartbeat.interval", 20)),
    "heartbeat.style": Changes(_set("ws.public.heartbeat", {"interval": 20, "style": "text", "message": "ping"})),
    "heartbeat.message": Changes(
        _set("ws.public.heartbeat", {"interval": 20, "style": "json", "message": {"op": "ping"}})
    ),
    "heartbeat.pong": Changes(
        _set("ws.public.heartbeat", {"interval": 20, "style": "text", "message": "ping", "pong": "pong"})
    ),
    "ws_public.url": Changes(
        _all(
            _set("domains.com.ws.market", "wss://m/ws"),
            _set("domains.us.ws.market", "wss://m/ws"),
            _set("domains.testnet.ws.market", "wss://m/ws"),
            _set("ws.public.url", "market"),
        )
    ),
    "ws_public.heartbeat": Changes(_delete("ws.public.heartbeat")),
    "ws_public.subscribe": Changes(_set("ws.public.subscribe.first_id", 7)),
    "ws_public.unsubscribe": Changes(_delete("ws.public.unsubscribe")),
    "ws_public.ack": Changes(_set("ws.public.ack", [{"field": "id", "present": True}])),
    "ws_public.envelope": Changes(_set("ws.public.envelope", "data")),
    "ws_public.route_by": Changes(_set("ws.public.route_by", "event")),
    "ws_public.channels": Changes(_set("ws.public.channels.trade.stream", "${symbol}@aggTrade")),
    "subscription.message": Changes(_set("ws.public.subscribe.message.method", "SUB")),
    "subscription.batch": Changes(_set("ws.public.subscribe.batch", "per_stream")),
    "subscription.first_id": Changes(_set("ws.public.subscribe.first_id", 3)),
    "channel.stream": Changes(_set("ws.public.channels.trade.stream", "${symbol}@aggTrade")),
    "channel.match": Changes(_set("ws.public.channels.trade.match", ["trade", "aggTrade"])),
    "channel.mapping": Changes(
        _all(
            _set(
                "mappings.trade2",
                {
                    "kind": "trade",
                    "fields": {
                        "symbol": "s",
                        "trade_id": "t",
                        "price": "p",
                        "amount": "q",
                        "side": {"path": "m", "map": {"true": "SELL", "false": "BUY"}},
                        "timestamp": "T",
                    },
                },
            ),
            _set("ws.public.channels.trade.mapping", "trade2"),
            _delete("ws.public.channels.trade.example_parsed"),
        )
    ),
    "channel.example": Changes(_set("ws.public.channels.trade.example.p", "0.002")),
    "channel.example_parsed": Changes(_delete("ws.public.channels.trade.example_parsed")),
    "channel.snapshot_when": Changes(
        _set("ws.public.channels.books.snapshot_when", [{"field": "action", "in": ["snapshot", "partial"]}]), base="okx"
    ),
    "channel.subscribe": Changes(
        _set("ws.public.channels.trades.subscribe", {"message": {"op": "subscribe", "args": ["${stream}"]}}),
        base="okx",
    ),
    "channel.unsubscribe": Changes(
        _all(
            _set("ws.public.channels.trades.subscribe", {"message": {"op": "subscribe", "args": ["${stream}"]}}),
            _set("ws.public.channels.trades.unsubscribe", {"message": {"op": "unsubscribe", "args": ["${stream}"]}}),
        ),
        against=_all(
            _set("ws.public.channels.trades.subscribe", {"message": {"op": "subscribe", "args": ["${stream}"]}}),
            _set("ws.public.channels.trades.unsubscribe", {"message": {"op": "unsubscribe", "args": "${streams}"}}),
        ),
        base="okx",
    ),
    "ws_private.url": Changes(
        _all(
            _set("domains.com.ws.user", "wss://u/ws"),
            _set("domains.us.ws.user", "wss://u/ws"),
            _set("domains.testnet.ws.user", "wss://u/ws"),
            _set("ws.private.url", "user"),
        )
    ),
    "ws_private.heartbeat": Changes(_set("ws.private.heartbeat", {"interval": 15})),
    "ws_private.login": Changes(_token_login),
    "ws_private.subscribe": Changes(
        _all(_token_login, _set("ws.private.subscribe", {"message": {"method": "subscribe", "token": "${token}"}}))
    ),
    "ws_private.envelope": Changes(_set("ws.private.envelope", "data")),
    "ws_private.ignore": Changes(_set("ws.private.ignore", [{"field": "id", "present": True}])),
    "ws_private.terminated": Changes(_delete("ws.private.terminated")),
    "ws_private.route_by": Changes(_set("ws.private.route_by", "event")),
    "ws_private.events": Changes(
        _all(_delete("ws.private.events.account_position"), _set("real_time_balance_updates", False)),
        against=_set("real_time_balance_updates", False),  # without its balance event the flag must be false
    ),
    "event.match": Changes(
        _set("ws.private.events.account_position.match", ["outboundAccountPosition", "balanceUpdate"])
    ),
    "event.mappings": Changes(
        _set("ws.private.events.execution_report.mappings", ["execution_order_update", "execution_fill"])
    ),
    "event.subscribe": Changes(
        _set("ws.private.events.account.subscribe.message.args", [{"channel": "account", "ccy": "BTC"}]), base="okx"
    ),
    "event.example": Changes(_set("ws.private.events.account_position.example.event.E", 1)),
    "event.example_parsed": Changes(_delete("ws.private.events.account_position.example_parsed")),
    "login.style": Changes(_okx_login),
    "login.message": Changes(_set("ws.private.login.message.id", "${id}")),
    "login.recipe": Changes(
        _all(
            _set(
                "auth.recipes.ws_api2",
                {
                    "algorithm": "hmac_sha256",
                    "output": "hex",
                    "parts": [{"params": {"sort": True, "urlencode": False}}],
                    "timestamp": {"unit": "ms"},
                    "place": {
                        "api_key": {"in": "params", "name": "apiKey"},
                        "timestamp": {"in": "params", "name": "timestamp"},
                        "signature": {"in": "params", "name": "signature"},
                    },
                },
            ),
            _set("ws.private.login.recipe", "ws_api2"),
        )
    ),
    "login.success": Changes(_set("ws.private.login.success", [{"field": "status", "in": [200, 201]}])),
    "login.error_code": Changes(_set("ws.private.login.error_code", "data.code")),
    "login.error_message": Changes(_set("ws.private.login.error_message", "data.message")),
    "login.create": Changes(
        _all(
            _listen_key_login,
            _copy_endpoint("listen_key", "listen_key2"),
            _set("ws.private.login.create", "listen_key2"),
        )
    ),
    "login.keep_alive": Rejects(_all(_listen_key_login, _delete("ws.private.login.keep_alive"))),
    "login.close": Changes(
        _all(
            _listen_key_login,
            _copy_endpoint("keep_alive", "close", method="DELETE"),
            _set("ws.private.login.close", "close"),
        )
    ),
    "login.keep_alive_interval": Changes(_all(_listen_key_login, _set("ws.private.login.keep_alive_interval", 600))),
    "login.key_field": Changes(_all(_listen_key_login, _set("ws.private.login.key_field", "key"))),
    "login.endpoint": Changes(
        _all(_token_login, _copy_endpoint("ws_token", "ws_token2"), _set("ws.private.login.endpoint", "ws_token2"))
    ),
    "login.token_field": Changes(_all(_token_login, _set("ws.private.login.token_field", "result.token"))),
    "login.url_field": Changes(_all(_token_login, _set("ws.private.login.url_field", "url"))),
    "login.url_template": Changes(_all(_token_login, _set("ws.private.login.url_template", "${url}?token=${token}"))),
    "ws_public.login": Changes(
        _all(
            _copy_endpoint("server_time", "bullet_public", method="POST", example_response={"token": "t"}),
            _delete("endpoints.bullet_public.mapping"),
            _delete("endpoints.bullet_public.example_parsed"),
            _set("ws.public.login", {"style": "rest_token", "endpoint": "bullet_public", "token_field": "token"}),
        )
    ),
    "ws_public.ready": Changes(_set("ws.public.ready", [{"field": "type", "equals": "welcome"}])),
    "ws_private.ready": Changes(_set("ws.private.ready", [{"field": "type", "equals": "welcome"}])),
    "login.ping_interval_field": Changes(
        _all(_token_login, _set("ws.private.login.ping_interval_field", {"path": "pingInterval", "unit": "ms"}))
    ),
    "login.token_lifetime": Changes(_all(_token_login, _set("ws.private.login.token_lifetime", 86400))),
    "login.token_lifetime_field": Changes(
        _all(_token_login, _set("ws.private.login.token_lifetime_field", {"path": "expires"}))
    ),
    "duration_field.path": Changes(_all(_token_login, _set("ws.private.login.token_lifetime_field", {"path": "ttl"}))),
    "duration_field.unit": Changes(
        _all(_token_login, _set("ws.private.login.token_lifetime_field", {"path": "expires", "unit": "ms"}))
    ),
    "login.hook": Changes(
        _all(_set("ws.private.login", {"style": "hook", "hook": "log_in"}), _hook("log_in", "ws.login"))
    ),
    "order_type_wire.type": Changes(_set("orders.types.LIMIT_MAKER", {"type": "LIMIT"})),
    "order_type_wire.time_in_force": Changes(
        _set("orders.types.LIMIT_MAKER", {"type": "LIMIT", "time_in_force": "GTC"})
    ),
    "order_type_wire.post_only": Changes(
        _all(
            _set("orders.types.LIMIT_MAKER", {"type": "LIMIT", "post_only": True}),
            _set("endpoints.create_order.params.postOnly", {"from": "post_only", "format": "lower"}),
        )
    ),
    "reply_check.each": Changes(_reply_check(each="data")),
    "reply_check.error_when": Changes(_set("errors.in_body", [{"error_when": [{"field": "code", "not_equals": 0}]}])),
    "reply_check.code_field": Changes(_reply_check(code_field="error.code")),
    "reply_check.message_field": Changes(_reply_check(message_field="error.msg")),
    "error_matchers[].code": Changes(_set("errors.time_sync.0.code", -1022)),
    "error_matchers[].message": Changes(_set("errors.time_sync.0.message", "Timestamp outside the window")),
    "error_matchers[].message_contains": Changes(_set("errors.time_sync.0.message_contains", "recvWindow")),
    "error_matchers[].http_status": Changes(_set("errors.time_sync.0.http_status", 400)),
    "credential.key": Changes(_set("credentials.0.key", "binance_key")),
    "credential.role": Rejects(_set("credentials.0.role", "other")),
    "credential.prompt": Changes(_set("credentials.0.prompt", "Your key")),
    "credential.secure": Changes(_set("credentials.0.secure", False)),
    "hook.at": Changes(
        _all(_hook("probe", "exchange.status_polling"), _set("hooks.probe.at", "exchange.cancel_order"))
    ),
    "hook.description": Changes(
        _all(_hook("probe", "exchange.status_polling"), _set("hooks.probe.description", "Another text."))
    ),
}

#: Kind field keys (``fields_<kind>.<field>``): each is proven by mapping the field (or a different path for it).
FIELD_KEYS = [k for k in schema_keys() if k.startswith("fields_")]


def _field_probe(key: str) -> Probe:
    kind, field = key.removeprefix("fields_").split(".")
    target = {
        "instrument": "instrument",
        "trading_rule": "trading_rule",
        "order_book_snapshot": "order_book_snapshot",
        "order_book_diff": "order_book_diff",
        "trade": "trade",
        "order_update": "order_status",
        "fill": "my_trades",
        "balance": "balances",
        "order_ack": "order_ack",
        "cancel_ack": "cancel_ack",
        "server_time": "server_time",
        "last_price": "last_price",
    }.get(kind)
    if target is None:  # a perpetual kind
        target = PERPETUAL_FIELD_TARGETS[kind]
        return Changes(_set(f"mappings.{target}.fields.{field}", "probe_path"), base=P)
    return Changes(_set(f"mappings.{target}.fields.{field}", "probe_path"))


#: The mapping of specs/binance_perpetual.yaml that proves the fields of each perpetual kind.
PERPETUAL_FIELD_TARGETS = {
    "position": "positions",
    "funding_info": "premium_index",
    "funding_payment": "funding_payments",
    "leverage": "leverage",
    "position_mode": "position_mode",
    "margin_call": "margin_call",
}


def _composed_render(probe: Composed) -> dict[str, str]:
    import tempfile

    import yaml

    from hbgen.spec.loader import load_file

    source = REPO / "specs" / f"{probe.base}.yaml"
    raw = load_file(source, str(source)).data
    probe.mutate(raw)
    with tempfile.TemporaryDirectory() as scratch:
        specs = Path(scratch)
        (specs / "shared").mkdir()
        for fragment in (REPO / "specs" / "shared").glob("*.yaml"):
            (specs / "shared" / fragment.name).write_text(fragment.read_text(encoding="utf-8"), encoding="utf-8")
        (specs / "shared" / "probe.yaml").write_text(probe.fragment, encoding="utf-8")
        spec = specs / source.name
        spec.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
        doc = load_composed(spec, str(spec))
        assert not doc.diagnostics, doc.diagnostics
        return render(doc.data)


#: Keys that are documentation by definition (the schema says so): they reach the README, comments and docstrings,
#: never behaviour. Every other ``Changes`` probe must change the generated Python itself.
DOCUMENTATION_KEYS = frozenset(
    {
        "display_name",
        "domain.description",
        "domain.testnet",
        "rate_limit.description",
        "rate_limit.scope",
        "endpoint.description",
        "recipe.description",
        "mapping.description",
        "test_vector.name",
        "order_book.integrity.checksum.test_vectors[].name",
    }
)


def _code(files: dict[str, str]) -> dict[str, str]:
    """The generated Python modules without their comments and docstrings (the syntax trees), README left out."""
    import ast

    out: dict[str, str] = {}
    for path, text in files.items():
        if not path.endswith(".py"):
            continue
        tree = ast.parse(text)
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
                first = body[0].value
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    body[0] = ast.Pass()
        out[path] = ast.dump(tree)
    return out


# ---------------------------------------------------------------------------------------------------- the tests


def test_the_walk_finds_the_schema_keys() -> None:
    keys = schema_keys()
    assert "recipe.static[].name" in keys and "predicate.empty" in keys and "errors.in_body" in keys
    assert len(keys) == len(set(keys)) > 300


def test_every_schema_key_has_a_probe() -> None:
    missing = [k for k in schema_keys() if k not in PROBES and k not in FIELD_KEYS]
    assert missing == [], f"schema keys without a probe in PROBES (prove each reaches generated code): {missing}"
    stale = [k for k in PROBES if k not in schema_keys()]
    assert stale == [], f"probes for keys the schema no longer has: {stale}"


@pytest.mark.parametrize("key", schema_keys())
def test_schema_key_reaches_generated_code_or_is_rejected(key: str) -> None:
    probe = PROBES[key] if key in PROBES else _field_probe(key)
    if isinstance(probe, Composed):
        assert json.dumps(_composed_render(probe), sort_keys=True) != _base_render(probe.base), key
        return
    doc = base_doc(probe.base)
    probe.mutate(doc)
    if isinstance(probe, Rejects):
        model, diagnostics = check(doc)
        assert model is None, f"{key}: the mutation should make validation fail"
        return
    if isinstance(probe, Refused):
        with pytest.raises(GenerationError, match=probe.reason):
            render(doc)
        return
    model, diagnostics = check(doc)
    assert model is not None, f"{key}: the probe's mutation does not validate: {diagnostics}"
    if probe.against is None:
        reference = _base_render(probe.base)
    else:
        reference_doc = base_doc(probe.base)
        probe.against(reference_doc)
        reference = json.dumps(render(reference_doc), sort_keys=True)
    generated = render(doc)
    assert json.dumps(generated, sort_keys=True) != reference, f"{key} changed nothing generated"
    if key not in DOCUMENTATION_KEYS:
        assert _code(generated) != _code(json.loads(reference)), (
            f"{key} changed only comments, docstrings or the README: no generated behaviour reads it"
        )

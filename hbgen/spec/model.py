"""The typed, normalised, immutable model of a connector spec that the templates consume.

Built by :func:`build_model` from a document that passed schema and semantic validation. Past this point there are
no YAML quirks and no optional-with-default ambiguity: defaults are applied, ``auto`` settings are resolved, field
paths are parsed, implicit ``[]`` iteration is turned into an explicit ``each``, and every collection is a tuple or
a read-only mapping. Example payloads are kept as canonical JSON text (``*_json``) with properties that return a
fresh parsed copy, so the model itself cannot be mutated through them.

This module holds the connector as a whole (:class:`ConnectorSpec`, its domains, rate limits and endpoints) and
:func:`build_model`; the parts live beside it, one module per section of the spec, and are re-exported here:
:mod:`~hbgen.spec.model_auth` (signing recipes, credentials), :mod:`~hbgen.spec.model_mappings` (symbols, field
expressions, message mappings), :mod:`~hbgen.spec.model_ws` (websockets, order book), :mod:`~hbgen.spec.model_orders`
(orders, errors, fees, hooks, polling, perpetual) and :mod:`~hbgen.spec.model_common` (scalars, freezing).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hbgen.spec.model_auth import (
    AnyPart,
    Auth,
    Credential,
    HashPart,
    Part,
    Placement,
    SigningRecipe,
    StaticValue,
    TestVector,
    _recipe,
    _vector,
    default_recipe_name,
)
from hbgen.spec.model_common import Scalar, _frozen, _json_text, _records
from hbgen.spec.model_mappings import (
    FieldExpr,
    MessageMapping,
    Predicate,
    Symbols,
    _envelope,
    _mapping,
    _opt_path,
    _predicates,
)
from hbgen.spec.model_orders import (
    ErrorMatcher,
    ErrorRules,
    Fees,
    Hook,
    OrderParamRule,
    Orders,
    OrderTypeWire,
    PerpetualSpec,
    Polling,
    ReplyCheck,
    _matchers,
    _orders,
    _perpetual,
    _reply_checks,
)
from hbgen.spec.model_ws import (
    BookChecksum,
    Channel,
    ChecksumVector,
    DurationField,
    Event,
    Heartbeat,
    Login,
    OrderBookSpec,
    PrivateWs,
    PublicWs,
    Subscription,
    WebSockets,
    _order_book,
    _private_ws,
    _public_ws,
)
from hbgen.spec.paths import FieldPath
from hbgen.spec.vocabulary import ROLE_INPUTS

__all__ = [
    "Scalar",
    "DurationField",
    "Domain",
    "LinkedLimit",
    "RateLimit",
    "Param",
    "Endpoint",
    "Part",
    "HashPart",
    "AnyPart",
    "Placement",
    "StaticValue",
    "SigningRecipe",
    "TestVector",
    "Auth",
    "Predicate",
    "Symbols",
    "FieldExpr",
    "MessageMapping",
    "OrderBookSpec",
    "BookChecksum",
    "ChecksumVector",
    "Heartbeat",
    "Subscription",
    "Channel",
    "PublicWs",
    "Login",
    "Event",
    "PrivateWs",
    "WebSockets",
    "OrderTypeWire",
    "Orders",
    "ErrorMatcher",
    "ReplyCheck",
    "ErrorRules",
    "Fees",
    "Credential",
    "Hook",
    "Polling",
    "OrderParamRule",
    "PerpetualSpec",
    "ConnectorSpec",
    "build_model",
]


@dataclass(frozen=True)
class Domain:
    """One deployment: REST base URL and named websocket URLs."""

    name: str
    rest_url: str
    ws_urls: Mapping[str, str]
    testnet: bool
    description: str
    headers: Mapping[str, str]


@dataclass(frozen=True)
class LinkedLimit:
    """A pool a limit also consumes from (hbrt ``LinkedLimitWeightPair``)."""

    limit_id: str
    weight: int


@dataclass(frozen=True)
class RateLimit:
    """One throttler limit (hbrt ``RateLimit``); ``interval`` in seconds."""

    limit_id: str
    limit: int
    interval: float
    weight: int
    linked: tuple[LinkedLimit, ...]
    scope: str | None
    description: str


@dataclass(frozen=True)
class Param:
    """A request parameter: ``source`` is ``input`` (a connector input) or ``value`` (a constant)."""

    name: str
    source: str
    input: str | None
    value: Scalar
    when_order_types: tuple[str, ...]
    optional: bool
    format: str | None
    when_side: str | None = None
    when_post_only: bool | None = None


@dataclass(frozen=True)
class Endpoint:
    """A REST endpoint with everything resolved: ``params_in`` is ``query`` or ``body``; ``recipe`` is set when
    ``auth`` is ``signed`` or ``key``; ``role`` is the well-known name or None for a free endpoint; ``envelope`` is
    where the result sits in the reply (None: the whole reply)."""

    name: str
    role: str | None
    method: str
    path: str
    auth: str
    recipe: str | None
    limit_id: str
    params: tuple[Param, ...]
    params_in: str
    body_encoding: str
    mapping: str | None
    description: str
    example_response_json: str | None
    example_parsed: tuple[Mapping[str, Scalar], ...] | None
    envelope: FieldPath | None = None

    @property
    def is_auth_required(self) -> bool:
        """Whether requests carry credentials (signed or key)."""
        return self.auth != "none"

    @property
    def example_response(self) -> Any:
        """A fresh parsed copy of the example response (None when there is none)."""
        return None if self.example_response_json is None else json.loads(self.example_response_json)


@dataclass(frozen=True)
class ConnectorSpec:
    """The whole connector."""

    source: str
    spec_version: int
    name: str
    display_name: str
    type: str
    partial: str | None
    centralized: bool
    example_pair: str | None
    default_domain: str
    domains: Mapping[str, Domain]
    timestamp_unit: str
    time_sync_endpoint: str | None
    rate_limits: Mapping[str, RateLimit]
    endpoints: Mapping[str, Endpoint]
    auth: Auth | None
    symbols: Symbols | None
    mappings: Mapping[str, MessageMapping]
    order_book: OrderBookSpec | None
    ws: WebSockets
    orders: Orders | None
    order_states: Mapping[str, str]
    errors: ErrorRules
    fees: Fees | None
    credentials: tuple[Credential, ...]
    real_time_balance_updates: bool
    polling: Polling
    hooks: Mapping[str, Hook]
    waivers: Mapping[str, str]
    perpetual: PerpetualSpec | None
    #: The shared fragments the spec included: (path relative to the spec's folder, sha256 of the file), recorded
    #: in the package manifest so that a changed fragment marks the package out of date (hbgen.spec.includes).
    fragments: tuple[tuple[str, str], ...] = ()

    @property
    def module_name(self) -> str:
        """Module of the connector class (binance spot -> binance_exchange, a perpetual -> <name>_derivative)."""
        return self.name + {"spot": "_exchange", "perpetual": "_derivative", "gateway": "_gateway"}[self.type]

    @property
    def class_name(self) -> str:
        """CamelCase class name of the connector (binance spot -> BinanceExchange)."""
        suffix = {"spot": "Exchange", "perpetual": "Derivative"}[self.type]
        return "".join(p.capitalize() for p in self.name.split("_")) + suffix


# --------------------------------------------------------------------------------------------------------------
# Building


def _param(name: str, raw: Any) -> Param:
    if isinstance(raw, str):
        return Param(name, "input", raw, None, (), False, None)
    source = "input" if "from" in raw else "value"
    return Param(
        name=name,
        source=source,
        input=raw.get("from"),
        value=raw.get("value"),
        when_order_types=tuple(raw.get("when_order_type", ())),
        optional=raw.get("optional", False),
        format=raw.get("format"),
        when_side=raw.get("when_side"),
        when_post_only=raw.get("when_post_only"),
    )


def _endpoint(name: str, raw: Mapping[str, Any], data: Mapping[str, Any]) -> Endpoint:
    rest = data.get("rest") or {}
    auth = raw.get("auth", "none")
    params_in = raw.get("params_in", rest.get("params_in", "auto"))
    if params_in == "auto":
        params_in = "query" if raw["method"] in ("GET", "DELETE") else "body"
    return Endpoint(
        name=name,
        role=name if name in ROLE_INPUTS else None,
        method=raw["method"],
        path=raw["path"],
        auth=auth,
        recipe=(raw.get("recipe") or default_recipe_name(data)) if auth != "none" else None,
        limit_id=raw["limit_id"],
        params=tuple(_param(k, v) for k, v in (raw.get("params") or {}).items()),
        params_in=params_in,
        body_encoding=raw.get("body_encoding", rest.get("body_encoding", "json")),
        mapping=raw.get("mapping"),
        description=raw.get("description", ""),
        example_response_json=_json_text(raw.get("example_response")) if "example_response" in raw else None,
        example_parsed=_records(raw.get("example_parsed")),
        envelope=_envelope(raw.get("envelope", rest.get("envelope"))),
    )


def _has_balance_event(data: Mapping[str, Any]) -> bool:
    private = (data.get("ws") or {}).get("private") or {}
    mappings = data.get("mappings") or {}
    for ev in (private.get("events") or {}).values():
        for m in ev.get("mappings", ()):
            if (mappings.get(m) or {}).get("kind") == "balance":
                return True
    return False


def build_model(data: Mapping[str, Any], source: str = "<spec>") -> ConnectorSpec:
    """Build the model from a document that passed :func:`hbgen.spec.validate.validate_document`."""
    conventions = data.get("conventions") or {}
    timestamp_unit = conventions.get("timestamp_unit", "ms")
    endpoints_raw = data.get("endpoints") or {}
    auth_raw = data.get("auth")
    auth = None
    if auth_raw is not None:
        auth = Auth(
            recipes=_frozen({k: _recipe(k, v) for k, v in auth_raw["recipes"].items()}),
            default_recipe=default_recipe_name(data),
            test_vectors=tuple(_vector(v) for v in auth_raw.get("test_vectors", ())),
        )
    symbols_raw = data.get("symbols")
    symbols = None
    if symbols_raw is not None:
        case = symbols_raw.get("case", "upper")
        symbols = Symbols(
            endpoint=symbols_raw["endpoint"],
            mapping=symbols_raw["mapping"],
            separator=symbols_raw.get("separator", ""),
            case=case,
            stream_case=symbols_raw.get("stream_case", case),
            aliases=_frozen(symbols_raw.get("aliases", {})),
            active=_predicates(symbols_raw.get("active")),
            websocket=symbols_raw.get("websocket"),
        )
    errors_raw = data.get("errors") or {}
    fees_raw = data.get("fees")
    polling_raw = data.get("polling") or {}
    fills = polling_raw.get("fills") or {}
    perp = data.get("perpetual")
    ws_raw = data.get("ws") or {}
    real_time = data.get("real_time_balance_updates")
    return ConnectorSpec(
        source=source,
        spec_version=data["spec_version"],
        name=data["name"],
        display_name=data.get("display_name") or data["name"].replace("_", " ").title(),
        type=data["type"],
        partial=data.get("partial"),
        centralized=data.get("centralized", data["type"] != "gateway"),
        example_pair=data.get("example_pair"),
        default_domain=data["default_domain"],
        domains=_frozen(
            {
                name: Domain(
                    name,
                    d["rest"],
                    _frozen(d.get("ws", {})),
                    d.get("testnet", False),
                    d.get("description", ""),
                    _frozen(d.get("headers", {})),
                )
                for name, d in data["domains"].items()
            }
        ),
        timestamp_unit=timestamp_unit,
        time_sync_endpoint=(data.get("time_sync") or {}).get("endpoint"),
        rate_limits=_frozen(
            {
                lid: RateLimit(
                    limit_id=lid,
                    limit=r["limit"],
                    interval=float(r["interval"]),
                    weight=r.get("weight", 1),
                    linked=tuple(LinkedLimit(k, w) for k, w in (r.get("linked") or {}).items()),
                    scope=r.get("scope"),
                    description=r.get("description", ""),
                )
                for lid, r in (data.get("rate_limits") or {}).items()
            }
        ),
        endpoints=_frozen({name: _endpoint(name, ep, data) for name, ep in endpoints_raw.items()}),
        auth=auth,
        symbols=symbols,
        mappings=_frozen({k: _mapping(k, v, timestamp_unit) for k, v in (data.get("mappings") or {}).items()}),
        order_book=_order_book(data.get("order_book"), endpoints_raw),
        ws=WebSockets(_public_ws(ws_raw.get("public")), _private_ws(ws_raw.get("private"))),
        orders=_orders(data.get("orders")),
        order_states=_frozen(data["order_states"]),
        errors=ErrorRules(
            code_field=_opt_path(errors_raw.get("code_field")),
            message_field=_opt_path(errors_raw.get("message_field")),
            in_body=_reply_checks(errors_raw.get("in_body"), errors_raw),
            order_not_found_on_status=_matchers(errors_raw.get("order_not_found_on_status")),
            order_not_found_on_cancel=_matchers(errors_raw.get("order_not_found_on_cancel")),
            time_sync=_matchers(errors_raw.get("time_sync")),
            rate_limited=_matchers(errors_raw.get("rate_limited")),
            unknown_execution=_matchers(errors_raw.get("unknown_execution")),
        ),
        fees=None
        if fees_raw is None
        else Fees(
            maker=Decimal(str(fees_raw["maker"])),
            taker=Decimal(str(fees_raw["taker"])),
            buy_percent_fee_deducted_from_returns=fees_raw.get("buy_percent_fee_deducted_from_returns", False),
            percent_fee_token=fees_raw.get("percent_fee_token"),
            fill_fee_asset=fees_raw.get("fill_fee_asset"),
        ),
        credentials=tuple(
            Credential(c["key"], c["role"], c.get("prompt", ""), c.get("secure", True)) for c in data["credentials"]
        ),
        # Without a private websocket nothing can push balances, whatever the flag says: they are polled.
        real_time_balance_updates=bool(ws_raw.get("private"))
        and (real_time if real_time is not None else _has_balance_event(data)),
        polling=Polling(
            order_status_interval=float(polling_raw.get("order_status_interval", 10)),
            fills_endpoint=fills.get("endpoint"),
            fills_interval=float(fills.get("interval", 10)),
            fills_idle_interval=float(fills.get("idle_interval", 120)),
        ),
        hooks=_frozen({k: Hook(k, h["at"], h["description"]) for k, h in (data.get("hooks") or {}).items()}),
        waivers=_frozen(data.get("waivers") or {}),
        perpetual=None if perp is None else _perpetual(perp),
    )

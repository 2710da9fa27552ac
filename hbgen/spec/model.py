"""The typed, normalised, immutable model of a connector spec that the templates consume.

Built by :func:`build_model` from a document that passed schema and semantic validation. Past this point there are
no YAML quirks and no optional-with-default ambiguity: defaults are applied, ``auto`` settings are resolved, field
paths are parsed, implicit ``[]`` iteration is turned into an explicit ``each``, and every collection is a tuple or
a read-only mapping. Example payloads are kept as canonical JSON text (``*_json``) with properties that return a
fresh parsed copy, so the model itself cannot be mutated through them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from hbgen.spec.paths import FieldPath, parse_path
from hbgen.spec.vocabulary import KIND_FIELDS, ROLE_INPUTS

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

Scalar = str | int | float | bool | None


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


def _json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _records(value: Any) -> tuple[Mapping[str, Scalar], ...] | None:
    if value is None:
        return None
    return tuple(_frozen(r) for r in value)


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
class Part:
    """A part of the signed string. ``kind``: timestamp, nonce, method, path, path_with_query, query, body, params,
    api_key, recv_window, passphrase or literal. ``sort``/``urlencode`` apply to query, body, params and
    path_with_query."""

    kind: str
    literal: str = ""
    sort: bool = False
    urlencode: bool = True


@dataclass(frozen=True)
class HashPart:
    """A nested digest (sha256 or sha512) of parts, output as hex, base64 or raw bytes."""

    algorithm: str
    of: tuple[AnyPart, ...]
    joiner: str
    output: str


AnyPart = Part | HashPart


@dataclass(frozen=True)
class Placement:
    """Where a value goes: ``location`` header, query, body or params; ``name`` the header or parameter name."""

    location: str
    name: str


@dataclass(frozen=True)
class StaticValue:
    """A constant added to every signed request."""

    location: str
    name: str
    value: str


@dataclass(frozen=True)
class SigningRecipe:
    """A declarative signing recipe. ``placements`` keys: signature, api_key, timestamp, nonce, recv_window,
    passphrase. Values other than the signature are placed before signing; the signature last."""

    name: str
    algorithm: str
    secret_encoding: str
    output: str
    joiner: str
    parts: tuple[AnyPart, ...]
    timestamp_unit: str | None
    timestamp_clock: str
    timestamp_offset: float
    nonce_source: str | None
    recv_window: int | None
    placements: Mapping[str, Placement]
    passphrase: str
    static: tuple[StaticValue, ...]
    headers: str
    hook: str | None
    description: str


@dataclass(frozen=True)
class TestVector:
    """A documented signing example: the request at signing time and the expected signature."""

    __test__ = False  # not a pytest test class

    name: str
    recipe: str
    secret: str
    api_key: str
    passphrase: str
    timestamp: str
    nonce: str
    recv_window: str
    method: str
    path: str
    query: str | Mapping[str, str]
    body: str | Mapping[str, str]
    params: str | Mapping[str, str]
    expected: str
    expected_passphrase: str | None


@dataclass(frozen=True)
class Auth:
    """Signing recipes, the default one, and test vectors."""

    recipes: Mapping[str, SigningRecipe]
    default_recipe: str | None
    test_vectors: tuple[TestVector, ...]


@dataclass(frozen=True)
class Predicate:
    """A test on one field: ``op`` is equals, not_equals, in, contains, any_contains or present."""

    field: FieldPath
    op: str
    value: Any


@dataclass(frozen=True)
class Symbols:
    """Exchange symbol <-> trading pair rules and the active-instrument predicates (all must hold)."""

    endpoint: str
    mapping: str
    separator: str
    case: str
    stream_case: str
    aliases: Mapping[str, str]
    active: tuple[Predicate, ...]
    #: How the websockets name a pair when not as REST does (a ${base}/${quote} template), or None.
    websocket: str | None = None


@dataclass(frozen=True)
class FieldExpr:
    """How one record field is read.

    ``op``: ``path`` (one path), ``sum``/``product``/``difference`` (difference = first minus the rest),
    ``first_nonempty`` (first present, non-empty path), ``negate`` (the value with its sign changed),
    ``step_of_decimals`` (10^-n for the count n at the path), ``value`` (``constant``) or ``cases`` (the value of
    the first of ``cases`` whose predicates hold, else ``default``). The operands of sum, product, difference and
    negate are ``paths`` when they are all paths, else ``operands`` (nested expressions, a path operand as a
    ``path`` expression). ``target`` is the field's target type (see vocabulary.TARGET_TYPES); ``value_type`` how
    the raw value is read (None for ``value`` and when ``map`` is used). ``map`` pairs raw value text
    (``true``/``false`` for booleans) with the final result. ``optional``: the path may be missing, giving
    ``default``. ``levels``: for levels given as objects, the paths of a level's price and amount.
    """

    name: str
    target: str
    op: str
    paths: tuple[FieldPath, ...]
    value_type: str | None
    map: tuple[tuple[str, Scalar], ...] | None
    optional: bool
    default: Scalar
    constant: Scalar
    operands: tuple[FieldExpr, ...] = ()
    levels: tuple[FieldPath, FieldPath] | None = None
    #: ``op`` ``cases``: (predicates, value) pairs, the first whose predicates hold gives the value, else ``default``.
    cases: tuple[tuple[tuple[Predicate, ...], Scalar], ...] = ()


@dataclass(frozen=True)
class MessageMapping:
    """How records of one kind are read. With ``each``, one record per item of that list, field paths relative to
    the item (``from_root`` paths start at the document); ``filter`` predicates on the item must all hold. A
    ``keyed`` mapping's ``each`` is an object: one record per value, its key read by the path ``$key``."""

    name: str
    kind: str
    each: FieldPath | None
    filter: tuple[Predicate, ...]
    fields: Mapping[str, FieldExpr]
    hook: str | None
    description: str
    keyed: bool = False


@dataclass(frozen=True)
class OrderBookSpec:
    """Snapshot source and integrity policy of the order book."""

    snapshot_source: str
    snapshot_endpoint: str | None
    snapshot_channel: str | None
    depth: int | None
    refresh_interval: float
    integrity_policy: str
    checksum_levels: int | None
    checksum_hook: str | None
    keep_levels: int | None = None
    checksum: BookChecksum | None = None


@dataclass(frozen=True)
class ChecksumVector:
    """A published checksum example: levels (best first, as sent) and the checksum they give."""

    __test__ = False  # not a pytest test class

    name: str
    bids: tuple[tuple[Scalar, ...], ...]
    asks: tuple[tuple[Scalar, ...], ...]
    price_decimals: int | None
    size_decimals: int | None
    expected: int


@dataclass(frozen=True)
class BookChecksum:
    """A built-in book checksum (``algorithm``) or a hook, over the top ``levels`` of each side; ``sides`` orders
    them (interleaved, asks_then_bids, bids_then_asks), ``joiner`` goes between numbers, ``numbers`` is as_sent or
    pair_precision, ``digits_only`` drops the point and leading zeros."""

    levels: int
    algorithm: str | None
    hook: str | None
    sides: str
    joiner: str
    numbers: str
    digits_only: bool
    vectors: tuple[ChecksumVector, ...]
    unpublished: int | None = None


@dataclass(frozen=True)
class Heartbeat:
    """Heartbeat: ``style`` ping_frame, text or json; ``message``/``pong`` as JSON text (None for ping frames)."""

    interval: float
    style: str
    message_json: str | None
    pong_json: str | None


@dataclass(frozen=True)
class Subscription:
    """A subscribe/unsubscribe request template (JSON text) and how requests are batched and numbered."""

    message_json: str
    batch: str
    first_id: int

    @property
    def message(self) -> Any:
        """A fresh parsed copy of the template."""
        return json.loads(self.message_json)


@dataclass(frozen=True)
class Channel:
    """A public channel: stream template, route values, mapping and example."""

    name: str
    stream: str
    match: tuple[Any, ...]
    mapping: str
    example_json: str | None
    example_parsed: tuple[Mapping[str, Scalar], ...] | None
    #: Name of the domain's ws URL carrying the channel (ws.public.url unless the channel names another).
    url: str = ""
    #: The stream as a JSON template (text), when the spec gives an object rather than a name.
    stream_json: str | None = None
    snapshot_when: tuple[Predicate, ...] = ()
    subscribe: Subscription | None = None
    unsubscribe: Subscription | None = None

    @property
    def example(self) -> Any:
        """A fresh parsed copy of the example message."""
        return None if self.example_json is None else json.loads(self.example_json)

    @property
    def stream_template(self) -> Any:
        """The stream for one pair as a template: the name text, or a fresh parsed copy of the JSON template."""
        return self.stream if self.stream_json is None else json.loads(self.stream_json)


@dataclass(frozen=True)
class PublicWs:
    """The public market-data websocket."""

    url: str
    heartbeat: Heartbeat | None
    subscribe: Subscription | None
    unsubscribe: Subscription | None
    ack: tuple[Predicate, ...]
    envelope: FieldPath | None
    route_by: FieldPath | None
    channels: Mapping[str, Channel]
    #: A REST-minted token the connection needs (style rest_token), and the server's greeting to await.
    login: Login | None = None
    ready: tuple[Predicate, ...] = ()
    #: Every routing path (``route_by`` is the first); with several, match values are tuples of as many values.
    route_paths: tuple[FieldPath, ...] = ()


@dataclass(frozen=True)
class DurationField:
    """Where a reply states a duration, and its unit (``s`` or ``ms``)."""

    path: FieldPath
    unit: str

    @property
    def seconds_factor(self) -> float:
        """What the number is multiplied by to give seconds."""
        return 0.001 if self.unit == "ms" else 1.0


@dataclass(frozen=True)
class Login:
    """Private websocket authentication (style signed_subscribe, listen_key, signed_login, rest_token or hook);
    fields that do not apply to the style are None."""

    style: str
    message_json: str | None
    recipe: str | None
    success: tuple[Predicate, ...]
    create: str | None
    keep_alive: str | None
    close: str | None
    keep_alive_interval: float | None
    key_field: FieldPath | None
    endpoint: str | None
    token_field: FieldPath | None
    url_field: FieldPath | None
    url_template: str | None
    hook: str | None
    #: Where a rejected login reply carries the error code and message (matched against errors.time_sync).
    error_code: FieldPath | None = None
    error_message: FieldPath | None = None
    #: rest_token: what the token reply assigns besides the token (ping interval, lifetime), and a fixed lifetime.
    ping_interval_field: DurationField | None = None
    token_lifetime: float | None = None
    token_lifetime_field: DurationField | None = None


@dataclass(frozen=True)
class Event:
    """A private event: route values, mappings applied in order, example."""

    name: str
    match: tuple[Any, ...]
    mappings: tuple[str, ...]
    example_json: str | None
    example_parsed: Mapping[str, tuple[Mapping[str, Scalar], ...]] | None
    subscribe: Subscription | None = None

    @property
    def example(self) -> Any:
        """A fresh parsed copy of the example event."""
        return None if self.example_json is None else json.loads(self.example_json)


@dataclass(frozen=True)
class PrivateWs:
    """The private user-data websocket."""

    url: str
    heartbeat: Heartbeat | None
    login: Login
    subscribe: Subscription | None
    envelope: FieldPath | None
    ignore: tuple[Predicate, ...]
    terminated: tuple[Predicate, ...]
    route_by: FieldPath | None
    events: Mapping[str, Event]
    ready: tuple[Predicate, ...] = ()
    route_paths: tuple[FieldPath, ...] = ()


@dataclass(frozen=True)
class WebSockets:
    """Public and private connections (either may be absent)."""

    public: PublicWs | None
    private: PrivateWs | None


@dataclass(frozen=True)
class OrderTypeWire:
    """A supported order type (hbrt ``OrderType`` name) and its wire value, with a forced time in force."""

    order_type: str
    wire: str
    time_in_force: str | None
    post_only: bool


@dataclass(frozen=True)
class Orders:
    """Order vocabulary."""

    types: Mapping[str, OrderTypeWire]
    sides: Mapping[str, str]
    time_in_force: Mapping[str, str]
    client_order_id_prefix: str
    client_order_id_max_length: int


@dataclass(frozen=True)
class ErrorMatcher:
    """An error reply pattern; every given attribute must match."""

    code: int | str | None
    message: str | None
    message_contains: str | None
    http_status: int | None


@dataclass(frozen=True)
class ReplyCheck:
    """A check of a successful HTTP reply (``errors.in_body``): when the ``error_when`` predicates all hold on the
    reply (or on an item of the list at ``each``), it reports an error whose code and message are read at
    ``code_field``/``message_field`` (relative to the item with ``each``; None: the reply has none)."""

    each: FieldPath | None
    error_when: tuple[Predicate, ...]
    code_field: FieldPath | None
    message_field: FieldPath | None


@dataclass(frozen=True)
class ErrorRules:
    """Error classification rules; ``in_body`` checks successful replies for errors, in order."""

    code_field: FieldPath | None
    message_field: FieldPath | None
    in_body: tuple[ReplyCheck, ...]
    order_not_found_on_status: tuple[ErrorMatcher, ...]
    order_not_found_on_cancel: tuple[ErrorMatcher, ...]
    time_sync: tuple[ErrorMatcher, ...]
    rate_limited: tuple[ErrorMatcher, ...]
    unknown_execution: tuple[ErrorMatcher, ...]


@dataclass(frozen=True)
class Fees:
    """Default fees (fractions) - hbrt ``TradeFeeSchema``."""

    maker: Decimal
    taker: Decimal
    buy_percent_fee_deducted_from_returns: bool
    percent_fee_token: str | None
    #: The asset of a fill's fee when the fill reports the amount only: quote, base or received (None: unknown).
    fill_fee_asset: str | None = None


@dataclass(frozen=True)
class Credential:
    """A configuration key."""

    key: str
    role: str
    prompt: str
    secure: bool


@dataclass(frozen=True)
class Hook:
    """A named hook: plug point and what it must do."""

    name: str
    at: str
    description: str


@dataclass(frozen=True)
class Polling:
    """Polling cadences (seconds)."""

    order_status_interval: float
    fills_endpoint: str | None
    fills_interval: float
    fills_idle_interval: float


@dataclass(frozen=True)
class OrderParamRule:
    """One rule of ``perpetual.order_params``: when the position mode, the position action and the side match
    (None matches any), ``params`` (name, value) are added to the create_order request."""

    position_mode: str | None
    position_action: str | None
    side: str | None
    params: tuple[tuple[str, Scalar], ...]


@dataclass(frozen=True)
class PerpetualSpec:
    """Perpetual settings: the supported position modes, the funding-payment poll, how the mode is switched and the
    position parameters of an order are sent, and which replies of set_position_mode and set_leverage count as
    success (``success`` predicates must hold; ``unchanged`` error replies count as success)."""

    position_modes: tuple[str, ...]
    funding_poll_interval: float
    position_mode_values: Mapping[str, Scalar]
    position_mode_scope: str
    order_params: tuple[OrderParamRule, ...]
    success: Mapping[str, tuple[Predicate, ...]]
    unchanged: Mapping[str, tuple[ErrorMatcher, ...]]


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


def _predicates(raw: Any) -> tuple[Predicate, ...]:
    out = []
    for p in raw or ():
        op = next(k for k in p if k != "field")
        value = tuple(p[op]) if op == "in" else p[op]
        out.append(Predicate(parse_path(p["field"]), op, value))
    return tuple(out)


def _opt_path(text: str | None) -> FieldPath | None:
    return None if text is None else parse_path(text)


def _part(raw: Any) -> AnyPart:
    if isinstance(raw, str):
        return Part(raw)
    if "literal" in raw:
        return Part("literal", literal=raw["literal"])
    if "hash" in raw:
        return HashPart(
            raw["hash"], tuple(_part(p) for p in raw["of"]), raw.get("joiner", ""), raw.get("output", "hex")
        )
    kind = "query" if "query" in raw else "params"
    opts = raw[kind] or {}
    return Part(kind, sort=opts.get("sort", False), urlencode=opts.get("urlencode", True))


def _recipe(name: str, raw: Mapping[str, Any]) -> SigningRecipe:
    ts = raw.get("timestamp") or {}
    place = raw.get("place") or {}
    return SigningRecipe(
        name=name,
        algorithm=raw["algorithm"],
        secret_encoding=raw.get("secret_encoding", "raw"),
        output=raw["output"],
        joiner=raw.get("joiner", ""),
        parts=tuple(_part(p) for p in raw["parts"]),
        timestamp_unit=ts.get("unit"),
        timestamp_clock=ts.get("clock", "server"),
        timestamp_offset=float(ts.get("offset", 0)),
        nonce_source=(raw.get("nonce") or {}).get("source"),
        recv_window=raw.get("recv_window"),
        placements=_frozen({k: Placement(v["in"], v["name"]) for k, v in place.items()}),
        passphrase=raw.get("passphrase", "plain"),
        static=tuple(StaticValue(s["in"], s["name"], s["value"]) for s in raw.get("static", ())),
        headers=raw.get("headers", "merge"),
        hook=raw.get("hook"),
        description=raw.get("description", ""),
    )


def _vector_params(value: Any) -> str | Mapping[str, str]:
    if value is None:
        return ""
    return value if isinstance(value, str) else _frozen(value)


def _vector(raw: Mapping[str, Any]) -> TestVector:
    return TestVector(
        name=raw["name"],
        recipe=raw["recipe"],
        secret=raw["secret"],
        api_key=raw.get("api_key", ""),
        passphrase=raw.get("passphrase", ""),
        timestamp=raw.get("timestamp", ""),
        nonce=raw.get("nonce", ""),
        recv_window=raw.get("recv_window", ""),
        method=raw.get("method", ""),
        path=raw.get("path", ""),
        query=_vector_params(raw.get("query")),
        body=_vector_params(raw.get("body")),
        params=_vector_params(raw.get("params")),
        expected=raw["expected"],
        expected_passphrase=raw.get("expected_passphrase"),
    )


def default_recipe_name(data: Mapping[str, Any]) -> str | None:
    """The recipe used by signed endpoints that name none: auth.default_recipe, else the only recipe."""
    auth = data.get("auth")
    if not isinstance(auth, dict):
        return None
    if isinstance(auth.get("default_recipe"), str):
        return str(auth["default_recipe"])
    recipes = auth.get("recipes")
    return next(iter(recipes)) if isinstance(recipes, dict) and len(recipes) == 1 else None


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


def _envelope(text: str | None) -> FieldPath | None:
    """The envelope path; None for none or ``$`` (the whole reply)."""
    if text is None or text == "$":
        return None
    return parse_path(text)


def implicit_each(fields: Mapping[str, Any]) -> str | None:
    """The list prefix that ``[]`` field paths iterate (``B`` for ``B[].a``), or None when no path has ``[]``."""
    for text in _field_path_texts(fields):
        path = parse_path(text)
        if path.has_each:
            index = text.index("[]")
            return text[:index]
    return None


def _field_path_texts(fields: Mapping[str, Any]) -> list[str]:
    texts: list[str] = []
    for expr in fields.values():
        if isinstance(expr, str):
            texts.append(expr)
        elif isinstance(expr, dict):
            if isinstance(expr.get("path"), str):
                texts.append(expr["path"])
            for op in ("sum", "product", "difference", "first_nonempty"):
                for operand in expr.get(op, ()):
                    texts.extend(_field_path_texts({"_": operand}))
            if "negate" in expr:
                texts.extend(_field_path_texts({"_": expr["negate"]}))
            if isinstance(expr.get("step_of_decimals"), str):
                texts.append(expr["step_of_decimals"])
    return texts


def _rebase(path: FieldPath) -> FieldPath:
    """Turn a path written from the root of an implicitly iterated document into one relative to the item."""
    if path.has_each:
        index = next(i for i, s in enumerate(path.steps) if s.kind == "each")
        rest = path.steps[index + 1 :]
        text = path.text[path.text.index("[]") + 2 :].lstrip(".")
        return FieldPath(text, False, rest)  # no steps left: the item itself
    if path.from_root:
        return path
    return FieldPath("$." + path.text, True, path.steps)


def _field(name: str, raw: Any, target: str, timestamp_unit: str, rebase: bool) -> FieldExpr:
    def p(text: str) -> FieldPath:
        parsed = parse_path(text)
        return _rebase(parsed) if rebase else parsed

    default_type = {
        "decimal": "decimal",
        "int": "int",
        "str": "str",
        "bool": "bool",
        "timestamp": "iso8601" if timestamp_unit == "iso8601" else f"timestamp_{timestamp_unit}",
        "levels": "levels",
        "order_state": "order_state",
        "trade_side": "trade_side",
        "trading_pair": "symbol",
        "asset": "asset",
        "position_side": "position_side",
        "position_mode": "position_mode",
    }[target]
    if isinstance(raw, str):
        return FieldExpr(name, target, "path", (p(raw),), default_type, None, False, None, None)
    if "value" in raw and "path" not in raw:
        return FieldExpr(name, target, "value", (), None, None, False, None, raw["value"])
    if "step_of_decimals" in raw:
        return FieldExpr(
            name, target, "step_of_decimals", (p(raw["step_of_decimals"]),), "int", None, False, None, None
        )
    if "negate" in raw:
        operand = raw["negate"]
        if isinstance(operand, str):
            return FieldExpr(name, target, "negate", (p(operand),), default_type, None, False, None, None)
        inner = _field(name, operand, target, timestamp_unit, rebase)
        return FieldExpr(name, target, "negate", (), None, None, False, None, None, operands=(inner,))
    if "cases" in raw:
        cases = tuple((_predicates(case["when"]), case["value"]) for case in raw["cases"])
        return FieldExpr(name, target, "cases", (), None, None, False, raw.get("default"), None, cases=cases)
    for op in ("sum", "product", "difference", "first_nonempty"):
        if op in raw:
            vt = raw.get("type", default_type)
            if all(isinstance(t, str) for t in raw[op]):
                return FieldExpr(name, target, op, tuple(p(t) for t in raw[op]), vt, None, False, None, None)
            operands = tuple(
                _field(name, {"path": t, "type": vt} if isinstance(t, str) else t, target, timestamp_unit, rebase)
                for t in raw[op]
            )
            return FieldExpr(name, target, op, (), None, None, False, None, None, operands=operands)
    mapped = raw.get("map")
    levels = raw.get("levels")
    return FieldExpr(
        name=name,
        target=target,
        op="path",
        paths=(p(raw["path"]),),
        value_type=None if mapped is not None else raw.get("type", default_type),
        map=tuple(mapped.items()) if mapped is not None else None,
        optional=raw.get("optional", False),
        default=raw.get("default"),
        constant=None,
        levels=(parse_path(levels["price"]), parse_path(levels["amount"])) if levels is not None else None,
    )


def _mapping(name: str, raw: Mapping[str, Any], timestamp_unit: str) -> MessageMapping:
    kind = raw["kind"]
    fields_raw = raw.get("fields") or {}
    each_text = raw.get("each")
    rebase = False
    if each_text is None:
        implicit = implicit_each(fields_raw)
        if implicit is not None:
            each_text, rebase = implicit, True
    each = None
    if each_text is not None:
        each_path = parse_path(each_text)
        steps = each_path.steps
        if steps and steps[-1].kind == "each":  # "data[]" is the same as "data"
            steps = steps[:-1]
            each_path = FieldPath(each_text[:-2], each_path.from_root, steps)
        each = each_path
    targets = KIND_FIELDS[kind]
    fields = {
        fname: _field(fname, fraw, targets[fname][0], timestamp_unit, rebase) for fname, fraw in fields_raw.items()
    }
    return MessageMapping(
        name=name,
        kind=kind,
        each=each,
        filter=_predicates(raw.get("filter")),
        fields=_frozen(fields),
        hook=raw.get("hook"),
        description=raw.get("description", ""),
        keyed=bool(raw.get("keyed", False)),
    )


def _heartbeat(raw: Any) -> Heartbeat | None:
    if raw is None:
        return None
    return Heartbeat(
        interval=float(raw["interval"]),
        style=raw.get("style", "ping_frame"),
        message_json=_json_text(raw.get("message")),
        pong_json=_json_text(raw.get("pong")),
    )


def _subscription(raw: Any) -> Subscription | None:
    if raw is None:
        return None
    return Subscription(
        message_json=_json_text(raw["message"]) or "null",
        batch=raw.get("batch", "per_channel"),
        first_id=raw.get("first_id", 1),
    )


def _match(raw: Any) -> tuple[Any, ...]:
    """Route values: strings, or tuples of strings for a route_by of several paths."""
    if raw is None:
        return ()
    if isinstance(raw, str):
        return (raw,)
    return tuple(tuple(v) if isinstance(v, list) else v for v in raw)


def _route_paths(raw: Any) -> tuple[FieldPath, ...]:
    if raw is None:
        return ()
    return tuple(parse_path(t) for t in ([raw] if isinstance(raw, str) else raw))


def _public_ws(raw: Any) -> PublicWs | None:
    if raw is None:
        return None
    channels = {
        name: Channel(
            name=name,
            stream=ch.get("stream", "${symbol}") if not isinstance(ch.get("stream"), dict) else "",
            match=_match(ch.get("match")),
            mapping=ch["mapping"],
            example_json=_json_text(ch.get("example")) if "example" in ch else None,
            example_parsed=_records(ch.get("example_parsed")),
            url=ch.get("url", raw["url"]),
            stream_json=_json_text(ch["stream"]) if isinstance(ch.get("stream"), dict) else None,
            snapshot_when=_predicates(ch.get("snapshot_when")),
            subscribe=_subscription(ch.get("subscribe")),
            unsubscribe=_subscription(ch.get("unsubscribe")),
        )
        for name, ch in raw["channels"].items()
    }
    paths = _route_paths(raw.get("route_by"))
    return PublicWs(
        url=raw["url"],
        heartbeat=_heartbeat(raw.get("heartbeat")),
        subscribe=_subscription(raw.get("subscribe")),
        unsubscribe=_subscription(raw.get("unsubscribe")),
        ack=_predicates(raw.get("ack")),
        envelope=_opt_path(raw.get("envelope")),
        route_by=paths[0] if paths else None,
        channels=_frozen(channels),
        login=_login(raw["login"]) if "login" in raw else None,
        ready=_predicates(raw.get("ready")),
        route_paths=paths,
    )


def _login(raw: Mapping[str, Any]) -> Login:
    interval = raw.get("keep_alive_interval")
    return Login(
        style=raw["style"],
        message_json=_json_text(raw.get("message")),
        recipe=raw.get("recipe"),
        success=_predicates(raw.get("success")),
        create=raw.get("create"),
        keep_alive=raw.get("keep_alive"),
        close=raw.get("close"),
        keep_alive_interval=float(interval) if interval is not None else None,
        key_field=_opt_path(raw.get("key_field")),
        endpoint=raw.get("endpoint"),
        token_field=_opt_path(raw.get("token_field")),
        url_field=_opt_path(raw.get("url_field")),
        url_template=raw.get("url_template"),
        hook=raw.get("hook"),
        error_code=_opt_path(raw.get("error_code")),
        error_message=_opt_path(raw.get("error_message")),
        ping_interval_field=_duration(raw.get("ping_interval_field")),
        token_lifetime=float(raw["token_lifetime"]) if "token_lifetime" in raw else None,
        token_lifetime_field=_duration(raw.get("token_lifetime_field")),
    )


def _duration(raw: Any) -> DurationField | None:
    if raw is None:
        return None
    return DurationField(parse_path(raw["path"]), raw.get("unit", "s"))


def _private_ws(raw: Any) -> PrivateWs | None:
    if raw is None:
        return None
    events = {}
    for name, ev in raw["events"].items():
        parsed = ev.get("example_parsed")
        events[name] = Event(
            name=name,
            match=_match(ev.get("match")),
            mappings=tuple(ev["mappings"]),
            example_json=_json_text(ev.get("example")) if "example" in ev else None,
            example_parsed=_frozen({k: _records(v) for k, v in parsed.items()}) if parsed is not None else None,
            subscribe=_subscription(ev.get("subscribe")),
        )
    paths = _route_paths(raw.get("route_by"))
    return PrivateWs(
        url=raw["url"],
        heartbeat=_heartbeat(raw.get("heartbeat")),
        login=_login(raw["login"]),
        subscribe=_subscription(raw.get("subscribe")),
        envelope=_opt_path(raw.get("envelope")),
        ignore=_predicates(raw.get("ignore")),
        terminated=_predicates(raw.get("terminated")),
        route_by=paths[0] if paths else None,
        events=_frozen(events),
        ready=_predicates(raw.get("ready")),
        route_paths=paths,
    )


def _reply_checks(raw: Any, errors: Mapping[str, Any]) -> tuple[ReplyCheck, ...]:
    return tuple(
        ReplyCheck(
            each=_opt_path(c.get("each")),
            error_when=_predicates(c["error_when"]),
            code_field=_opt_path(c.get("code_field", errors.get("code_field"))),
            message_field=_opt_path(c.get("message_field", errors.get("message_field"))),
        )
        for c in raw or ()
    )


def _matchers(raw: Any) -> tuple[ErrorMatcher, ...]:
    return tuple(
        ErrorMatcher(m.get("code"), m.get("message"), m.get("message_contains"), m.get("http_status"))
        for m in raw or ()
    )


def _perpetual(raw: Mapping[str, Any]) -> PerpetualSpec:
    return PerpetualSpec(
        position_modes=tuple(raw["position_modes"]),
        funding_poll_interval=float(raw.get("funding_poll_interval", 600)),
        position_mode_values=_frozen(raw.get("position_mode_values") or {}),
        position_mode_scope=raw.get("position_mode_scope", "account"),
        order_params=tuple(
            OrderParamRule(
                rule.get("position_mode"),
                rule.get("position_action"),
                rule.get("side"),
                tuple(rule["params"].items()),
            )
            for rule in raw.get("order_params") or ()
        ),
        success=_frozen({role: _predicates(preds) for role, preds in (raw.get("success") or {}).items()}),
        unchanged=_frozen({role: _matchers(rules) for role, rules in (raw.get("unchanged") or {}).items()}),
    )


def _orders(raw: Any) -> Orders | None:
    if raw is None:
        return None
    types = {}
    for hb_type, wire in raw["types"].items():
        if isinstance(wire, str):
            types[hb_type] = OrderTypeWire(hb_type, wire, None, False)
        else:
            types[hb_type] = OrderTypeWire(
                hb_type, wire["type"], wire.get("time_in_force"), wire.get("post_only", False)
            )
    cid = raw["client_order_id"]
    return Orders(
        types=_frozen(types),
        sides=_frozen(raw["sides"]),
        time_in_force=_frozen(raw.get("time_in_force", {})),
        client_order_id_prefix=cid.get("prefix", ""),
        client_order_id_max_length=cid["max_length"],
    )


def _order_book(raw: Any, endpoints: Mapping[str, Any]) -> OrderBookSpec | None:
    if raw is None:
        return None
    snap = raw["snapshot"]
    integ = raw["integrity"]
    checksum = integ.get("checksum") or {}
    endpoint = snap.get("endpoint")
    if snap["source"] == "rest" and endpoint is None and "order_book_snapshot" in endpoints:
        endpoint = "order_book_snapshot"
    return OrderBookSpec(
        snapshot_source=snap["source"],
        snapshot_endpoint=endpoint,
        snapshot_channel=snap.get("channel"),
        depth=snap.get("depth"),
        refresh_interval=float(snap.get("refresh_interval", 3600)),
        integrity_policy=integ["policy"],
        checksum_levels=checksum.get("levels"),
        checksum_hook=checksum.get("hook"),
        keep_levels=raw.get("keep_levels"),
        checksum=_book_checksum(checksum) if checksum else None,
    )


def _book_checksum(raw: Mapping[str, Any]) -> BookChecksum:
    return BookChecksum(
        levels=raw["levels"],
        algorithm=raw.get("algorithm"),
        hook=raw.get("hook"),
        sides=raw.get("sides", "interleaved"),
        joiner=raw.get("joiner", ""),
        numbers=raw.get("numbers", "as_sent"),
        digits_only=raw.get("digits_only", False),
        vectors=tuple(
            ChecksumVector(
                name=v["name"],
                bids=tuple(tuple(level) for level in v["bids"]),
                asks=tuple(tuple(level) for level in v["asks"]),
                price_decimals=v.get("price_decimals"),
                size_decimals=v.get("size_decimals"),
                expected=v["expected"],
            )
            for v in raw.get("test_vectors", ())
        ),
        unpublished=raw.get("unpublished"),
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

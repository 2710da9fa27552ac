"""The model of the websocket facts and the order book: public channels with subscriptions, routing and heartbeats;
the private stream's login and events; the order book's snapshot and diffs, and its checksum."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hbgen.spec.model_common import Scalar, _frozen, _json_text, _records
from hbgen.spec.model_mappings import Predicate, _opt_path, _predicates
from hbgen.spec.paths import FieldPath, parse_path


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

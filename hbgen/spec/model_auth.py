"""The model of authentication: signing recipes built from parts (hashes, placements, static values), their
test vectors, and the credentials a connector is configured with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hbgen.spec.model_common import _frozen


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
class Credential:
    """A configuration key."""

    key: str
    role: str
    prompt: str
    secure: bool


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

"""A tiny reference signer that evaluates a declarative signing recipe, used only to CHECK recipes against test vectors.

The runtime's signer (generated code on hbrt) is separate; this one is deliberately small and direct so that a
recipe that passes its documented vectors here is known to describe the exchange's algorithm. Inputs are the
request as it is at signing time: timestamps and nonces already placed into the query or body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from hbgen.spec.model import AnyPart, HashPart, SigningRecipe

__all__ = ["SigningInput", "sign", "sign_passphrase", "canonicalise"]

Params = str | Mapping[str, str]


@dataclass(frozen=True)
class SigningInput:
    """Everything a recipe's parts can refer to. Query, body and params are literal strings or ordered mappings."""

    secret: str
    api_key: str = ""
    passphrase: str = ""
    timestamp: str = ""
    nonce: str = ""
    recv_window: str = ""
    method: str = ""
    path: str = ""
    query: Params = ""
    body: Params = ""
    params: Params = field(default_factory=dict)


def canonicalise(params: Params, *, sort: bool = False, encode: bool = True) -> str:
    """A parameter mapping as ``k=v&...`` (insertion order unless ``sort``; percent-encoded unless not ``encode``)."""
    if isinstance(params, str):
        return params
    items = sorted(params.items()) if sort else list(params.items())
    if encode:
        return urlencode(items)
    return "&".join(f"{k}={v}" for k, v in items)


def _part(part: AnyPart, inp: SigningInput) -> bytes:
    if isinstance(part, HashPart):
        data = part.joiner.encode().join(_part(p, inp) for p in part.of)
        digest = hashlib.new(part.algorithm, data).digest()
        if part.output == "raw":
            return digest
        if part.output == "base64":
            return base64.b64encode(digest)
        return digest.hex().encode()
    kind = part.kind
    if kind == "literal":
        return part.literal.encode()
    if kind == "query":
        return canonicalise(inp.query, sort=part.sort, encode=part.urlencode).encode()
    if kind == "body":
        return canonicalise(inp.body, sort=part.sort, encode=part.urlencode).encode()
    if kind == "params":
        return canonicalise(inp.params, sort=part.sort, encode=part.urlencode).encode()
    if kind == "path_with_query":
        query = canonicalise(inp.query, sort=part.sort, encode=part.urlencode)
        return (inp.path + (f"?{query}" if query else "")).encode()
    if kind == "method":
        return inp.method.upper().encode()
    values = {
        "timestamp": inp.timestamp,
        "nonce": inp.nonce,
        "path": inp.path,
        "api_key": inp.api_key,
        "recv_window": inp.recv_window,
        "passphrase": inp.passphrase,
    }
    return values[kind].encode()


def _key(recipe: SigningRecipe, secret: str) -> bytes:
    return base64.b64decode(secret, validate=True) if recipe.secret_encoding == "base64" else secret.encode()


def _mac(recipe: SigningRecipe, secret: str, message: bytes) -> str:
    digest_name = "sha256" if recipe.algorithm == "hmac_sha256" else "sha512"
    mac = hmac.new(_key(recipe, secret), message, digest_name).digest()
    return base64.b64encode(mac).decode() if recipe.output == "base64" else mac.hex()


def sign(recipe: SigningRecipe, inp: SigningInput) -> str:
    """The signature the recipe produces for the input (raises ValueError for a secret that is not valid base64)."""
    message = recipe.joiner.encode().join(_part(p, inp) for p in recipe.parts)
    return _mac(recipe, inp.secret, message)


def sign_passphrase(recipe: SigningRecipe, secret: str, passphrase: str) -> str:
    """The passphrase as sent: plain, or HMAC-ed with the recipe's algorithm and output (KuCoin v2)."""
    if recipe.passphrase != "hmac":
        return passphrase
    return _mac(recipe, secret, passphrase.encode())

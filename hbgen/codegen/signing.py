"""Signing recipes compiled to Python statements for the generated ``<name>_auth`` module.

:func:`signing_statements` turns one :class:`~hbgen.spec.model.SigningRecipe` into the body of the generated
method ``_sign_<recipe>(self, request: _SigningRequest) -> dict[str, Any]``. The statements work on these names,
which the generated auth module defines or imports:

* ``request`` -- the module's ``_SigningRequest`` working copy (``method``, ``path``, ``query`` dict,
  ``headers`` dict, ``body`` text as sent, ``body_fields`` dict or None, ``all_params()``, ``body_target()``,
  ``params_target(name)``, and the helper ``_path_with_query(path, query)``);
* ``self._api_key``, ``self._secret_key``, ``self._passphrase``, ``self._time_provider`` (a
  :class:`hbrt.time_synchronizer.TimeSynchronizer`), ``self._next_nonce(candidate)``;
* ``base64``, ``hashlib``, ``hmac``, ``time``, ``uuid``, ``datetime``, ``UTC``, ``urlencode``.

The order is the spec's: values other than the signature are placed first (so query/body parts see them), then
the signed string is built from the parts, then the signature is placed. The method returns the values a login
message may need, keyed by the login placeholders: ``api_key``, ``timestamp``, ``nonce``, ``recv_window``,
``passphrase``, ``signature``, plus ``signed_params`` (the request's parameters after placement) and
``headers``.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl

from hbgen.render.environment import RenderError
from hbgen.render.filters import py, py_str
from hbgen.spec.model import AnyPart, HashPart, Part, SigningRecipe, TestVector

__all__ = ["signing_statements", "timestamp_expr", "uses_time", "vector_clock_seconds"]

_DIGESTS = {
    "hmac_sha256": "hashlib.sha256",
    "hmac_sha512": "hashlib.sha512",
    "sha256": "hashlib.sha256",
    "sha512": "hashlib.sha512",
}


def _now(recipe: SigningRecipe) -> str:
    clock = "time.time()" if recipe.timestamp_clock == "local" else "self._time_provider.time()"
    if recipe.timestamp_offset:
        clock = f"({clock} + {py(recipe.timestamp_offset)})"
    return clock


def timestamp_expr(recipe: SigningRecipe) -> str | None:
    """The timestamp as sent (a string), or None when the recipe uses none."""
    unit = recipe.timestamp_unit
    if unit is None:
        return None
    now = _now(recipe)
    if unit == "s":
        return f"str(int({now}))"
    if unit == "ms":
        return f"str(round({now} * 1e3))"
    if unit == "us":
        return f"str(round({now} * 1e6))"
    if unit == "ns":
        return f"str(round({now} * 1e9))"
    if unit == "iso8601":
        return f'datetime.fromtimestamp({now}, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")'
    raise RenderError(f"unknown timestamp unit {unit!r}")


def _nonce_expr(recipe: SigningRecipe) -> str | None:
    source = recipe.nonce_source
    if source is None:
        return None
    if source == "timestamp_ms":
        return "str(self._next_nonce(round(self._time_provider.time() * 1e3)))"
    if source == "timestamp_us":
        return "str(self._next_nonce(round(self._time_provider.time() * 1e6)))"
    if source == "counter":
        return "str(self._next_nonce(0))"
    if source == "uuid":
        return "str(uuid.uuid4())"
    raise RenderError(f"unknown nonce source {source!r}")


def uses_time(recipes: Iterable[SigningRecipe]) -> bool:
    """Whether any recipe reads the local clock (``time.time()``)."""
    return any(r.timestamp_clock == "local" and r.timestamp_unit is not None for r in recipes)


def _mac_digest(recipe: SigningRecipe) -> str:
    try:
        return _DIGESTS[recipe.algorithm]
    except KeyError:
        raise RenderError(f"unknown algorithm {recipe.algorithm!r}") from None


def _secret(recipe: SigningRecipe) -> str:
    if recipe.secret_encoding == "base64":
        return "base64.b64decode(self._secret_key)"
    return "self._secret_key.encode()"


def _encode_output(digest_call: str, output: str) -> str:
    """``digest_call`` is an expression with ``.digest()``/``.hexdigest()`` available."""
    if output == "hex":
        return f"{digest_call}.hexdigest()"
    if output == "base64":
        return f"base64.b64encode({digest_call}.digest()).decode()"
    if output == "raw":
        return f"{digest_call}.digest()"
    raise RenderError(f"unknown output encoding {output!r}")


def _canonical(items_of: str, sort: bool, encode: bool) -> str:
    """``k=v&...`` of a dict expression, compiled for the part's options."""
    items = f"sorted({items_of}.items())" if sort else (items_of if encode else f"{items_of}.items()")
    if encode:
        return f"urlencode({items})"
    return f'"&".join(f"{{key}}={{value}}" for key, value in {items})'


def _part(part: AnyPart, locals_: dict[str, str]) -> tuple[str, bool]:
    """(expression, is_bytes) of one part of the signed string."""
    if isinstance(part, HashPart):
        inner, inner_bytes = _join([_part(p, locals_) for p in part.of], part.joiner)
        data = inner if inner_bytes else _encoded(inner)
        digest = f"{_DIGESTS[part.algorithm]}({data})"
        return _encode_output(digest, part.output), part.output == "raw"
    if not isinstance(part, Part):
        raise RenderError(f"unexpected part {part!r}")
    kind = part.kind
    if kind == "literal":
        return py_str(part.literal), False
    if kind == "method":
        return "request.method", False
    if kind == "path":
        return "request.path", False
    if kind == "query":
        if not part.sort and part.urlencode:
            return "urlencode(request.query)", False
        return _canonical("request.query", part.sort, part.urlencode), False
    if kind == "path_with_query":
        return f"_path_with_query(request.path, {_canonical('request.query', part.sort, part.urlencode)})", False
    if kind == "body":
        if not part.sort and part.urlencode:
            return "request.body", False
        return _canonical("(request.body_fields or {})", part.sort, part.urlencode), False
    if kind == "params":
        return _canonical("request.all_params()", part.sort, part.urlencode), False
    if kind in locals_:
        return locals_[kind], False
    raise RenderError(f"the recipe signs {kind!r} but does not produce it (no timestamp/nonce/recv_window setting)")


def _encoded(expr: str) -> str:
    """``expr.encode()``, parenthesised unless ``expr`` is a plain name, attribute or call."""
    simple = expr.replace(".", "").replace("_", "").isalnum() or (expr.endswith(")") and " " not in expr)
    return f"{expr}.encode()" if simple else f"({expr}).encode()"


def _join(parts: list[tuple[str, bool]], joiner: str) -> tuple[str, bool]:
    as_bytes = any(is_bytes for _, is_bytes in parts)
    if as_bytes:
        exprs = [e if b else _encoded(e) for e, b in parts]
        if len(exprs) == 1:
            return exprs[0], True
        if joiner == "":
            return " + ".join(exprs), True
        return f"{py_str(joiner)}.encode().join(({', '.join(exprs)}))", True
    exprs = [e for e, _ in parts]
    if len(exprs) == 1:
        return exprs[0], False
    if joiner == "":
        return " + ".join(exprs), False
    return f"{py_str(joiner)}.join(({', '.join(exprs)}))", False


def _place(location: str, name: str, value: str) -> str:
    key = py_str(name)
    if location == "header":
        return f"request.headers[{key}] = {value}"
    if location == "query":
        return f"request.query[{key}] = {value}"
    if location == "body":
        return f"request.body_target()[{key}] = {value}"
    if location == "params":
        return f"request.params_target({key})[{key}] = {value}"
    raise RenderError(f"unknown placement {location!r}")


def signing_statements(recipe: SigningRecipe, wanted: Iterable[str] = ()) -> list[str]:
    """Statements (one per line, no indentation) of the generated ``_sign_<recipe>`` method body.

    ``wanted``: values a message template signed with this recipe uses besides those the recipe places or signs
    (``passphrase`` in a websocket login message), so the method returns them too.
    """
    lines: list[str] = []
    values: dict[str, str] = {"api_key": "self._api_key"}
    if recipe.headers == "replace":
        lines.append('request.headers = {k: v for k, v in request.headers.items() if k.lower() == "content-type"}')
    ts = timestamp_expr(recipe)
    if ts is not None:
        lines.append(f"timestamp = {ts}")
        values["timestamp"] = "timestamp"
    nonce = _nonce_expr(recipe)
    if nonce is not None:
        lines.append(f"nonce = {nonce}")
        values["nonce"] = "nonce"
    if recipe.recv_window is not None:
        lines.append(f"recv_window = {py_str(str(recipe.recv_window))}")
        values["recv_window"] = "recv_window"
    needs_passphrase = "passphrase" in recipe.placements or _signs(recipe, "passphrase") or "passphrase" in wanted
    if needs_passphrase:
        if recipe.passphrase == "hmac":
            mac = f"hmac.new({_secret(recipe)}, self._passphrase.encode(), {_mac_digest(recipe)})"
            lines.append(f"passphrase = {_encode_output(mac, recipe.output)}")
        else:
            lines.append("passphrase = self._passphrase")
        values["passphrase"] = "passphrase"
    for role, placement in recipe.placements.items():
        if role == "signature":
            continue
        if role not in values:
            raise RenderError(f"recipe {recipe.name!r} places {role!r} but does not produce it")
        lines.append(_place(placement.location, placement.name, values[role]))
    for static in recipe.static:
        lines.append(_place(static.location, static.name, py_str(static.value)))
    payload, is_bytes = _join([_part(p, values) for p in recipe.parts], recipe.joiner)
    lines.append(f"payload = {payload}" if is_bytes else f"payload = {_encoded(payload)}")
    mac = f"hmac.new({_secret(recipe)}, payload, {_mac_digest(recipe)})"
    lines.append(f"signature = {_encode_output(mac, recipe.output)}")
    values["signature"] = "signature"
    if "signature" in recipe.placements:
        placement = recipe.placements["signature"]
        lines.append(_place(placement.location, placement.name, "signature"))
    returned = ", ".join(f"{py_str(k)}: {v}" for k, v in values.items())
    lines.append(f'return {{{returned}, "signed_params": request.all_params(), "headers": dict(request.headers)}}')
    return lines


def _signs(recipe: SigningRecipe, kind: str) -> bool:
    def walk(parts: tuple[AnyPart, ...]) -> bool:
        for p in parts:
            if isinstance(p, HashPart):
                if walk(p.of):
                    return True
            elif p.kind == kind:
                return True
        return False

    return walk(recipe.parts)


def _placed_in_vector(vector: TestVector, name: str) -> str:
    for carrier in (vector.query, vector.body, vector.params):
        fields = dict(parse_qsl(carrier, keep_blank_values=True)) if isinstance(carrier, str) else carrier
        if name in fields:
            return str(fields[name])
    return ""


def vector_clock_seconds(recipe: SigningRecipe, vector: TestVector) -> float | None:
    """The clock reading (seconds) at which the recipe produces a test vector's timestamp or nonce.

    The value comes from the vector's ``timestamp``/``nonce``, or from where the recipe places them in the vector's
    query, body or params. Used by the generated tests to feed a fake time provider; None when the vector does not
    fix the clock.
    """
    from datetime import datetime

    timestamp = vector.timestamp
    if not timestamp and "timestamp" in recipe.placements:
        timestamp = _placed_in_vector(vector, recipe.placements["timestamp"].name)
    nonce = vector.nonce
    if not nonce and "nonce" in recipe.placements:
        nonce = _placed_in_vector(vector, recipe.placements["nonce"].name)
    if timestamp and recipe.timestamp_unit is not None:
        unit = recipe.timestamp_unit
        if unit == "iso8601":
            seconds = datetime.fromisoformat(timestamp).timestamp()
        else:
            divisor = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[unit]
            seconds = int(timestamp) / divisor
        return seconds - recipe.timestamp_offset
    if nonce and recipe.nonce_source in ("timestamp_ms", "timestamp_us"):
        divisor = 10**3 if recipe.nonce_source == "timestamp_ms" else 10**6
        return int(nonce) / divisor
    return None

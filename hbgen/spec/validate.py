"""Semantic checks: what a JSON Schema cannot say.

References resolve (limit ids, recipes, mappings, endpoints, channels, hooks, websocket URL names), mapping kinds
suit their use, field paths and templates parse, the integrity policy has the fields it needs, credentials match
the recipes, and every Hummingbot capability is present or explicitly waived. The checks run on the raw document
even when the schema found problems, so one run reports everything; every accessor tolerates wrong types (the
schema reports those) so that no malformed spec can raise here.
"""

from __future__ import annotations

import json
import keyword
import math
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final
from urllib.parse import parse_qsl

from hbgen.spec.errors import Diagnostic, describe_value, did_you_mean, suggest
from hbgen.spec.loader import LoadedDocument
from hbgen.spec.model import default_recipe_name
from hbgen.spec.paths import ITEM_KEY, PathSyntaxError, parse_path
from hbgen.spec.perpetual_checks import POSITION_MODES, perpetual_checks
from hbgen.spec.vocabulary import (
    ALL_INPUTS,
    CAPABILITIES,
    GATEWAY_CAPABILITIES,
    KEYED_KINDS,
    KIND_FIELDS,
    LOGIN_MESSAGE_PLACEHOLDERS_BY_STYLE,
    LOGIN_STYLE_KEYS,
    ORDER_STATES,
    PACKAGE_ROLES,
    PACKAGE_SECTIONS,
    PERPETUAL_CAPABILITIES,
    PERPETUAL_KINDS,
    PERPETUAL_ROLES,
    PLACEHOLDERS,
    PREDICATE_OPERATORS,
    PRIVATE_EVENT_KINDS,
    PUBLIC_CHANNEL_KINDS,
    REFERENCED_HOOK_SITES,
    ROLE_CHOICES,
    ROLE_INPUTS,
    ROLE_MAPPING_KINDS,
    ROLE_REQUIRED_FIELDS,
    ROLES_NEEDING_MAPPING,
    URL_PLACEHOLDERS_BY_STYLE,
    VALUE_TYPES_FOR_TARGET,
)

#: The field forms that read one path as it is, where a keyed mapping's ``$key`` may stand.
_KEY_OPERANDS = ("path", "first_nonempty")

__all__ = [
    "CAPABILITY_GAPS",
    "capability_sources",
    "missing_capability_diagnostics",
    "required_capabilities",
    "semantic_diagnostics",
]

PathT = list[str | int]
_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


def _m(x: Any) -> dict[str, Any]:
    return x if isinstance(x, dict) else {}


def _l(x: Any) -> list[Any]:
    return x if isinstance(x, list) else []


def _s(x: Any) -> str | None:
    return x if isinstance(x, str) else None


#: Why each capability counts as absent, where its diagnostic points, and the endpoint names that would provide it.
CAPABILITY_GAPS: Final = MappingProxyType(
    {
        "rest_trading_rules": ('no "trading_rules" endpoint', ["endpoints"], ("trading_rules",)),
        "rest_server_status": ('no "ping" or "server_time" endpoint', ["endpoints"], ("ping", "server_time")),
        "rest_order_status": (
            'no "order_status" or "open_orders" endpoint',
            ["endpoints"],
            ("order_status", "open_orders"),
        ),
        "rest_create_order": ('no "create_order" endpoint', ["endpoints"], ("create_order",)),
        "rest_cancel_order": ('no "cancel_order" endpoint', ["endpoints"], ("cancel_order",)),
        "rest_balances": ('no "balances" endpoint', ["endpoints"], ("balances",)),
        "rate_limits": ("no rate_limits", [], ()),
        "ws_order_book": (
            "no public channel with an order_book_diff or order_book_snapshot mapping",
            ["ws", "public"],
            (),
        ),
        "ws_trades": ("no public channel with a trade mapping", ["ws", "public"], ()),
        "ws_private_orders": ("no private event with an order_update mapping", ["ws", "private"], ()),
        "ws_private_trades": ("no private event with a fill mapping", ["ws", "private"], ()),
        "rest_positions": ('no "positions" endpoint', ["endpoints"], ("positions",)),
        "rest_leverage": ('no "set_leverage" endpoint', ["endpoints"], ("set_leverage",)),
        "rest_position_mode": ('no "set_position_mode" endpoint', ["endpoints"], ("set_position_mode",)),
        "rest_funding_info": ('no "funding_info" endpoint', ["endpoints"], ("funding_info",)),
        "rest_funding_payments": ('no "funding_payments" endpoint', ["endpoints"], ("funding_payments",)),
    }
)


def required_capabilities(data: Any) -> tuple[str, ...]:
    """The capabilities a document of its connector type must provide or waive (a perpetual connector's position
    mode endpoint only when it offers several modes)."""
    d = _m(data)
    if d.get("type") == "gateway":
        return GATEWAY_CAPABILITIES
    if d.get("type") != "perpetual":
        return CAPABILITIES
    several_modes = len(_l(_m(d.get("perpetual")).get("position_modes"))) > 1
    return CAPABILITIES + tuple(c for c in PERPETUAL_CAPABILITIES if c != "rest_position_mode" or several_modes)


def capability_sources(data: Any) -> dict[str, tuple[PathT, ...]]:
    """For every capability, the document paths that provide it; an empty tuple means the capability is absent.

    Endpoints count by role name (``endpoints.<role>``), rate limits by a non-empty ``rate_limits``, websocket
    capabilities by the kind of the mapping that a public channel (``ws.public.channels.<name>.mapping``) or a
    private event (``ws.private.events.<name>.mappings[i]``) names. Tolerates any malformed document.
    """
    d = _m(data)
    eps = _m(d.get("endpoints"))
    mappings = _m(d.get("mappings"))
    ws = _m(d.get("ws"))

    def kind(name: Any) -> Any:
        return _m(mappings.get(name)).get("kind") if isinstance(name, str) else None

    refs: list[tuple[PathT, Any]] = [
        (["ws", "public", "channels", name, "mapping"], kind(_m(channel).get("mapping")))
        for name, channel in _m(_m(ws.get("public")).get("channels")).items()
    ]
    for name, event in _m(_m(ws.get("private")).get("events")).items():
        for i, mapping in enumerate(_l(_m(event).get("mappings"))):
            refs.append((["ws", "private", "events", name, "mappings", i], kind(mapping)))

    def endpoints(*names: str) -> tuple[PathT, ...]:
        return tuple(["endpoints", n] for n in names if n in eps)

    def routed(section: str, *kinds: str) -> tuple[PathT, ...]:
        return tuple(path for path, k in refs if path[1] == section and k in kinds)

    return {
        "rest_trading_rules": endpoints("trading_rules"),
        "rest_server_status": endpoints("ping", "server_time"),
        "rest_order_status": endpoints("order_status", "open_orders"),
        "rest_create_order": endpoints("create_order"),
        "rest_cancel_order": endpoints("cancel_order"),
        "rest_balances": endpoints("balances"),
        "rate_limits": (["rate_limits"],) if _m(d.get("rate_limits")) else (),
        "ws_order_book": routed("public", "order_book_diff", "order_book_snapshot"),
        "ws_trades": routed("public", "trade"),
        "ws_private_orders": routed("private", "order_update"),
        "ws_private_trades": routed("private", "fill"),
        "rest_positions": endpoints("positions"),
        "rest_leverage": endpoints("set_leverage"),
        "rest_position_mode": endpoints("set_position_mode"),
        "rest_funding_info": endpoints("funding_info"),
        "rest_funding_payments": endpoints("funding_payments"),
    }


#: The capability whose absence already reports a package part's missing endpoint.
_ROLE_CAPABILITY: Final = MappingProxyType(
    {
        "network": "rest_server_status",
        "create": "rest_create_order",
        "cancel": "rest_cancel_order",
        "balances": "rest_balances",
        "rules": "rest_trading_rules",
    }
)


class _Checker:
    def __init__(self, doc: LoadedDocument) -> None:
        self.doc = doc
        self.data: dict[str, Any] = _m(doc.data)
        self.out: list[Diagnostic] = []
        self.mappings = _m(self.data.get("mappings"))
        self.endpoints = _m(self.data.get("endpoints"))
        self.recipes = _m(_m(self.data.get("auth")).get("recipes"))
        self.hooks = _m(self.data.get("hooks"))
        self.hook_refs: dict[str, list[PathT]] = {}
        self.gaps: list[Diagnostic] = []  # the "missing capability" diagnostics (also in self.out)

    # -- helpers ------------------------------------------------------------------------------------------------
    def err(self, path: Sequence[str | int], message: str, hint: str = "", *, key: bool = False) -> None:
        self.out.append(self.doc.diag(path, message, hint, key=key))

    def ref(self, path: PathT, name: Any, table: dict[str, Any], what: str) -> bool:
        """Check that ``name`` is a key of ``table``; report at ``path`` otherwise."""
        if not isinstance(name, str):
            return False
        if name in table:
            return True
        hint = did_you_mean(name, table) or (f"defined: {', '.join(table)}" if table else f"no {what} is defined")
        self.err(path, f'unknown {what} "{name}"', hint)
        return False

    @property
    def perpetual(self) -> bool:
        return self.data.get("type") == "perpetual"

    def mapping_kind(self, path: PathT, name: Any, allowed: Sequence[str], use: str) -> None:
        if not self.perpetual:
            allowed = [k for k in allowed if k not in PERPETUAL_KINDS]
        if not self.ref(path, name, self.mappings, "mapping"):
            return
        kind = _m(self.mappings[name]).get("kind")
        if isinstance(kind, str) and kind not in allowed:
            self.err(path, f'mapping "{name}" has kind {kind}, but {use} needs kind {" or ".join(allowed)}')

    def path(self, path: PathT, text: Any, *, item_key: bool = False) -> None:
        """A path must parse; ``$key`` only where ``item_key`` says (the fields of a keyed mapping)."""
        if not isinstance(text, str):
            return
        if text == ITEM_KEY and not item_key:
            self.err(path, '"$key" is the key of an item of a keyed mapping: only that mapping\'s fields read it')
            return
        try:
            parse_path(text)
        except PathSyntaxError as exc:
            self.err(path, f'invalid field path "{text}": {exc.message} (at character {exc.offset + 1})')

    def predicates(self, path: PathT, preds: Any) -> None:
        for i, pred in enumerate(_l(preds)):
            if not isinstance(pred, dict):
                continue
            self.path(path + [i, "field"], pred.get("field"))
            ops = [k for k in pred if k in PREDICATE_OPERATORS]
            if len(ops) != 1:
                got = ", ".join(ops) if ops else "none"
                self.err(path + [i], f"a predicate needs exactly one of {', '.join(PREDICATE_OPERATORS)}, got {got}")

    def template(self, path: PathT, value: Any, context: str) -> None:
        allowed = PLACEHOLDERS[context]
        if isinstance(value, str):
            for name in _PLACEHOLDER.findall(value):
                if name not in allowed:
                    hint = did_you_mean(name, allowed) or f"allowed here: {', '.join('${' + a + '}' for a in allowed)}"
                    self.err(path, f'unknown placeholder "${{{name}}}"', hint)
            stripped = _PLACEHOLDER.sub("", value)
            if "${" in stripped:
                self.err(path, 'unclosed placeholder "${"', 'write placeholders as "${name}"')
        elif isinstance(value, dict):
            for k, v in value.items():
                self.template(path + [k], v, context)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                self.template(path + [i], v, context)

    def hook_ref(self, path: PathT, name: Any, site: str) -> None:
        if not isinstance(name, str):
            return
        self.hook_refs.setdefault(name, []).append(path)
        if self.ref(path, name, self.hooks, "hook"):
            at = _m(self.hooks[name]).get("at")
            if isinstance(at, str) and at != site:
                self.err(path, f'hook "{name}" is declared at {at}, but is used here as {site}', f"set its at: {site}")

    # -- checks -------------------------------------------------------------------------------------------------
    def run(self) -> list[Diagnostic]:
        self.identifiers()
        self.identity()
        self.rate_limits()
        self.endpoints_check()
        self.auth()
        self.symbols()
        self.mappings_check()
        self.order_book()
        self.ws()
        self.orders()
        self.order_states()
        self.errors()
        self.credentials()
        self.polling()
        self.hooks_check()
        perpetual_checks(self)
        self.requirements()
        self.package()
        return self.out

    def identifiers(self) -> None:
        """Names that become Python identifiers must not be keywords."""
        d = self.data
        ws = _m(d.get("ws"))
        named: list[tuple[PathT, Any]] = [(["name"], d.get("name"))]
        for section in ("endpoints", "mappings", "hooks"):
            named += [([section, k], k) for k in _m(d.get(section))]
        named += [(["auth", "recipes", k], k) for k in self.recipes]
        named += [(["ws", "public", "channels", k], k) for k in _m(_m(ws.get("public")).get("channels"))]
        named += [(["ws", "private", "events", k], k) for k in _m(_m(ws.get("private")).get("events"))]
        for path, name in named:
            if isinstance(name, str) and (keyword.iskeyword(name) or keyword.issoftkeyword(name)):
                self.err(
                    path, f'"{name}" is a Python keyword and cannot name a generated identifier', key=len(path) > 1
                )

    def identity(self) -> None:
        d = self.data
        domains = _m(d.get("domains"))
        if isinstance(d.get("default_domain"), str) and domains:
            self.ref(["default_domain"], d["default_domain"], domains, "domain")
        ctype = d.get("type")
        for section, wanted in (("perpetual", "perpetual"), ("gateway", "gateway")):
            if ctype == wanted and section not in d:
                self.err([], f'missing required key "{section}" for a {wanted} connector')
            if section in d and isinstance(ctype, str) and ctype != wanted:
                self.err([section], f"{section} settings apply only to type {wanted}, but type is {ctype}", key=True)
        ts = _m(d.get("time_sync")).get("endpoint")
        if isinstance(ts, str) and self.ref(["time_sync", "endpoint"], ts, self.endpoints, "endpoint"):
            self.mapping_kind(
                ["endpoints", ts, "mapping"], _m(self.endpoints[ts]).get("mapping"), ("server_time",), "time_sync"
            )
            if "mapping" not in _m(self.endpoints[ts]):
                self.err(
                    ["time_sync", "endpoint"], f'endpoint "{ts}" needs a mapping of kind server_time for time_sync'
                )

    def rate_limits(self) -> None:
        limits = _m(self.data.get("rate_limits"))
        for lid, lim in limits.items():
            for target in _m(_m(lim).get("linked")):
                path: PathT = ["rate_limits", lid, "linked", target]
                if target == lid:
                    self.err(path, "a limit cannot link to itself", "its own weight is the weight key", key=True)
                elif target not in limits:
                    hint = did_you_mean(target, limits) or "define it under rate_limits"
                    self.err(path, f'unknown rate limit id "{target}"', hint, key=True)

    def endpoints_check(self) -> None:
        limits = _m(self.data.get("rate_limits"))
        default_recipe = default_recipe_name(self.data) if self.recipes else None
        for name, ep in self.endpoints.items():
            ep = _m(ep)
            base: PathT = ["endpoints", name]
            lid = ep.get("limit_id")
            if isinstance(lid, str) and lid not in limits:
                hint = did_you_mean(lid, limits) or "define it under rate_limits"
                self.err(base + ["limit_id"], f'unknown rate limit id "{lid}"', hint)
            auth = ep.get("auth", "none")
            if auth in ("signed", "key"):
                if "recipe" in ep:
                    self.ref(base + ["recipe"], ep["recipe"], self.recipes, "recipe")
                elif not self.recipes:
                    self.err(base + ["auth"], f"auth {auth} needs a signing recipe, but auth.recipes is empty")
                elif default_recipe is None:
                    self.err(base + ["auth"], "several recipes exist; name one with recipe or set auth.default_recipe")
            elif "recipe" in ep and auth == "none":
                self.err(base + ["recipe"], "recipe is set but auth is none", "set auth: signed or remove the recipe")
            role = name if name in ROLE_INPUTS else None
            if role in PERPETUAL_ROLES and not self.perpetual and self.data.get("type") in ("spot", "gateway"):
                self.err(base, f"endpoint role {name} applies only to type perpetual", key=True)
                role = None
            for needed in ROLE_REQUIRED_FIELDS.get(role or "", ()):
                mapping = _m(self.mappings.get(_s(ep.get("mapping")) or ""))
                if mapping and "hook" not in mapping and needed not in _m(mapping.get("fields")):
                    self.err(base + ["mapping"], f'the mapping of endpoint {name} must read "{needed}"')
            if "mapping" in ep:
                kinds = ROLE_MAPPING_KINDS.get(role, tuple(KIND_FIELDS)) if role else tuple(KIND_FIELDS)
                if role == "ping":
                    kinds = tuple(KIND_FIELDS)
                self.mapping_kind(base + ["mapping"], ep["mapping"], kinds, f"endpoint {name}")
            elif role in ROLES_NEEDING_MAPPING:
                kinds = ROLE_MAPPING_KINDS[role]
                self.err(base, f"endpoint {name} needs a mapping (kind {' or '.join(kinds)}) to parse its response")
            inputs = ROLE_INPUTS.get(role) if role else None
            for pname, param in _m(ep.get("params")).items():
                ppath = base + ["params", pname]
                source = param if isinstance(param, str) else _m(param).get("from")
                if isinstance(source, str) and source in ALL_INPUTS and inputs is not None and source not in inputs:
                    allowed = ", ".join(inputs) if inputs else "none"
                    self.err(ppath, f'input "{source}" is not available to endpoint {name} (inputs: {allowed})')
                if isinstance(param, dict) and "when_order_type" in param and role not in (None, "create_order"):
                    self.err(ppath + ["when_order_type"], "when_order_type applies only to create_order")
            self.template(base + ["path"], ep.get("path"), "endpoint_path")
            path_text = ep.get("path")
            if inputs is not None and isinstance(path_text, str):
                for placeholder in _PLACEHOLDER.findall(path_text):
                    if placeholder in PLACEHOLDERS["endpoint_path"] and placeholder not in inputs:
                        allowed = ", ".join(inputs) if inputs else "none"
                        self.err(
                            base + ["path"],
                            f'placeholder "${{{placeholder}}}" is not an input of endpoint {name} (inputs: {allowed})',
                        )
            self.path(base + ["envelope"], ep.get("envelope"))
            if "example_parsed" in ep and "mapping" not in ep:
                self.err(base + ["example_parsed"], "example_parsed needs a mapping to check against", key=True)
            elif "example_parsed" in ep:
                self.example_records(base + ["example_parsed"], ep.get("example_parsed"), ep.get("mapping"))

    def example_records(self, path: PathT, records: Any, mapping_name: Any) -> None:
        if not isinstance(mapping_name, str) or mapping_name not in self.mappings:
            return
        kind = _m(self.mappings[mapping_name]).get("kind")
        fields = KIND_FIELDS.get(kind, {}) if isinstance(kind, str) else {}
        for i, rec in enumerate(_l(records)):
            for key, value in _m(rec).items():
                if fields and key not in fields:
                    hint = did_you_mean(key, fields) or f"fields of kind {kind}: {', '.join(fields)}"
                    self.err(path + [i, key], f'"{key}" is not a field of mapping "{mapping_name}"', hint, key=True)
                elif key in fields and (expected := example_value_problem(value, fields[key][0])):
                    self.err(
                        path + [i, key],
                        f"expected {expected}, got {describe_value(value)}",
                        f"{key} is a {fields[key][0]} field of {kind} records",
                    )

    def auth(self) -> None:
        auth = _m(self.data.get("auth"))
        if "default_recipe" in auth:
            self.ref(["auth", "default_recipe"], auth["default_recipe"], self.recipes, "recipe")
        roles = {r for r in (_m(c).get("role") for c in _l(self.data.get("credentials"))) if isinstance(r, str)}
        for name, recipe in self.recipes.items():
            recipe = _m(recipe)
            base: PathT = ["auth", "recipes", name]
            used = set(self._part_kinds(recipe.get("parts")))
            place = _m(recipe.get("place"))
            needs = used | set(place)
            if "timestamp" in needs and "timestamp" not in recipe:
                self.err(
                    base,
                    'the recipe signs or places a timestamp but has no "timestamp" settings',
                    "add timestamp: {unit: ms}",
                )
            if "nonce" in needs and "nonce" not in recipe:
                self.err(
                    base,
                    'the recipe signs or places a nonce but has no "nonce" settings',
                    "add nonce: {source: timestamp_ms}",
                )
            if "recv_window" in needs and "recv_window" not in recipe:
                self.err(base, 'the recipe signs or places recv_window but has no "recv_window" value')
            if ("passphrase" in needs or recipe.get("passphrase") == "hmac") and "passphrase" not in roles:
                self.err(base, "the recipe uses a passphrase but no credential has role passphrase")
            if "passphrase" in recipe and "passphrase" not in place and name not in self._login_passphrase_recipes():
                self.err(
                    base + ["passphrase"],
                    "passphrase mode is set but place.passphrase is missing",
                    "place it, or use ${passphrase} in the websocket login message signed with this recipe",
                )
            if "hook" in recipe:
                self.hook_ref(base + ["hook"], recipe["hook"], "auth.sign")
        placed: dict[str, PathT] = {}
        default = default_recipe_name(self.data) if self.recipes else None
        for name, ep in self.endpoints.items():
            if _m(ep).get("auth") in ("signed", "key"):
                used_recipe = _m(ep).get("recipe", default)
                if isinstance(used_recipe, str):
                    placed.setdefault(used_recipe, ["endpoints", name, "auth"])
        login = _m(_m(_m(self.data.get("ws")).get("private")).get("login"))
        signs_params = "${signed_params}" in json.dumps(login.get("message"))
        if login.get("style") == "signed_subscribe" and isinstance(login.get("recipe"), str) and signs_params:
            placed.setdefault(login["recipe"], ["ws", "private", "login", "recipe"])
        for name, user in placed.items():
            recipe = _m(self.recipes.get(name))
            if recipe and "hook" not in recipe and "signature" not in _m(recipe.get("place")):
                where = ".".join(str(p) for p in user)
                self.err(["auth", "recipes", name], f"the recipe signs requests ({where}) but has no place.signature")
        for i, vec in enumerate(_l(auth.get("test_vectors"))):
            vec = _m(vec)
            if self.ref(["auth", "test_vectors", i, "recipe"], vec.get("recipe"), self.recipes, "recipe"):
                self.vector(i, vec, _m(self.recipes[vec["recipe"]]))

    def vector(self, index: int, vec: dict[str, Any], recipe: dict[str, Any]) -> None:
        """A vector's values must be ones its recipe uses, and agree with what the recipe places."""
        base: PathT = ["auth", "test_vectors", index]
        if "params" in vec and "params" not in self._part_kinds_with_options(recipe.get("parts")):
            self.err(
                base + ["params"],
                f"the recipe {vec.get('recipe')} signs no params part, so the vector's params mean nothing",
                "give a REST request's values as query or body",
                key=True,
            )
        for key in ("timestamp", "nonce", "recv_window"):
            if key in vec and key not in recipe:
                self.err(
                    base + [key],
                    f"the recipe {vec.get('recipe')} has no {key}, so the vector's {key} means nothing",
                    key=True,
                )
        placement = _m(_m(recipe.get("place")).get("timestamp"))
        name = placement.get("name")
        if "timestamp" in vec and placement.get("in") in ("query", "body", "params") and isinstance(name, str):
            for carrier in ("query", "body", "params"):
                value = vec.get(carrier)
                fields = dict(parse_qsl(value, keep_blank_values=True)) if isinstance(value, str) else _m(value)
                if name in fields and str(fields[name]) != str(vec["timestamp"]):
                    self.err(
                        base + ["timestamp"],
                        f"the vector's timestamp {vec['timestamp']} differs from the {name} in its {carrier} "
                        f"({fields[name]}), where the recipe places it",
                    )

    def _login_passphrase_recipes(self) -> set[str]:
        """Recipes that sign a websocket login message using ``${passphrase}``."""
        login = _m(_m(_m(self.data.get("ws")).get("private")).get("login"))
        recipe = login.get("recipe")
        if isinstance(recipe, str) and "${passphrase}" in json.dumps(login.get("message")):
            return {recipe}
        return set()

    def _part_kinds_with_options(self, parts: Any) -> set[str]:
        """Part kinds of a recipe, the structured ones (``{query: {...}}``, ``{params: {...}}``) included."""
        kinds = set(self._part_kinds(parts))
        for part in _l(parts):
            if isinstance(part, dict):
                kinds.update(k for k in ("query", "params") if k in part)
                if "of" in part:
                    kinds |= self._part_kinds_with_options(part.get("of"))
        return kinds

    def _part_kinds(self, parts: Any) -> Iterable[str]:
        for part in _l(parts):
            if isinstance(part, str):
                yield part
            elif isinstance(part, dict) and "of" in part:
                yield from self._part_kinds(part.get("of"))

    def symbols(self) -> None:
        sym = _m(self.data.get("symbols"))
        if not sym:
            return
        self.ref(["symbols", "endpoint"], sym.get("endpoint"), self.endpoints, "endpoint")
        self.mapping_kind(["symbols", "mapping"], sym.get("mapping"), ("instrument",), "symbols")
        self.predicates(["symbols", "active"], sym.get("active"))
        websocket = sym.get("websocket")
        self.template(["symbols", "websocket"], websocket, "websocket_symbol")
        named = set(_PLACEHOLDER.findall(websocket)) if isinstance(websocket, str) else set()
        if isinstance(websocket, str) and not ({"base", "exchange_base", "symbol"} & named):
            self.err(["symbols", "websocket"], "the websocket name of a pair must name its base (or its symbol)")

    def mappings_check(self) -> None:
        for name, mapping in self.mappings.items():
            mapping = _m(mapping)
            base: PathT = ["mappings", name]
            kind = mapping.get("kind")
            targets = KIND_FIELDS.get(kind, {}) if isinstance(kind, str) else {}
            if kind in PERPETUAL_KINDS and not self.perpetual and self.data.get("type") in ("spot", "gateway"):
                self.err(base + ["kind"], f"mapping kind {kind} applies only to type perpetual")
            self.path(base + ["each"], mapping.get("each"))
            keyed = mapping.get("keyed") is True
            if keyed and "each" not in mapping:
                self.err(base + ["keyed"], "a keyed mapping needs each: the path of the object whose values it reads")
            if keyed and kind not in KEYED_KINDS:
                self.err(
                    base + ["keyed"],
                    f"mappings of kind {kind} cannot be keyed",
                    f"keyed mappings read REST results: {', '.join(KEYED_KINDS)}",
                )
            self.predicates(base + ["filter"], mapping.get("filter"))
            if "hook" in mapping:
                self.hook_ref(base + ["hook"], mapping["hook"], "mapping.parse")
                if kind in ("order_book_snapshot", "order_book_diff"):
                    # The order book template builds its messages from these fields directly; a parse hook here
                    # would never be called.
                    self.err(
                        base + ["hook"],
                        f"mappings of kind {kind} cannot be parsed by a hook: the order book reads their fields",
                        "map the fields (each/paths); put custom book logic in order_book.integrity.checksum.hook",
                        key=True,
                    )
            fields = _m(mapping.get("fields"))
            each_prefixes: set[str] = set()
            for fname, expr in fields.items():
                fpath = base + ["fields", fname]
                target = targets.get(fname, (None,))[0]
                for sub, text in self._expr_paths(expr):
                    self.path(fpath + sub, text, item_key=keyed and (not sub or sub[0] in _KEY_OPERANDS))
                    if isinstance(text, str) and "[]" in text:
                        if "each" in mapping:
                            self.err(
                                fpath + sub,
                                '"[]" in a field path cannot be combined with each',
                                "write the path relative to the item",
                            )
                        each_prefixes.add(text[: text.index("[]")])
                if target is not None:
                    self.field_types(fpath, expr, target)
            if len(each_prefixes) > 1:
                listed = ", ".join(sorted(p + "[]" for p in each_prefixes))
                self.err(
                    base + ["fields"], f"field paths iterate different lists ({listed})", "a mapping iterates one list"
                )
            if kind == "order_update" and fields and not ({"client_order_id", "exchange_order_id"} & set(fields)):
                self.err(base + ["fields"], "an order_update needs client_order_id or exchange_order_id")

    def _expr_paths(self, expr: Any) -> Iterable[tuple[PathT, Any]]:
        if isinstance(expr, str):
            yield [], expr
        elif isinstance(expr, dict):
            if "path" in expr:
                yield ["path"], expr["path"]
            for op in ("sum", "product", "difference", "first_nonempty"):
                for i, operand in enumerate(_l(expr.get(op))):
                    for sub, text in self._expr_paths(operand):
                        yield [op, i, *sub], text
            if "negate" in expr:
                for sub, text in self._expr_paths(expr["negate"]):
                    yield ["negate", *sub], text
            if "step_of_decimals" in expr:
                yield ["step_of_decimals"], expr["step_of_decimals"]
            for key in ("price", "amount"):
                if key in _m(expr.get("levels")):
                    yield ["levels", key], _m(expr.get("levels"))[key]
            for i, case in enumerate(_l(expr.get("cases"))):
                for j, predicate in enumerate(_l(_m(case).get("when"))):
                    yield ["cases", i, "when", j, "field"], _m(predicate).get("field")

    def field_types(self, path: PathT, expr: Any, target: str) -> None:
        if not isinstance(expr, dict):
            return
        allowed = VALUE_TYPES_FOR_TARGET[target]
        vtype = expr.get("type")
        known = {t for types in VALUE_TYPES_FOR_TARGET.values() for t in types}
        if isinstance(vtype, str) and vtype in known and vtype not in allowed:
            self.err(path + ["type"], f"type {vtype} cannot produce a {target} field (allowed: {', '.join(allowed)})")
        numeric = ("sum", "product", "difference", "negate", "step_of_decimals")
        if any(op in expr for op in numeric) and target not in ("decimal", "int"):
            used = next(op for op in numeric if op in expr)
            self.err(path, f"{used} gives a number, but the field is a {target}")
        if "levels" in expr and target != "levels":
            self.err(path + ["levels"], f"levels describes price levels, but the field is a {target}", key=True)
        if "map" in expr and "type" in expr:
            self.err(path + ["type"], "type does not apply with map: map values are the final results")
        for raw, result in _m(expr.get("map")).items():
            self.result_value(path + ["map", raw], result, target)
        if "value" in expr and "path" not in expr:
            self.result_value(path + ["value"], expr["value"], target)
        if "cases" in expr:
            for i, case in enumerate(_l(expr["cases"])):
                if "value" in _m(case):
                    self.result_value(path + ["cases", i, "value"], _m(case)["value"], target)
            if "default" in expr:
                self.result_value(path + ["default"], expr["default"], target)

    def result_value(self, path: PathT, value: Any, target: str) -> None:
        if target == "order_state":
            if value not in ORDER_STATES:
                self.err(path, f"expected an OrderState name, got {value!r}", did_you_mean(value, ORDER_STATES))
        elif target == "trade_side":
            if value not in ("BUY", "SELL"):
                self.err(path, f"expected BUY or SELL, got {value!r}", did_you_mean(value, ("BUY", "SELL")))
        elif target == "bool":
            if not isinstance(value, bool):
                self.err(path, f"expected true or false, got {value!r}")
        elif target in ("position_side", "position_mode"):
            names = ("LONG", "SHORT", "BOTH") if target == "position_side" else POSITION_MODES
            if value not in names:
                self.err(path, f"expected one of {', '.join(names)}, got {value!r}", did_you_mean(value, names))

    def order_book(self) -> None:
        ob = _m(self.data.get("order_book"))
        public = _m(_m(self.data.get("ws")).get("public"))
        channels = _m(public.get("channels"))
        diff_mappings = []
        for cname, ch in channels.items():
            mname = _m(ch).get("mapping")
            if isinstance(mname, str) and _m(self.mappings.get(mname)).get("kind") == "order_book_diff":
                diff_mappings.append((cname, mname))
        if not ob:
            if diff_mappings:
                self.err(
                    ["ws", "public", "channels", diff_mappings[0][0]],
                    "an order book channel needs an order_book section (snapshot and integrity)",
                )
            return
        snap = _m(ob.get("snapshot"))
        source = snap.get("source")
        snap_mapping: str | None = None
        if source == "rest":
            endpoint = snap.get("endpoint", "order_book_snapshot" if "order_book_snapshot" in self.endpoints else None)
            if endpoint is None:
                self.err(
                    ["order_book", "snapshot"],
                    "snapshot source rest needs an endpoint (or an order_book_snapshot endpoint)",
                )
            elif self.ref(["order_book", "snapshot", "endpoint"], endpoint, self.endpoints, "endpoint"):
                snap_mapping = _s(_m(self.endpoints[endpoint]).get("mapping"))
            if "channel" in snap:
                self.err(
                    ["order_book", "snapshot", "channel"], "channel applies to snapshot source websocket", key=True
                )
        elif source == "websocket":
            if "channel" not in snap:
                self.err(["order_book", "snapshot"], "snapshot source websocket needs a channel")
            elif self.ref(["order_book", "snapshot", "channel"], snap["channel"], channels, "channel"):
                snap_channel = _m(channels[snap["channel"]])
                snap_mapping = _s(snap_channel.get("mapping"))
                if "snapshot_when" in snap_channel:
                    snap_mapping = None  # the channel's diff mapping reads its snapshots (checked with snapshot_when)
        if snap_mapping is not None:
            self.mapping_kind(
                ["order_book", "snapshot"],
                snap_mapping,
                ("order_book_snapshot",),
                "the order book snapshot (or a book channel with snapshot_when)",
            )
        integ = _m(ob.get("integrity"))
        policy = integ.get("policy")
        needs = {
            "first_last_update_id": ("first_update_id", "update_id"),
            "prev_update_id": ("prev_update_id", "update_id"),
            "sequence": ("update_id",),
            "checksum": ("checksum",),
        }.get(policy if isinstance(policy, str) else "", ())
        for cname, mname in diff_mappings:
            fields = _m(_m(self.mappings.get(mname)).get("fields"))
            missing = [f for f in needs if f not in fields]
            if missing and "hook" not in _m(self.mappings.get(mname)):
                self.err(
                    ["order_book", "integrity", "policy"],
                    f'policy {policy} needs mapping "{mname}" (channel {cname}) to map {", ".join(missing)}',
                )
        if policy in ("first_last_update_id", "prev_update_id", "sequence") and snap_mapping in self.mappings:
            if "update_id" not in _m(_m(self.mappings[snap_mapping]).get("fields")):
                self.err(
                    ["order_book", "integrity", "policy"],
                    f'policy {policy} needs snapshot mapping "{snap_mapping}" to map update_id',
                )
        checksum = integ.get("checksum")
        if policy == "checksum" and checksum is None:
            self.err(
                ["order_book", "integrity"],
                'policy checksum needs "checksum" settings (levels and an algorithm or hook)',
            )
        if isinstance(checksum, dict):
            self.hook_ref(["order_book", "integrity", "checksum", "hook"], checksum.get("hook"), "order_book.checksum")
            for cname, mname in diff_mappings:
                mapping = _m(self.mappings.get(mname))
                if "checksum" not in _m(mapping.get("fields")) and "hook" not in mapping and policy != "checksum":
                    self.err(
                        ["order_book", "integrity", "checksum"],
                        f'a checksum needs mapping "{mname}" (channel {cname}) to map the exchange\'s checksum',
                    )
            if "hook" in checksum:
                for key in ("sides", "joiner", "numbers", "digits_only", "test_vectors"):
                    if key in checksum:
                        self.err(
                            ["order_book", "integrity", "checksum", key],
                            f"{key} describes a built-in algorithm; the hook computes the checksum itself",
                            key=True,
                        )
            for i, vec in enumerate(_l(checksum.get("test_vectors"))):
                vec = _m(vec)
                if checksum.get("numbers") == "pair_precision" and not (
                    "price_decimals" in vec and "size_decimals" in vec
                ):
                    self.err(
                        ["order_book", "integrity", "checksum", "test_vectors", i],
                        "numbers pair_precision needs the vector's price_decimals and size_decimals",
                    )

    def ws_urls(self, path: PathT, name: Any) -> None:
        if not isinstance(name, str):
            return
        for dname, dom in _m(self.data.get("domains")).items():
            urls = _m(_m(dom).get("ws"))
            if name not in urls:
                hint = did_you_mean(name, urls) or f'add ws: {{{name}: "wss://..."}} to domain {dname}'
                self.err(path, f'domain "{dname}" has no websocket URL named "{name}"', hint)

    def ws(self) -> None:
        ws = _m(self.data.get("ws"))
        public = _m(ws.get("public"))
        if public:
            base: PathT = ["ws", "public"]
            self.ws_urls(base + ["url"], public.get("url"))
            channels = _m(public.get("channels"))
            width = self.route_by(base + ["route_by"], public.get("route_by"))
            seen: dict[Any, str] = {}
            public_token = _m(public.get("login")).get("style") == "rest_token"
            for cname, ch in channels.items():
                ch = _m(ch)
                cpath = base + ["channels", cname]
                self.mapping_kind(cpath + ["mapping"], ch.get("mapping"), PUBLIC_CHANNEL_KINDS, f"channel {cname}")
                if "url" in ch:
                    self.ws_urls(cpath + ["url"], ch.get("url"))
                self.template(cpath + ["stream"], ch.get("stream"), "stream")
                self.match_values(cpath, ch.get("match"), seen, cname, len(channels), width, "channel")
                if "example_parsed" in ch:
                    self.example_records(cpath + ["example_parsed"], ch.get("example_parsed"), ch.get("mapping"))
                if "snapshot_when" in ch:
                    self.predicates(cpath + ["snapshot_when"], ch.get("snapshot_when"))
                    mapping_name = ch.get("mapping")
                    kind = _m(self.mappings.get(mapping_name)).get("kind") if isinstance(mapping_name, str) else None
                    if kind is not None and kind != "order_book_diff":
                        self.err(
                            cpath + ["snapshot_when"],
                            f"snapshot_when tells snapshots from updates of a book channel; mapping "
                            f'"{ch.get("mapping")}" has kind {kind}, not order_book_diff',
                            key=True,
                        )
                for key in ("subscribe", "unsubscribe"):
                    message = _m(ch.get(key)).get("message")
                    self.template(cpath + [key, "message"], message, "subscription")
                    self.token_placeholder(cpath + [key, "message"], message, public_token)
                if "unsubscribe" in ch and "subscribe" not in ch and "subscribe" in public:
                    self.err(
                        cpath + ["unsubscribe"],
                        "the channel has its own unsubscribe request but subscribes with ws.public.subscribe",
                        "give the channel its own subscribe too",
                        key=True,
                    )
            if "login" in public:
                self.login(public.get("login"), base + ["login"])
            for key in ("subscribe", "unsubscribe"):
                message = _m(public.get(key)).get("message")
                self.template(base + [key, "message"], message, "subscription")
                self.token_placeholder(base + [key, "message"], message, public_token)
            self.heartbeat(base + ["heartbeat"], public.get("heartbeat"))
            self.predicates(base + ["ack"], public.get("ack"))
            self.predicates(base + ["ready"], public.get("ready"))
            self.path(base + ["envelope"], public.get("envelope"))
        private = _m(ws.get("private"))
        if private:
            base = ["ws", "private"]
            self.ws_urls(base + ["url"], private.get("url"))
            self.login(private.get("login"), base + ["login"])
            events = _m(private.get("events"))
            width = self.route_by(base + ["route_by"], private.get("route_by"))
            seen = {}
            login = _m(private.get("login"))
            private_token = login.get("style") == "rest_token"
            for ename, ev in events.items():
                ev = _m(ev)
                epath = base + ["events", ename]
                for i, mname in enumerate(_l(ev.get("mappings"))):
                    self.mapping_kind(epath + ["mappings", i], mname, PRIVATE_EVENT_KINDS, f"event {ename}")
                self.match_values(epath, ev.get("match"), seen, ename, len(events), width, "event")
                for mname, records in _m(ev.get("example_parsed")).items():
                    ppath = epath + ["example_parsed", mname]
                    if mname not in _l(ev.get("mappings")):
                        self.err(ppath, f'"{mname}" is not one of this event\'s mappings', key=True)
                    else:
                        self.example_records(ppath, records, mname)
                message = _m(ev.get("subscribe")).get("message")
                self.template(epath + ["subscribe", "message"], message, "private_subscription")
                self.token_placeholder(epath + ["subscribe", "message"], message, private_token)
                self.signed_placeholders(epath + ["subscribe", "message"], message, login)
            message = _m(private.get("subscribe")).get("message")
            self.template(base + ["subscribe", "message"], message, "private_subscription")
            self.token_placeholder(base + ["subscribe", "message"], message, private_token)
            self.signed_placeholders(base + ["subscribe", "message"], message, login)
            self.heartbeat(base + ["heartbeat"], private.get("heartbeat"))
            for key in ("ignore", "terminated", "ready"):
                self.predicates(base + [key], private.get(key))
            self.path(base + ["envelope"], private.get("envelope"))

    def route_by(self, path: PathT, value: Any) -> int:
        """Check the routing path(s); the number of route values a match value has (0: no routing)."""
        if isinstance(value, str):
            self.path(path, value)
            return 1
        paths = [p for p in _l(value) if isinstance(p, str)]
        for i, text in enumerate(paths):
            self.path(path + [i], text)
        return len(paths)

    def signed_placeholders(self, path: PathT, message: Any, login: dict[str, Any]) -> None:
        """Signed values in a private subscription need the login's recipe to sign them."""
        used = set(_PLACEHOLDER.findall(json.dumps(message))) if message is not None else set()
        signed = used & {"api_key", "timestamp", "signature", "passphrase", "signed_params"}
        if signed and not isinstance(login.get("recipe"), str):
            names = ", ".join("${" + n + "}" for n in sorted(signed))
            self.err(path, f"{names} need a signing recipe, but the login names none", "sign with login.recipe")
        if "passphrase" in used and "passphrase" not in {_m(c).get("role") for c in _l(self.data.get("credentials"))}:
            self.err(path, "the message uses ${passphrase} but no credential has role passphrase")

    def match_values(
        self, path: PathT, match: Any, seen: dict[Any, str], name: str, count: int, width: int, what: str
    ) -> None:
        if isinstance(match, str):
            values: list[Any] = [match]
        else:
            values = [tuple(v) if isinstance(v, list) else v for v in _l(match)]
        if match is None and count > 1:
            self.err(path, f"with several {what}s, each needs a match value for route_by")
        if match is not None and not width:
            self.err(path + ["match"], "match is set but the connection has no route_by", key=True)
        for i, v in enumerate(values):
            where = path + ["match"] + ([] if isinstance(match, str) else [i])
            if width > 1 and not (isinstance(v, tuple) and len(v) == width):
                self.err(where, f"route_by has {width} paths, so each match value is a list of {width} values")
                continue
            if width == 1 and not isinstance(v, str):
                self.err(where, "route_by has one path, so each match value is a string")
                continue
            if v in seen:
                shown = v if isinstance(v, str) else ", ".join(v)
                self.err(where, f'match value "{shown}" is already used by {what} {seen[v]}')
            else:
                seen[v] = name

    def heartbeat(self, path: PathT, hb: Any) -> None:
        hb = _m(hb)
        if not hb:
            return
        style = hb.get("style", "ping_frame")
        if style in ("text", "json") and "message" not in hb:
            self.err(path, f"heartbeat style {style} needs a message")
        if style == "ping_frame" and "message" in hb:
            self.err(path + ["message"], "ping_frame heartbeats have no message", key=True)
        if style == "text" and "message" in hb and not isinstance(hb["message"], str):
            self.err(path + ["message"], "a text heartbeat message must be a string")
        self.template(path + ["message"], hb.get("message"), "heartbeat")

    def login(self, login: Any, base: PathT) -> None:
        login = _m(login)
        style = login.get("style")
        if not isinstance(style, str) or style not in LOGIN_STYLE_KEYS:
            return
        if base[1] == "public":
            if style != "rest_token":
                self.err(
                    base + ["style"],
                    f"a public connection cannot log in with style {style}",
                    "only a token minted over REST (style rest_token) opens a public connection",
                )
                return
            for key in ("message", "success"):
                if key in login:
                    self.err(base + [key], "a public connection sends no login message", key=True)
        applicable = LOGIN_STYLE_KEYS[style]
        for key in login:
            if key != "style" and key not in applicable:
                self.err(
                    base + [key],
                    f"{key} does not apply to login style {style}",
                    f"keys of {style}: {', '.join(applicable)}",
                    key=True,
                )
        if "recipe" in login and "recipe" in applicable:
            self.ref(base + ["recipe"], login["recipe"], self.recipes, "recipe")
        for key in ("create", "keep_alive", "close", "endpoint"):
            if key in login and key in applicable:
                self.ref(base + [key], login[key], self.endpoints, "endpoint")
        if "hook" in login:
            self.hook_ref(base + ["hook"], login["hook"], "ws.login")
        self.template(base + ["message"], login.get("message"), "login")
        roles = {r for r in (_m(c).get("role") for c in _l(self.data.get("credentials"))) if isinstance(r, str)}
        if "${passphrase}" in json.dumps(login.get("message")) and "passphrase" not in roles:
            self.err(base + ["message"], "the login message uses ${passphrase} but no credential has role passphrase")
        self.template(base + ["url_template"], login.get("url_template"), "url")
        url_template = login.get("url_template")
        if isinstance(url_template, str) and style in URL_PLACEHOLDERS_BY_STYLE:
            allowed = URL_PLACEHOLDERS_BY_STYLE[style]
            for name in _PLACEHOLDER.findall(url_template):
                if name in PLACEHOLDERS["url"] and name not in allowed:
                    self.err(
                        base + ["url_template"],
                        f'placeholder "${{{name}}}" has no value in login style {style}',
                        f"allowed with {style}: {', '.join('${' + a + '}' for a in allowed)}",
                    )
        message = login.get("message")
        if style in LOGIN_MESSAGE_PLACEHOLDERS_BY_STYLE:
            self.style_placeholders(base + ["message"], message, LOGIN_MESSAGE_PLACEHOLDERS_BY_STYLE[style], style)
        self.predicates(base + ["success"], login.get("success"))
        for key in ("key_field", "token_field", "url_field", "error_code", "error_message"):
            self.path(base + [key], login.get(key))
        time_sync = _m(self.data.get("errors")).get("time_sync")
        for key in ("error_code", "error_message"):
            if key in login and key in applicable and not time_sync:
                self.err(
                    base + [key],
                    f"{key} is read only to recognise a rejected login timestamp, but errors.time_sync is empty",
                    "add the exchange's timestamp error under errors.time_sync, or drop the key",
                    key=True,
                )
        for key in ("ping_interval_field", "token_lifetime_field"):
            self.path(base + [key, "path"], _m(login.get(key)).get("path"))

    def style_placeholders(self, path: PathT, value: Any, allowed: Sequence[str], style: str) -> None:
        """Placeholders of ``value`` that the login style has no value for (known ones only; unknown ones are
        reported by :meth:`template`)."""
        if isinstance(value, str):
            for name in _PLACEHOLDER.findall(value):
                if name in PLACEHOLDERS["login"] and name not in allowed:
                    self.err(
                        path,
                        f'placeholder "${{{name}}}" has no value in login style {style}',
                        f"allowed with {style}: {', '.join('${' + a + '}' for a in allowed)}",
                    )
        elif isinstance(value, dict):
            for k, v in value.items():
                self.style_placeholders(path + [k], v, allowed, style)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                self.style_placeholders(path + [i], v, allowed, style)

    def token_placeholder(self, path: PathT, value: Any, has_token: bool) -> None:
        """``${token}`` in a subscription of a connection that mints no token."""
        if has_token:
            return
        if isinstance(value, str):
            if "token" in _PLACEHOLDER.findall(value):
                self.err(
                    path,
                    'placeholder "${token}" has no value: this connection mints no token',
                    "a token comes from a login of style rest_token",
                )
        elif isinstance(value, dict):
            for k, v in value.items():
                self.token_placeholder(path + [k], v, has_token)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                self.token_placeholder(path + [i], v, has_token)

    def orders(self) -> None:
        orders = _m(self.data.get("orders"))
        tifs = _m(orders.get("time_in_force"))
        for otype, wire in _m(orders.get("types")).items():
            tif = _m(wire).get("time_in_force")
            if isinstance(tif, str) and tif not in tifs:
                hint = did_you_mean(tif, tifs) or "define it under orders.time_in_force"
                self.err(["orders", "types", otype, "time_in_force"], f'unknown time in force "{tif}"', hint)
        create = _m(self.endpoints.get("create_order"))
        for pname, param in _m(create.get("params")).items():
            source = param if isinstance(param, str) else _m(param).get("from")
            if source == "time_in_force" and not tifs:
                self.err(
                    ["endpoints", "create_order", "params", pname], "input time_in_force needs orders.time_in_force"
                )
            when = _m(param).get("when_order_type") if isinstance(param, dict) else None
            for i, t in enumerate(_l(when)):
                if isinstance(t, str) and orders and t not in _m(orders.get("types")):
                    self.err(
                        ["endpoints", "create_order", "params", pname, "when_order_type", i],
                        f"order type {t} is not in orders.types",
                    )
            post_only_types = [t for t, w in _m(orders.get("types")).items() if _m(w).get("post_only") is True]
            uses_post_only = source == "post_only" or (isinstance(param, dict) and "when_post_only" in param)
            if uses_post_only and orders and not post_only_types:
                self.err(
                    ["endpoints", "create_order", "params", pname],
                    "post_only needs an order type marked post_only in orders.types",
                    "e.g. LIMIT_MAKER: {type: limit, post_only: true}",
                )
        flagged = [t for t, w in _m(orders.get("types")).items() if _m(w).get("post_only") is True]
        if flagged and not any(
            (p if isinstance(p, str) else _m(p).get("from")) == "post_only" or "when_post_only" in _m(p)
            for p in _m(create.get("params")).values()
        ):
            self.err(
                ["orders", "types", flagged[0], "post_only"],
                "post_only marks the order as post-only, but no create_order parameter sends it",
                "add a parameter {from: post_only} or one with when_post_only: true",
            )
        for name, endpoint in self.endpoints.items():
            if name == "create_order":
                continue
            for pname, param in _m(_m(endpoint).get("params")).items():
                for key in ("when_side", "when_post_only"):
                    if isinstance(param, dict) and key in param:
                        self.err(["endpoints", name, "params", pname, key], f"{key} applies only to create_order")

    def order_states(self) -> None:
        states = _m(self.data.get("order_states"))
        if not states or self.data.get("type") == "gateway":
            return
        if not all(isinstance(v, str) and v in ORDER_STATES for v in states.values()):
            return  # the schema reports the invalid names; the coverage check would only repeat them
        targets = set(states.values())
        missing = [s for s in ("OPEN", "FILLED", "CANCELED") if s not in targets]
        if missing:
            self.err(["order_states"], f"no exchange status maps to {', '.join(missing)}")

    def errors(self) -> None:
        errors = _m(self.data.get("errors"))
        checks = [_m(c) for c in _l(errors.get("in_body"))]
        has_code = "code_field" in errors or any("code_field" in c for c in checks)
        has_message = "message_field" in errors or any("message_field" in c for c in checks)
        for key, matchers in errors.items():
            if key == "in_body":
                continue
            for i, m in enumerate(_l(matchers)):
                m = _m(m)
                if "code" in m and not has_code:
                    self.err(
                        ["errors", key, i, "code"],
                        "matching a code needs errors.code_field (or a code_field in errors.in_body)",
                        key=True,
                    )
                if "message" in m and not has_message:
                    self.err(
                        ["errors", key, i, "message"],
                        "matching a message needs errors.message_field (or a message_field in errors.in_body)",
                        key=True,
                    )
        for key in ("code_field", "message_field"):
            self.path(["errors", key], errors.get(key))
        self.path(["rest", "envelope"], _m(self.data.get("rest")).get("envelope"))
        for i, check in enumerate(checks):
            base: PathT = ["errors", "in_body", i]
            for key in ("each", "code_field", "message_field"):
                self.path(base + [key], check.get(key))
            self.predicates(base + ["error_when"], check.get("error_when"))
            if (
                "code_field" not in check
                and "message_field" not in check
                and not ("code_field" in errors or "message_field" in errors)
            ):
                self.err(
                    base,
                    "a reply check needs a code_field or message_field (here or in errors) to say what went wrong",
                )

    def credentials(self) -> None:
        name = self.data.get("name")
        creds = _l(self.data.get("credentials"))
        seen: dict[str, int] = {}
        roles: dict[str, int] = {}
        for i, cred in enumerate(creds):
            cred = _m(cred)
            key = cred.get("key")
            if isinstance(key, str) and isinstance(name, str) and not key.startswith(name + "_"):
                self.err(
                    ["credentials", i, "key"],
                    f'config key "{key}" must start with "{name}_"',
                    "Hummingbot derives constructor arguments from key names",
                )
            if isinstance(key, str):
                if key in seen:
                    self.err(["credentials", i, "key"], f'duplicate config key "{key}" (also credentials[{seen[key]}])')
                seen.setdefault(key, i)
            role = cred.get("role")
            if isinstance(role, str) and role != "other":
                if role in roles:
                    self.err(["credentials", i, "role"], f"role {role} is already taken by credentials[{roles[role]}]")
                roles.setdefault(role, i)
        signed = any(_m(ep).get("auth") in ("signed", "key") for ep in self.endpoints.values())
        if signed or _m(self.data.get("ws")).get("private"):
            for role in ("api_key", "api_secret"):
                if role not in roles:
                    self.err(["credentials"], f"authenticated endpoints need a credential with role {role}")

    def polling(self) -> None:
        fills = _m(_m(self.data.get("polling")).get("fills"))
        if "endpoint" in fills and self.ref(
            ["polling", "fills", "endpoint"], fills["endpoint"], self.endpoints, "endpoint"
        ):
            ep = _m(self.endpoints[fills["endpoint"]])
            if "mapping" in ep:
                self.mapping_kind(["polling", "fills", "endpoint"], ep["mapping"], ("fill",), "fill polling")

    def hooks_check(self) -> None:
        for name, hook in self.hooks.items():
            at = _m(hook).get("at")
            if isinstance(at, str) and at in REFERENCED_HOOK_SITES and name not in self.hook_refs:
                self.err(
                    ["hooks", name],
                    f'hook "{name}" (at {at}) is declared but never referenced',
                    f"name it in {REFERENCED_HOOK_SITES[at]}, or remove it",
                    key=True,
                )
            if at == "exchange.user_stream_event" and not _m(self.data.get("ws")).get("private"):
                self.err(
                    ["hooks", name, "at"],
                    f'hook "{name}" (at {at}) would never run: the spec has no private websocket (ws.private)',
                    "remove the hook, or declare ws.private",
                )

    # -- capabilities ---------------------------------------------------------------------------------------------
    def present(self) -> dict[str, bool]:
        return {cap: bool(paths) for cap, paths in capability_sources(self.data).items()}

    def _unresolved(self, section: str) -> bool:
        """Whether a websocket section names a mapping that does not resolve to a usable kind (already reported)."""
        ws = _m(self.data.get("ws"))
        if section == "public":
            names = [_m(c).get("mapping") for c in _m(_m(ws.get("public")).get("channels")).values()]
            allowed: Sequence[str] = PUBLIC_CHANNEL_KINDS
        else:
            events = _m(_m(ws.get("private")).get("events")).values()
            names = [m for ev in events for m in (_l(_m(ev).get("mappings")) or [None])]
            allowed = PRIVATE_EVENT_KINDS
        return any(not isinstance(n, str) or _m(self.mappings.get(n)).get("kind") not in allowed for n in names)

    def requirements(self) -> None:
        waivers = _m(self.data.get("waivers"))
        present = self.present()
        for cap in required_capabilities(self.data):
            what, where, names = CAPABILITY_GAPS[cap]
            if present[cap]:
                if cap in waivers:
                    self.err(
                        ["waivers", cap], f"{cap} is waived but the spec provides it", "remove the waiver", key=True
                    )
                continue
            if cap in waivers:
                continue
            if cap.startswith("ws_") and self._unresolved(
                "public" if cap in ("ws_order_book", "ws_trades") else "private"
            ):
                continue
            hint = f"add it, or waive it with a reason under waivers.{cap}"
            for wanted in names:
                close = suggest(wanted, [n for n in self.endpoints if n not in ROLE_INPUTS])
                if close:
                    hint = f'endpoint "{close}" looks like "{wanted}": roles go by name, rename it; or waive {cap}'
                    break
            anchor = where if where and self._exists(where) else []
            self.err(anchor, f"missing capability {cap}: {what}", hint)
            self.gaps.append(self.out[-1])

    def package(self) -> None:
        """What hbgen generate needs for a spot (or perpetual: the spot package and more) package beyond the
        capabilities (a waiver is not enough), unless the spec says it is a partial example (``partial``)."""
        kind = self.data.get("type")
        if kind not in ("spot", "perpetual") or "partial" in self.data:
            return
        reported = {cap for cap, present in self.present().items() if not present} - set(_m(self.data.get("waivers")))
        for role in PACKAGE_ROLES:
            choices = ROLE_CHOICES[role]
            if _ROLE_CAPABILITY.get(role) in reported:
                continue  # reported as a missing capability already
            if not any(name in self.endpoints for name in choices):
                wanted = " or ".join(f"endpoints.{name}" for name in choices)
                anchor: PathT = ["endpoints"] if "endpoints" in self.data else []
                self.err(
                    anchor,
                    f"a {kind} package needs {wanted} (hbgen generate cannot do without it; a waiver is not enough)",
                    "add the endpoint, or mark the spec as a partial example with partial: <reason>",
                )
                self.gaps.append(self.out[-1])
        for section, what in PACKAGE_SECTIONS.items():
            if section not in self.data:
                self.err(
                    [],
                    f"a {kind} package needs the {section} section ({what})",
                    "add it, or mark the spec as a partial example with partial: <reason>",
                )
                self.gaps.append(self.out[-1])

    def _exists(self, path: Sequence[str | int]) -> bool:
        node: Any = self.data
        for part in path:
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True


def missing_capability_diagnostics(doc: LoadedDocument) -> list[Diagnostic]:
    """The part of :func:`semantic_diagnostics` that reports required capabilities neither present nor waived, and
    the endpoints and sections a spot package needs (doctor's package rows)."""
    if not isinstance(doc.data, dict):
        return []
    checker = _Checker(doc)
    checker.requirements()
    checker.package()
    return checker.gaps


def semantic_diagnostics(doc: LoadedDocument) -> list[Diagnostic]:
    """Every semantic problem of a loaded document (the document may also have schema errors)."""
    if not isinstance(doc.data, dict):
        return []
    return _Checker(doc).run()


def example_value_problem(value: Any, value_type: str) -> str | None:
    """What an ``example_parsed`` value of a field of type ``value_type`` should be, when it is not (else None).

    The generated tests write each value as a literal of the field's type (:func:`hbgen.codegen.target_literal`), so
    a value that literal cannot be made of is caught here, at its place in the spec, not as a crash in generation.
    """
    if value is None:
        return None
    numeric = isinstance(value, int | float | str) and not isinstance(value, bool)
    if value_type == "decimal":
        try:
            ok = numeric and Decimal(str(value)).is_finite()
        except ArithmeticError:
            ok = False
        return None if ok else "a finite decimal number"
    if value_type in ("int", "timestamp"):
        try:
            ok = numeric and math.isfinite(float(value)) and (value_type == "timestamp" or _is_integral(value))
        except (ValueError, OverflowError):
            ok = False
        return None if ok else ("an integer" if value_type == "int" else "a number of seconds")
    if value_type == "order_state":
        return None if value in ORDER_STATES else f"an OrderState name ({', '.join(ORDER_STATES)})"
    if value_type == "trade_side":
        return None if value in ("BUY", "SELL") else "BUY or SELL"
    if value_type == "bool":
        return None if isinstance(value, bool) or str(value).lower() in ("true", "false") else "true or false"
    return None


def _is_integral(value: int | float | str) -> bool:
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    return bool(re.fullmatch(r"[+-]?\d+", value.strip()))

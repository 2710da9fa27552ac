"""Semantic checks of authentication: signing recipes and their parts, test vectors, and the credentials the
recipes use."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from hbgen.spec.checker import CheckerBase, PathT, _l, _m
from hbgen.spec.model_auth import default_recipe_name


class AuthChecks(CheckerBase):
    """The checks of ``auth`` and ``credentials``."""

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

"""Semantic checks of the REST facts: the exchange's identity (domains, trading rules, server time), rate limits,
endpoints (limit ids, recipes, mappings, paths, examples), order placement, order states, error rules and polling."""

from __future__ import annotations

from hbgen.spec.checker import _PLACEHOLDER, CheckerBase, PathT, _l, _m, _s
from hbgen.spec.errors import did_you_mean
from hbgen.spec.model_auth import default_recipe_name
from hbgen.spec.vocabulary import (
    ALL_INPUTS,
    KIND_FIELDS,
    ORDER_STATES,
    PERPETUAL_ROLES,
    PLACEHOLDERS,
    ROLE_INPUTS,
    ROLE_MAPPING_KINDS,
    ROLE_REQUIRED_FIELDS,
    ROLES_NEEDING_MAPPING,
)


class RestChecks(CheckerBase):
    """The checks of the REST sections."""

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
            if role in PERPETUAL_ROLES and self.data.get("type") == "spot":
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
        if not states:
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

    def polling(self) -> None:
        fills = _m(_m(self.data.get("polling")).get("fills"))
        if "endpoint" in fills and self.ref(
            ["polling", "fills", "endpoint"], fills["endpoint"], self.endpoints, "endpoint"
        ):
            ep = _m(self.endpoints[fills["endpoint"]])
            if "mapping" in ep:
                self.mapping_kind(["polling", "fills", "endpoint"], ep["mapping"], ("fill",), "fill polling")

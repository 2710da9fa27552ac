"""Semantic checks of the websocket facts and the order book: URLs, public channels and their subscriptions,
routing, heartbeats, the private stream's login (its style's placeholders, signed messages, tokens) and events,
and the order book's snapshot, diffs and integrity policy."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from hbgen.spec.checker import _PLACEHOLDER, CheckerBase, PathT, _l, _m, _s
from hbgen.spec.errors import did_you_mean
from hbgen.spec.vocabulary import (
    LOGIN_MESSAGE_PLACEHOLDERS_BY_STYLE,
    LOGIN_STYLE_KEYS,
    PLACEHOLDERS,
    PRIVATE_EVENT_KINDS,
    PUBLIC_CHANNEL_KINDS,
    URL_PLACEHOLDERS_BY_STYLE,
)


class WebsocketChecks(CheckerBase):
    """The checks of ``ws`` and ``order_book``."""

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

"""Which Hummingbot capabilities a spec provides, and the check that every required one is present or waived.

:data:`CAPABILITY_GAPS` says why each capability counts as absent; :func:`required_capabilities` and
:func:`capability_sources` are shared with ``hbgen doctor``, so its checklist and ``hbgen validate`` cannot disagree.
:class:`CapabilityChecks` reports the missing capabilities and the sections ``generate`` needs (``package``).
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType
from typing import Any, Final

from hbgen.spec.checker import CheckerBase, PathT, _l, _m
from hbgen.spec.errors import suggest
from hbgen.spec.vocabulary import (
    CAPABILITIES,
    PACKAGE_ROLES,
    PACKAGE_SECTIONS,
    PERPETUAL_CAPABILITIES,
    PRIVATE_EVENT_KINDS,
    PUBLIC_CHANNEL_KINDS,
    ROLE_CHOICES,
    ROLE_INPUTS,
)

#: Why each capability counts as absent, where its diagnostic points, and the endpoint names that would provide it.
CAPABILITY_GAPS: Final = MappingProxyType(
    {
        "rest_trading_rules": ('no "trading_rules" endpoint', ["endpoints"], ("trading_rules",)),
        "rest_server_status": ('no "ping" or "server_time" endpoint', ["endpoints"], ("ping", "server_time")),
        "rest_order_status": (
            'no "order_status" endpoint (open_orders alone cannot tell how an order that left the list ended)',
            ["endpoints"],
            ("order_status",),
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
        "rest_order_status": endpoints("order_status"),
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
        "status": "rest_order_status",
        "create": "rest_create_order",
        "cancel": "rest_cancel_order",
        "balances": "rest_balances",
        "rules": "rest_trading_rules",
    }
)


class CapabilityChecks(CheckerBase):
    """The capability and package checks."""

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
        if kind in ("spot", "perpetual"):
            self._balance_flag()
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

    def _balance_flag(self) -> None:
        """``real_time_balance_updates: true`` needs a private event that maps balances: otherwise the connector
        trusts a stream that never carries them (doctor's private balances row says the same)."""
        if self.data.get("real_time_balance_updates") is not True:
            return
        private = _m(_m(self.data.get("ws")).get("private"))
        if not private:
            return  # no private socket: the flag does not apply and balances are polled (doctor says so)
        events = _m(private.get("events")).values()
        kinds = {_m(self.mappings.get(m)).get("kind") for ev in events for m in _l(_m(ev).get("mappings"))}
        if "balance" in kinds:
            return
        self.err(
            ["real_time_balance_updates"],
            "real_time_balance_updates is true but no private event has a balance mapping: nothing would update "
            "balances between polls",
            "add a private event with a balance mapping, or set real_time_balance_updates: false",
        )
        self.gaps.append(self.out[-1])

    def _exists(self, path: Sequence[str | int]) -> bool:
        node: Any = self.data
        for part in path:
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

"""Semantic checks: what a JSON Schema cannot say.

References resolve (limit ids, recipes, mappings, endpoints, channels, hooks, websocket URL names), mapping kinds
suit their use, field paths and templates parse, the integrity policy has the fields it needs, credentials match
the recipes, and every Hummingbot capability is present or explicitly waived. The checks run on the raw document
even when the schema found problems, so one run reports everything; every accessor tolerates wrong types (the
schema reports those) so that no malformed spec can raise here.
"""

from __future__ import annotations

import keyword
from typing import Any

from hbgen.spec.auth_checks import AuthChecks
from hbgen.spec.capabilities import CapabilityChecks
from hbgen.spec.checker import PathT, _m
from hbgen.spec.errors import Diagnostic
from hbgen.spec.loader import LoadedDocument
from hbgen.spec.mapping_checks import MappingChecks
from hbgen.spec.perpetual_checks import perpetual_checks
from hbgen.spec.rest_checks import RestChecks
from hbgen.spec.vocabulary import REFERENCED_HOOK_SITES
from hbgen.spec.ws_checks import WebsocketChecks

__all__ = ["missing_capability_diagnostics", "semantic_diagnostics"]


class _Checker(RestChecks, AuthChecks, MappingChecks, WebsocketChecks, CapabilityChecks):
    """Every semantic check of a spot or perpetual document; :meth:`run` runs them all and returns the diagnostics."""

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


def missing_capability_diagnostics(doc: LoadedDocument) -> list[Diagnostic]:
    """The part of :func:`semantic_diagnostics` that reports required capabilities neither present nor waived, and
    the endpoints and sections a spot package needs (doctor's package rows). A gateway document has none here: its
    requirements are :mod:`hbgen.spec.gateway`'s."""
    if not isinstance(doc.data, dict) or doc.data.get("type") == "gateway":
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

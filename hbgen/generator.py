"""Plan, render and write a connector package: the stages after the spec has become a model.

``plan`` lists the files a connector type produces (one template per output file kind, as in hbgen's
architecture); ``render`` fills them from the model, prefixes the generated-file header, and formats the Python with
the pinned ruff; ``generate`` hands the result to :mod:`hbgen.writer`, which compares it with the manifest and
writes atomically.

The hand-owned scaffold (hook module, hook tests, NOTES.md, Copier's answers file) is rendered by Copier from the
template in ``templates/scaffold`` (:mod:`hbgen.scaffold`), only when one of its files is missing, and goes through the
same writer, which creates missing hand-owned files and never overwrites one.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import posixpath
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2

from hbgen import __version__
from hbgen.codegen.literals import each_literal, path_literal, predicate_literals
from hbgen.codegen.messages import placeholders_in
from hbgen.formatting import FormattingError, format_python
from hbgen.render import RenderError, make_environment
from hbgen.resources import templates_dir
from hbgen.scaffold import ANSWERS_FILE, ScaffoldError, answers_after_creation, render_scaffold
from hbgen.spec.vocabulary import PACKAGE_ROLES, PERPETUAL_ROLES, ROLE_CHOICES
from hbgen.writer import Manifest, RenderedFile, WriteReport, atomic_write, sha256_text, write_package

#: Every Jinja template, found through the hbgen package (see :mod:`hbgen.resources`), never the working directory.
TEMPLATE_DIR = templates_dir()


@dataclass(frozen=True)
class PlannedFile:
    """One output file: which template renders it, where it goes, and who owns it afterwards."""

    template: str
    path: str
    hand_owned: bool = False
    context: Mapping[str, Any] = field(default_factory=dict)


# One row per output file kind of a spot connector. ``{name}`` is the connector name.
SPOT_FILES: tuple[tuple[str, str], ...] = (
    ("spot/__init__.py.j2", "__init__.py"),
    ("spot/constants.py.j2", "{name}_constants.py"),
    ("spot/web_utils.py.j2", "{name}_web_utils.py"),
    ("spot/auth.py.j2", "{name}_auth.py"),
    ("spot/utils.py.j2", "{name}_utils.py"),
    ("spot/parsers.py.j2", "{name}_parsers.py"),
    ("spot/order_book.py.j2", "{name}_order_book.py"),
    ("spot/api_order_book_data_source.py.j2", "{name}_api_order_book_data_source.py"),
    ("spot/api_user_stream_data_source.py.j2", "{name}_api_user_stream_data_source.py"),
    ("spot/exchange.py.j2", "{name}_exchange.py"),
    ("spot/README.md.j2", "README.md"),
    ("spot/tests/__init__.py.j2", "tests/__init__.py"),
    ("spot/tests/examples.py.j2", "tests/examples.py"),
    ("spot/tests/test_exchange.py.j2", "tests/test_{name}_exchange.py"),
    ("spot/tests/test_auth.py.j2", "tests/test_{name}_auth.py"),
    ("spot/tests/test_parsers.py.j2", "tests/test_{name}_parsers.py"),
    ("spot/tests/test_order_book.py.j2", "tests/test_{name}_order_book.py"),
    ("spot/tests/test_api_order_book_data_source.py.j2", "tests/test_{name}_api_order_book_data_source.py"),
    ("spot/tests/test_api_user_stream_data_source.py.j2", "tests/test_{name}_api_user_stream_data_source.py"),
    ("spot/tests/test_utils.py.j2", "tests/test_{name}_utils.py"),
    ("spot/tests/test_web_utils.py.j2", "tests/test_{name}_web_utils.py"),
)


#: A perpetual package: the spot files, with the constants, the market-data source, the connector and their tests
#: from templates/perpetual/ that extend the spot ones (Jinja ``extends``); the connector module is
#: ``<name>_derivative.py`` (Hummingbot's name for a derivative connector).
PERPETUAL_FILES: tuple[tuple[str, str], ...] = tuple(
    {
        "spot/constants.py.j2": ("perpetual/constants.py.j2", "{name}_constants.py"),
        "spot/api_order_book_data_source.py.j2": (
            "perpetual/api_order_book_data_source.py.j2",
            "{name}_api_order_book_data_source.py",
        ),
        "spot/exchange.py.j2": ("perpetual/derivative.py.j2", "{name}_derivative.py"),
        "spot/tests/test_exchange.py.j2": ("perpetual/tests/test_derivative.py.j2", "tests/test_{name}_derivative.py"),
        "spot/tests/test_api_order_book_data_source.py.j2": (
            "perpetual/tests/test_api_order_book_data_source.py.j2",
            "tests/test_{name}_api_order_book_data_source.py",
        ),
    }.get(template, (template, path))
    for template, path in SPOT_FILES
)


def _has_private_ws(model: Any) -> bool:
    return model.ws.private is not None


#: Rows a spec produces only when it meets a condition, by template: the user stream needs a private websocket
#: (without one the connector polls over REST, and a regeneration removes the files as stale).
ONLY_WHEN: Mapping[str, Callable[[Any], bool]] = {
    "spot/api_user_stream_data_source.py.j2": _has_private_ws,
    "spot/tests/test_api_user_stream_data_source.py.j2": _has_private_ws,
}

# The hand-owned scaffold, rendered by Copier (templates/scaffold: copier.yml, package/): created once when missing,
# then owned by the connector's author. The hook module and its tests exist once the spec names hooks; NOTES.md and
# Copier's answers file in every package that has a scaffold (the spec names hooks, or `hbgen new-connector` made it).
HOOK_FILES: tuple[str, ...] = ("{name}_hooks.py", "tests/test_{name}_hooks.py")
SCAFFOLD_FILES: tuple[str, ...] = ("NOTES.md", ANSWERS_FILE)
SCAFFOLD_TEMPLATE = "copier.yml"

# One row per output file kind of a gateway (DEX) connector.
GATEWAY_FILES: tuple[tuple[str, str], ...] = (
    ("gateway/__init__.py.j2", "__init__.py"),
    ("gateway/constants.py.j2", "{name}_constants.py"),
    ("gateway/utils.py.j2", "{name}_utils.py"),
    ("gateway/gateway.py.j2", "{name}_gateway.py"),
    ("gateway/README.md.j2", "README.md"),
    ("gateway/tests/__init__.py.j2", "tests/__init__.py"),
    ("gateway/tests/examples.py.j2", "tests/examples.py"),
    ("gateway/tests/test_gateway.py.j2", "tests/test_{name}_gateway.py"),
    ("gateway/tests/test_utils.py.j2", "tests/test_{name}_utils.py"),
)

FILES_BY_TYPE: Mapping[str, tuple[tuple[str, str], ...]] = {
    "spot": SPOT_FILES,
    "perpetual": PERPETUAL_FILES,
    "gateway": GATEWAY_FILES,
}


class GenerationError(Exception):
    """Rendering or formatting failed; nothing was written."""


def scaffold_paths(model: Any, scaffold: bool) -> list[str]:
    """The scaffold files of ``model``'s package: none without a scaffold, else NOTES.md and the answers file, and
    the hook module and its tests when the spec names hooks (the scaffold template renders exactly these)."""
    if not scaffold:
        return []
    rows = (HOOK_FILES if getattr(model, "hooks", None) else ()) + SCAFFOLD_FILES
    return [path.format(name=model.name) for path in rows]


def plan(model: Any, *, scaffold: bool = False) -> list[PlannedFile]:
    """The files a connector of ``model.type`` produces, in a stable order: the generated files (a row of
    ``ONLY_WHEN`` only when its condition holds), then (with ``scaffold``) the hand-owned scaffold files, which
    Copier renders from ``copier.yml``."""
    try:
        rows = FILES_BY_TYPE[model.type]
    except KeyError as exc:
        known = ", ".join(sorted(FILES_BY_TYPE))
        raise GenerationError(f"connector type {model.type!r} has no templates yet (available: {known})") from exc
    files = [
        PlannedFile(template, path.format(name=model.name))
        for template, path in rows
        if template not in ONLY_WHEN or ONLY_WHEN[template](model)
    ]
    files.extend(PlannedFile(SCAFFOLD_TEMPLATE, path, hand_owned=True) for path in scaffold_paths(model, scaffold))
    return files


# --------------------------------------------------------------------------------------------------------------
# Context shared by the spot templates: endpoint roles and the test-fixture data derived from the spec's examples.


def _writer(model: Any, expr: Any) -> tuple[Any, ...] | None:
    if expr.op == "value":
        return None
    if expr.operands:
        # Nested expressions are computed, not read from one place: the payload builder cannot write them back.
        raise RenderError(f"field {expr.name!r}: a nested expression cannot be written back by the payload builder")
    if expr.op == "cases":
        # Each value the field can take -> the predicates that give it and those of the earlier cases, which must
        # not hold (hbrt.testing.payloads writes them).
        plans: dict[str, Any] = {}
        earlier: list[Any] = []
        for preds, value in expr.cases:
            plans.setdefault(str(value), (predicate_literals(preds), tuple(earlier)))
            earlier.append(predicate_literals(preds))
        plans.setdefault(str(expr.default), ((), tuple(earlier)))
        return ("cases", (), None, plans)
    inverse: dict[str, str] | None = None
    value_type = expr.value_type
    if expr.map is not None:
        inverse = {}
        for raw, mapped in expr.map:
            inverse.setdefault(str(mapped), raw)
    elif value_type == "order_state":
        inverse = {}
        for wire, state in model.order_states.items():
            inverse.setdefault(state, wire)
        value_type = "str"
    elif value_type == "trade_side":
        inverse = dict(model.orders.sides) if model.orders else {"BUY": "BUY", "SELL": "SELL"}
        value_type = "str"
    return (expr.op, tuple(path_literal(p) for p in expr.paths), value_type, inverse)


def spot_context(model: Any) -> dict[str, Any]:
    """Derived facts the exchange, user-stream and test templates share (computed once per rendering).

    The example payloads themselves are not here: ``tests/examples.py`` renders them from the spec, once.
    """
    if model.partial is not None:
        raise GenerationError(
            f"{model.name} is a partial example (partial: {model.partial}): it validates, but it does not describe a "
            "whole connector, so hbgen generate makes no package of it; start a real spec with hbgen new-connector"
        )
    roles = {role: next((n for n in names if n in model.endpoints), None) for role, names in ROLE_CHOICES.items()}
    roles["symbols"] = model.symbols.endpoint if model.symbols else roles["rules"]
    roles["server_time"] = model.time_sync_endpoint
    missing = [role for role in PACKAGE_ROLES if not roles[role]]
    if missing or model.symbols is None or model.orders is None:
        wanted = ", ".join(" or ".join(ROLE_CHOICES[role]) for role in missing) or "symbols and orders sections"
        raise GenerationError(
            f"a spot connector package needs these endpoints, which the spec waives or lacks: {wanted}"
        )
    writers = {}
    for name, mapping in model.mappings.items():
        try:
            fields = {f: w for f, expr in mapping.fields.items() if (w := _writer(model, expr)) is not None}
            each = each_literal(mapping.each, mapping.keyed) if mapping.each is not None else None
        except RenderError:
            continue  # this mapping cannot be written back; tests that need it are skipped by the template
        writers[name] = (each, fields, predicate_literals(mapping.filter))
    kinds = {name: m.kind for name, m in model.mappings.items()}
    private = model.ws.private
    events: dict[str, Any] = {"order": None, "fill": None, "balance": None}
    if private is not None:
        for event in private.events.values():
            for mapping in event.mappings:
                role = {"order_update": "order", "fill": "fill", "balance": "balance"}.get(kinds.get(mapping, ""))
                if role and events[role] is None and mapping in writers:
                    events[role] = (event.name, mapping)
    private_messages = {
        "login": json.loads(private.login.message_json) if private and private.login.message_json else None,
        "subscribe": private.subscribe.message if private and private.subscribe else None,
    }
    # A login that carries signed values is signed with the server clock: the connector hands its clock to the
    # user stream data source (to sample before signing, and reset when the exchange refuses the timestamp).
    # Subscriptions may carry signed values too (each is signed afresh when it is sent).
    signed_messages = [private_messages["login"]]
    if private is not None:
        signed_messages.append(private.subscribe.message if private.subscribe else None)
        signed_messages += [event.subscribe.message for event in private.events.values() if event.subscribe]
    login_signed = bool(
        private
        and private.login.style != "hook"
        and any(m is not None and placeholders_in(m) & set(SIGNED_LOGIN_PLACEHOLDERS) for m in signed_messages)
    )
    login = private.login if private else None
    login_error_paths = {
        "code": path_literal(login.error_code) if login and login.error_code else None,
        "message": path_literal(login.error_message) if login and login.error_message else None,
    }
    errors = model.errors
    error_paths: dict[str, Any] = {
        "code": path_literal(errors.code_field) if errors.code_field else ("code",),
        "message": path_literal(errors.message_field) if errors.message_field else ("msg",),
    }
    reply_checks: tuple[Any, ...] = ()
    if errors.in_body:
        # Generated error replies fail the last reply check (usually the top-level one) with the rule's code.
        last = errors.in_body[-1]
        prefix = (*path_literal(last.each), 0) if last.each is not None else ()
        error_paths = {
            "code": (*prefix, *path_literal(last.code_field)) if last.code_field else None,
            "message": (*prefix, *path_literal(last.message_field)) if last.message_field else None,
            "failure": predicate_literals(last.error_when),
            "failure_prefix": prefix,
        }
        reply_checks = tuple(predicate_literals(check.error_when) for check in errors.in_body if check.each is None)
    envelopes = {name: path_literal(ep.envelope) for name, ep in model.endpoints.items() if ep.envelope is not None}
    hooked = {name: m.kind for name, m in model.mappings.items() if m.hook is not None}
    predicates = {
        "login_success": predicate_literals(private.login.success) if private else (),
        "ignore": predicate_literals(private.ignore) if private else (),
        "terminated": predicate_literals(private.terminated) if private else (),
        "ready": predicate_literals(private.ready) if private else (),
        "public_ready": predicate_literals(model.ws.public.ready) if model.ws.public else (),
    }
    # Whether the fills the connector sees report their fee; when they do not, it estimates the fee from the spec.
    fill_mappings = [events["fill"][1]] if events["fill"] else []
    if roles["fills"]:
        fill_mappings.append(model.endpoints[roles["fills"]].mapping)
    # A fill stating the amount alone has its fee in the asset spec fees.fill_fee_asset names, when it names one.
    fee_fields = {"fee_amount"} if model.fees is not None and model.fees.fill_fee_asset else {"fee_amount", "fee_asset"}

    def reports_fees(name: str | None) -> bool:
        return not name or fee_fields <= set(model.mappings[name].fields)

    fills_report_fees = all(reports_fees(name) for name in fill_mappings)
    # REST fills and user-stream fills may differ (KuCoin's order pushes carry no fee; its fills endpoint does).
    fee_sources = {
        "rest": reports_fees(model.endpoints[roles["fills"]].mapping if roles["fills"] else None),
        "stream": reports_fees(events["fill"][1] if events["fill"] else None),
    }
    return {
        "predicates": predicates,
        "error_paths": error_paths,
        "reply_checks": reply_checks,
        "envelopes": envelopes,
        "hooked": hooked,
        "roles": roles,
        "writers": writers,
        "events": events,
        "private_messages": private_messages,
        "login_signed": login_signed,
        "login_error_paths": login_error_paths,
        "fills_report_fees": fills_report_fees,
        "fills_report_fees_by_source": fee_sources,
        "fill_apart": _fill_apart(events, writers),
        "status_states": _states_read(model, model.endpoints[roles["status"]].mapping if roles["status"] else None),
    }


def perpetual_context(model: Any) -> dict[str, Any]:
    """The spot context plus the perpetual roles, the funding channel and the position and margin-call events."""
    if model.perpetual is None:
        raise GenerationError("a perpetual connector package needs a perpetual section")
    context = spot_context(model)
    roles = context["roles"]
    # A perpetual fill's fee without an asset is in the order's collateral token: the fee amount is enough.
    fill_mappings = [context["events"]["fill"][1]] if context["events"]["fill"] else []
    if roles["fills"]:
        fill_mappings.append(model.endpoints[roles["fills"]].mapping)
    context["fills_report_fees"] = all("fee_amount" in model.mappings[name].fields for name in fill_mappings if name)
    for role in PERPETUAL_ROLES:
        roles[role] = role if role in model.endpoints else None
    if roles["funding_info"] is None:
        raise GenerationError(
            "a perpetual connector package needs a funding_info endpoint: funding information comes from it at start"
        )
    kinds = {name: m.kind for name, m in model.mappings.items()}
    public = model.ws.public
    private = model.ws.private
    context["funding_channel"] = next(
        (ch for ch in (public.channels.values() if public else ()) if kinds.get(ch.mapping) == "funding_info"), None
    )
    context["public_envelope"] = path_literal(public.envelope) if public and public.envelope else None
    context["success_predicates"] = {role: predicate_literals(preds) for role, preds in model.perpetual.success.items()}
    # How the generated tests write a one-way position: side BOTH where the position mapping can say it, and an
    # unsigned amount with a direction where the exchange reports sizes that way.
    position_mappings = [model.mappings[model.endpoints[r].mapping] for r in ("positions",) if r in model.endpoints]
    position_mappings += [model.mappings[m] for e in (private.events.values() if private else ()) for m in e.mappings]
    positions = [m for m in position_mappings if m.kind == "position"]
    sides = [m.fields.get("position_side") for m in positions]
    context["position_side_both"] = all(
        side is None or side.map is None or "BOTH" in {str(v) for _, v in side.map} for side in sides
    )
    context["unsigned_positions"] = any("direction" in m.fields for m in positions)
    events = context["events"]
    events.update({"position": None, "margin_call": None})
    for event in private.events.values() if private else ():
        for mapping in event.mappings:
            kind = kinds.get(mapping, "")
            if kind in ("position", "margin_call") and events[kind] is None and mapping in context["writers"]:
                events[kind] = (event.name, mapping)
    return context


#: Login message placeholders whose values come from signing (the other ones are ids, uuids, tokens).
SIGNED_LOGIN_PLACEHOLDERS = ("signed_params", "api_key", "timestamp", "signature", "passphrase")


def _fill_apart(events: Mapping[str, Any], writers: Mapping[str, Any]) -> bool:
    """Whether the user stream's fills and its order states, read from one event, come in separate messages: the
    fill's filter tests a field the order's state is read from (KuCoin: type match is a fill, type filled the final
    state), so one message cannot carry both a fill and the final state."""
    order, fill = events.get("order"), events.get("fill")
    if not order or not fill or order[0] != fill[0] or order[1] not in writers or fill[1] not in writers:
        return False
    filter_paths = {predicate[0] for predicate in writers[fill[1]][2]}
    state = writers[order[1]][1].get("state")
    if state is None:
        return False
    op, paths, _, plans = state
    read = set(paths)
    if op == "cases":
        read |= {p[0] for wanted, earlier in plans.values() for preds in (wanted, *earlier) for p in preds}
    return bool(filter_paths & read)


def _states_read(model: Any, mapping_name: str | None) -> frozenset[str]:
    """The OrderState names a mapping's ``state`` field can give (a map's results, a case's values, or every state
    of the spec's order_states table)."""
    mapping = model.mappings.get(mapping_name) if mapping_name else None
    expr = mapping.fields.get("state") if mapping is not None else None
    if expr is None:
        return frozenset()
    if expr.op == "cases":
        return frozenset(str(value) for _, value in expr.cases) | {str(expr.default)}
    if expr.op == "value":
        return frozenset({str(expr.constant)})
    if expr.map is not None:
        return frozenset(str(value) for _, value in expr.map)
    return frozenset(model.order_states.values())


def spec_display_path(spec_path: Path) -> str:
    """How the header names the spec: ``specs/<file>`` for specs in a ``specs`` folder, else the file name.

    Never an absolute path, so output does not depend on where the repository is checked out.
    """
    if spec_path.parent.name == "specs":
        return str(PurePosixPath("specs", spec_path.name))
    return spec_path.name


def header_line(path: str, spec_display: str, name: str, hand_owned: bool, hooks: bool = True) -> str:
    """The first line of every file: generated or hand-owned, and from what. ``hooks`` False (a connector type
    without hooks, such as gateway) leaves the hook module out of what to change instead."""
    if hand_owned:
        text = f"Created once by hbgen from {spec_display}; hand-owned: hbgen never overwrites this file."
    else:
        instead = f"the spec or {name}_hooks.py" if hooks else "the spec"
        text = f"Generated by hbgen from {spec_display}. Do not edit: change {instead}."
    if path.endswith(".md"):
        return f"<!-- {text} -->\n"
    return f"# {text}\n"


#: Template folders that never shape generated files, so they stay out of :func:`templates_sha256`: the Copier
#: scaffold only creates hand-owned files, and a change to it must not mark every package's generated files stale.
UNHASHED_TEMPLATE_DIRS: tuple[str, ...] = ("scaffold",)


def templates_sha256(template_dir: Path = TEMPLATE_DIR) -> str:
    """A hash over every generating template's relative path and bytes, recorded in the manifest."""
    digest = hashlib.sha256()
    for path in sorted(p for p in template_dir.rglob("*") if p.is_file()):
        if path.relative_to(template_dir).parts[0] in UNHASHED_TEMPLATE_DIRS:
            continue
        digest.update(path.relative_to(template_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def shared_context(model: Any) -> dict[str, Any]:
    """What every template of the model's type reads as ``ctx`` (nothing for a gateway connector)."""
    if model.type == "spot":
        return spot_context(model)
    if model.type == "perpetual":
        return perpetual_context(model)
    return {}


def render(
    model: Any,
    spec_path: Path,
    template_dir: Path = TEMPLATE_DIR,
    *,
    scaffold: bool = False,
    scaffold_root: Path | None = None,
) -> list[RenderedFile]:
    """Render, header and format every planned file; with ``scaffold``, the scaffold files too (through Copier,
    which is imported only then). Raises :class:`GenerationError` on any failure."""
    env = make_environment(template_dir)
    display = spec_display_path(spec_path)
    texts: dict[str, str] = {}
    owners: dict[str, bool] = {}
    shared = shared_context(model)
    planned_files = plan(model, scaffold=scaffold)
    scaffold_files: list[RenderedFile] = []
    if any(p.template == SCAFFOLD_TEMPLATE for p in planned_files):
        try:
            scaffold_files = render_scaffold(model, display, scaffold_root)
        except ScaffoldError as exc:
            raise GenerationError(str(exc)) from exc
        wanted = sorted(p.path for p in planned_files if p.template == SCAFFOLD_TEMPLATE)
        if sorted(f.path for f in scaffold_files) != wanted:
            got = ", ".join(sorted(f.path for f in scaffold_files))
            raise GenerationError(f"the scaffold template rendered {got}; expected {', '.join(wanted)}")
    for planned in planned_files:
        if planned.template == SCAFFOLD_TEMPLATE:
            continue
        try:
            body = env.get_template(planned.template).render(spec=model, ctx=shared, **planned.context)
        except (RenderError, jinja2.TemplateError) as exc:
            raise GenerationError(f"{planned.template}: {exc}") from exc
        texts[planned.path] = (
            header_line(planned.path, display, model.name, planned.hand_owned, getattr(model, "ACCEPTS_HOOKS", True))
            + body
        )
        owners[planned.path] = planned.hand_owned
    try:
        formatted = format_python(texts, first_party=model.name)
    except FormattingError as exc:
        raise GenerationError(f"generated code for {model.name} does not parse (template bug):\n{exc}") from exc
    return [RenderedFile(path, formatted[path], owners[path]) for path in texts] + scaffold_files


def fragment_hashes(model: Any, spec_path: Path) -> dict[str, str]:
    """The shared fragments ``model`` was composed with, named as the manifest records them (next to the spec's
    display path: ``specs/shared/x.yaml``), with their sha256."""
    folder = posixpath.dirname(spec_display_path(spec_path))
    return {posixpath.normpath(posixpath.join(folder, rel)): sha for rel, sha in getattr(model, "fragments", ())}


def build_manifest(model: Any, spec_path: Path, spec_text: str, files: Sequence[RenderedFile]) -> Manifest:
    return Manifest(
        connector=model.name,
        spec=spec_display_path(spec_path),
        spec_sha256=sha256_text(spec_text),
        hbgen_version=__version__,
        templates_sha256=templates_sha256(),
        files={f.path: sha256_text(f.content) for f in files if not f.hand_owned},
        hand_owned=tuple(f.path for f in files if f.hand_owned),
        fragments=fragment_hashes(model, spec_path),
    )


def stale_inputs(manifest: Manifest, model: Any, spec_path: Path, spec_text: str, templates: str) -> list[str]:
    """What changed since ``manifest`` was written, in words (empty when the package is up to date): the spec,
    each shared fragment it includes, the templates, hbgen itself."""
    reasons = []
    if manifest.spec_sha256 != sha256_text(spec_text):
        reasons.append(f"{spec_display_path(spec_path)} changed")
    now = fragment_hashes(model, spec_path)
    for name in sorted(set(now) | set(manifest.fragments)):
        if name not in manifest.fragments:
            reasons.append(f"{name} newly included")
        elif name not in now:
            reasons.append(f"{name} no longer included")
        elif now[name] != manifest.fragments[name]:
            reasons.append(f"shared fragment {name} changed")
    if manifest.templates_sha256 != templates:
        reasons.append("templates changed")
    if manifest.hbgen_version != __version__:
        reasons.append(f"hbgen {manifest.hbgen_version} -> {__version__}")
    return reasons


def committed_text(path: Path) -> str | None:
    """``path`` as committed at git ``HEAD``, or None (not in a git work tree, not committed, git missing)."""
    try:
        proc = subprocess.run(
            ["git", "show", f"HEAD:./{path.name}"],
            cwd=path.parent,
            capture_output=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    try:
        return proc.stdout.decode("utf-8")
    except UnicodeDecodeError:
        return None


def generate(
    model: Any,
    spec_path: Path,
    spec_text: str,
    package_dir: Path,
    *,
    force: bool = False,
    dry_run: bool = False,
    scaffold: bool | None = None,
    scaffold_root: Path | None = None,
) -> WriteReport:
    """Render ``model`` and bring ``package_dir`` in line with it (see :func:`hbgen.writer.write_package`).

    ``scaffold``: whether the package has the hand-owned scaffold. None (the default) means: when the spec names
    hooks, or when the package already has Copier's answers file (``hbgen new-connector`` creates it). Copier
    runs only when a scaffold file is missing; existing ones are never touched, except that the answers file is
    refreshed when hbgen creates scaffold files next to it and the refreshed record stays true for every file
    (see :func:`hbgen.scaffold.answers_after_creation`).
    """
    if scaffold is None:
        scaffold = bool(model.hooks) or (package_dir / ANSWERS_FILE).is_file()
    wanted = scaffold_paths(model, scaffold)
    missing = [rel for rel in wanted if not (package_dir / rel).exists()]
    files = render(model, spec_path, scaffold=bool(missing), scaffold_root=scaffold_root)
    manifest = dataclasses.replace(build_manifest(model, spec_path, spec_text, files), hand_owned=tuple(wanted))
    rendered = {f.path: f.content for f in files}
    old = Manifest.read(package_dir)
    same_inputs = old is not None and (
        old.spec_sha256,
        dict(old.fragments),
        old.templates_sha256,
        old.hbgen_version,
    ) == (
        manifest.spec_sha256,
        dict(manifest.fragments),
        manifest.templates_sha256,
        manifest.hbgen_version,
    )

    def pristine(rel: str) -> str | None:
        # With the same spec, templates and hbgen, the new rendering is exactly what was written before, so the
        # difference from the file on disk is precisely the hand edit. When the spec changed too, the committed
        # copy is what hbgen wrote last, provided its hash is the one the manifest recorded.
        if same_inputs:
            return rendered.get(rel)
        return committed_text(package_dir / rel)

    report = write_package(package_dir, files, manifest, force=force, dry_run=dry_run, pristine=pristine)
    if missing:
        scaffold_texts = {f.path: f.content for f in files if f.hand_owned}
        text, notes = answers_after_creation(
            model, spec_display_path(spec_path), package_dir, scaffold_texts, missing, scaffold_root
        )
        report.notes.extend(notes)
        if text is not None:
            current = (package_dir / ANSWERS_FILE).read_text(encoding="utf-8", errors="replace")
            report.updated.append(ANSWERS_FILE)
            report.diff += "".join(
                difflib.unified_diff(
                    current.splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    fromfile=f"a/{ANSWERS_FILE}",
                    tofile=f"b/{ANSWERS_FILE}",
                )
            )
            if not dry_run:
                atomic_write(package_dir / ANSWERS_FILE, text)
    return report

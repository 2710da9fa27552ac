"""``hbgen doctor``: the exchange API requirements of a Hummingbot connector, as a checklist against one spec.

Every row names a section (REST, websocket, perpetual, package, hooks), a requirement, a status, a detail (what in
the spec satisfies it, the waiver's reason, or what happens without it) and where to fix it. Statuses:

- ``ok``: the spec provides it;
- ``waived``: a required capability the spec waives, with a reason under ``waivers``;
- ``missing``: a required capability neither present nor waived, or a hook the hooks module does not define (or
  no hooks module yet: a hook nobody has written);
- ``stub``: a hook whose function is still the generated stub (it raises ``NotImplementedError``);
- ``optional-absent``: an optional capability the spec lacks; the detail says what the connector does instead;
- ``n/a``: does not apply to this connector type.

Which required capabilities are present or waived is decided by the validator's own functions
(:func:`hbgen.spec.capabilities.capability_sources`), so the checklist and ``hbgen validate`` cannot disagree. Rows are
built from the raw loaded document, so a spec that does not validate (a missing capability is a validation error)
still gets its checklist. Hook modules are inspected with :mod:`ast`; user code is never imported.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from hbgen.spec.capabilities import CAPABILITY_GAPS, capability_sources, required_capabilities
from hbgen.spec.errors import Diagnostic, did_you_mean, format_path

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "HookDefinition",
    "Report",
    "Row",
    "diagnose",
    "find_spec",
    "hook_definitions",
    "hook_rows",
    "main",
    "requirement_rows",
    "rows_for",
]

OK: Final = "ok"
WAIVED: Final = "waived"
MISSING: Final = "missing"
STUB: Final = "stub"
OPTIONAL_ABSENT: Final = "optional-absent"
NOT_APPLICABLE: Final = "n/a"
#: Statuses that make ``hbgen doctor`` fail.
PROBLEMS: Final = (MISSING, STUB)

#: The required capabilities in checklist order: capability -> (section, requirement, where to add it).
REQUIRED_ROWS: Final = {
    "rest_trading_rules": ("REST", "trading rules", "endpoints.trading_rules"),
    "rest_server_status": ("REST", "server status or ping", "endpoints.ping or endpoints.server_time"),
    "rest_order_status": ("REST", "active orders (order status)", "endpoints.order_status (open_orders batches it)"),
    "rest_create_order": ("REST", "create order", "endpoints.create_order"),
    "rest_cancel_order": ("REST", "cancel order", "endpoints.cancel_order"),
    "rest_balances": ("REST", "balances", "endpoints.balances"),
    "rate_limits": ("REST", "documented rate limits", "rate_limits"),
    "ws_order_book": ("websocket", "public order book", "ws.public.channels"),
    "ws_trades": ("websocket", "public trades", "ws.public.channels"),
    "ws_private_orders": ("websocket", "private orders", "ws.private.events"),
    "ws_private_trades": ("websocket", "private trades", "ws.private.events"),
    "rest_positions": ("perpetual", "positions", "endpoints.positions"),
    "rest_leverage": ("perpetual", "leverage", "endpoints.set_leverage"),
    "rest_position_mode": ("perpetual", "position mode switch", "endpoints.set_position_mode"),
    "rest_funding_info": ("perpetual", "funding info (REST)", "endpoints.funding_info"),
    "rest_funding_payments": ("perpetual", "funding payments", "endpoints.funding_payments"),
}

_STYLES: Final = {
    OK: "green",
    WAIVED: "yellow",
    MISSING: "bold red",
    STUB: "bold red",
    OPTIONAL_ABSENT: "cyan",
    NOT_APPLICABLE: "dim",
}


@dataclass(frozen=True)
class Row:
    """One line of the checklist; ``fix`` is the spec path to edit (for hooks: the hooks module)."""

    section: str
    requirement: str
    status: str
    detail: str
    fix: str
    required: bool = True

    @property
    def problem(self) -> bool:
        """Whether this row makes the checklist fail."""
        return self.status in PROBLEMS


def _m(x: Any) -> dict[str, Any]:
    return x if isinstance(x, dict) else {}


def _l(x: Any) -> list[Any]:
    return x if isinstance(x, list) else []


def _at(data: Any, path: Sequence[str | int]) -> Any:
    node = data
    for part in path:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
        else:
            node = _m(node).get(part)
    return node


def _names(items: Sequence[str], limit: int = 4) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")


# ----------------------------------------------------------------------------------------------------------------
# Required capabilities


def _source_text(data: dict[str, Any], path: list[str | int]) -> str:
    """What one providing path is: an endpoint with its method and path, or a channel/event with its mapping."""
    if path[0] == "endpoints":
        endpoint = _m(_at(data, path))
        method, url = endpoint.get("method"), endpoint.get("path")
        where = f" ({method} {url})" if isinstance(method, str) and isinstance(url, str) else ""
        return format_path(path) + where
    if path[0] == "rate_limits":
        limits = [str(k) for k in _m(data.get("rate_limits"))]
        return f"{len(limits)} limit{'s' if len(limits) != 1 else ''}: {_names(limits)}"
    # ws.public.channels.<name>.mapping or ws.private.events.<name>.mappings[i]
    owner = path[:4]
    return f"{format_path(owner)} (mapping {_at(data, path)})"


def _required_row(cap: str, data: dict[str, Any], sources: Sequence[list[str | int]], required: bool) -> Row:
    section, requirement, where = REQUIRED_ROWS[cap]
    waivers = _m(data.get("waivers"))
    if not required:
        return Row(section, requirement, NOT_APPLICABLE, f"not required of a {data.get('type')} connector", "-", False)
    if sources:
        detail = "; ".join(_source_text(data, list(p)) for p in sources)
        if cap in waivers:
            return Row(section, requirement, OK, f"{detail} (also waived: remove the waiver)", f"waivers.{cap}")
        return Row(section, requirement, OK, detail, format_path(list(sources[0])))
    if cap in waivers:
        reason = waivers[cap]
        text = reason if isinstance(reason, str) and reason.strip() else "(no reason given)"
        return Row(section, requirement, WAIVED, text, f"waivers.{cap}")
    what = CAPABILITY_GAPS[cap][0]
    return Row(section, requirement, MISSING, f"{what}: add it, or waive it under waivers.{cap} with a reason", where)


# ----------------------------------------------------------------------------------------------------------------
# Optional capabilities


def _kind(data: dict[str, Any], name: Any) -> Any:
    return _m(_m(data.get("mappings")).get(name)).get("kind") if isinstance(name, str) else None


def _private_mappings(data: dict[str, Any], kind: str) -> list[tuple[str, str]]:
    """(event, mapping) pairs of the private events whose mapping has ``kind``."""
    events = _m(_m(_m(data.get("ws")).get("private")).get("events"))
    return [
        (str(event), m)
        for event, spec in events.items()
        for m in _l(_m(spec).get("mappings"))
        if isinstance(m, str) and _kind(data, m) == kind
    ]


def _trading_pairs_row(data: dict[str, Any]) -> Row:
    symbols = data.get("symbols")
    if not isinstance(symbols, dict):
        return Row(
            "REST",
            "trading pairs",
            OPTIONAL_ABSENT,
            "no symbols section: no exchange symbol <-> trading pair map (hbgen generate needs one for a spot package)",
            "symbols",
            False,
        )
    endpoint, mapping = symbols.get("endpoint"), symbols.get("mapping")
    shared = " (the trading rules listing)" if endpoint == "trading_rules" else ""
    detail = f"symbols: endpoints.{endpoint}{shared}, mapping {mapping}"
    return Row("REST", "trading pairs", OK, detail, "symbols", False)


def _open_orders_row(data: dict[str, Any]) -> Row:
    """Whether the status poll lists open orders (``open_orders``) or asks about each order (``order_status``)."""
    from hbgen.spec.perpetual_checks import _inputs

    requirement = "batched order status (open orders)"
    endpoint = _m(data.get("endpoints")).get("open_orders")
    if endpoint is None:
        detail = "no open_orders endpoint: each status poll sends one order_status request per tracked order"
        return Row("REST", requirement, OPTIONAL_ABSENT, detail, "endpoints.open_orders", False)
    path = _m(endpoint).get("path")
    per_pair = bool({"symbol", "trading_pair"} & _inputs(endpoint)) or "${symbol}" in str(path)
    scope = "one request per trading pair" if per_pair else "one request for the account"
    detail = f"endpoints.open_orders: {scope}; order_status only for tracked orders the list omits"
    return Row("REST", requirement, OK, detail, "endpoints.open_orders", False)


def _balances_row(data: dict[str, Any]) -> Row:
    requirement = "private balances"
    events = _private_mappings(data, "balance")
    flag = data.get("real_time_balance_updates")
    polled = (
        "balances polled over REST; _real_time_balance_update = False, so available balances are corrected "
        "with the in-flight order snapshot"
    )
    listed = ", ".join(f"{format_path(['ws', 'private', 'events', e])} (mapping {m})" for e, m in events)
    if not _m(_m(data.get("ws")).get("private")):
        # No private websocket: the generated connector polls whatever the flag says (the model forces it false).
        ignored = " (real_time_balance_updates: true does not apply)" if flag is True else ""
        return Row(
            "websocket", requirement, OPTIONAL_ABSENT, f"no private websocket{ignored}: {polled}", "ws.private", False
        )
    if events and flag is not False:
        return Row(
            "websocket", requirement, OK, f"{listed}; _real_time_balance_update = True", "ws.private.events", False
        )
    if events:
        detail = f"{listed} ignored (real_time_balance_updates: false): {polled}"
        return Row("websocket", requirement, OPTIONAL_ABSENT, detail, "real_time_balance_updates", False)
    if flag is True:
        detail = (
            "real_time_balance_updates: true, but no private event has a balance mapping: nothing would update "
            "balances between polls; add a balance event or set it to false"
        )
        return Row("websocket", requirement, MISSING, detail, "real_time_balance_updates", False)
    return Row(
        "websocket", requirement, OPTIONAL_ABSENT, f"no private balance event: {polled}", "ws.private.events", False
    )


def _fees_text(data: dict[str, Any]) -> str:
    fees = data.get("fees")
    if isinstance(fees, dict):
        return f"the spec's default fees (fees.maker {fees.get('maker')}, fees.taker {fees.get('taker')})"
    return "zero fees (the spec has no fees section)"


def _rest_fills(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(endpoint, mapping) of the REST fill endpoints the generated connector polls: ``my_trades`` and
    ``polling.fills.endpoint``, when their mapping is a fill mapping."""
    endpoints = _m(data.get("endpoints"))
    names = ["my_trades", _m(_m(data.get("polling")).get("fills")).get("endpoint")]
    found = []
    for name in dict.fromkeys(n for n in names if isinstance(n, str) and n in endpoints):
        mapping = _m(endpoints[name]).get("mapping")
        if isinstance(mapping, str) and _kind(data, mapping) == "fill":
            found.append((name, mapping))
    return found


def _fee_row(data: dict[str, Any]) -> Row:
    requirement = "fees in trade events"
    fills = _private_mappings(data, "fill")
    # A perpetual fill's fee without an asset is in the order's collateral token (the connector says so itself).
    wanted = ("fee_amount",) if data.get("type") == "perpetual" else ("fee_amount", "fee_asset")
    estimated = f"fee estimation: fills report no fee, so each fill's fee is estimated from {_fees_text(data)}"
    if not fills:
        for endpoint, mapping in _rest_fills(data):
            fields = _m(_m(_m(data.get("mappings")).get(mapping)).get("fields"))
            if all(f in fields for f in wanted):
                detail = (
                    f"no private fill event; fills polled over REST (endpoints.{endpoint}, mapping {mapping}) carry "
                    f"the exchange's fee: {', '.join(wanted)}"
                )
                return Row("websocket", requirement, OK, detail, format_path(["mappings", mapping, "fields"]), False)
        return Row(
            "websocket", requirement, OPTIONAL_ABSENT, f"no private fill event; {estimated}", "ws.private.events", False
        )
    lacking = []
    for _, mapping in fills:
        fields = _m(_m(_m(data.get("mappings")).get(mapping)).get("fields"))
        missing = [f for f in wanted if f not in fields]
        if missing:
            lacking.append((mapping, missing))
    if not lacking:
        names = sorted({m for _, m in fills})
        detail = "; ".join(f"{format_path(['mappings', m, 'fields'])}: {', '.join(wanted)}" for m in names)
        return Row("websocket", requirement, OK, detail, format_path(["mappings", names[0], "fields"]), False)
    mapping, missing = lacking[0]
    detail = f"mapping {mapping} has no {' or '.join(missing)}: {estimated}"
    fix = format_path(["mappings", mapping, "fields", missing[0]])
    return Row("websocket", requirement, OPTIONAL_ABSENT, detail, fix, False)


def _perpetual_rows(data: dict[str, Any], rows: list[Row]) -> list[Row]:
    """The perpetual section: the required rows of ``rows``, then the optional facts (hbgen.doctor_perpetual)."""
    from hbgen.doctor_perpetual import perpetual_rows

    return perpetual_rows(data, [r for r in rows if r.section == "perpetual"])


def requirement_rows(data: Any) -> list[Row]:
    """The REST, websocket and perpetual rows of a loaded spot or perpetual spec document (which may be invalid);
    a gateway document has its own rows (:func:`hbgen.doctor_gateway.gateway_rows`)."""
    d = _m(data)
    sources = capability_sources(d)
    required = set(required_capabilities(d))
    rows = [_required_row(cap, d, sources[cap], cap in required) for cap in REQUIRED_ROWS]
    rest = [r for r in rows if r.section == "REST"]
    ws = [r for r in rows if r.section == "websocket"]
    optional = [_open_orders_row(d), _trading_pairs_row(d)]
    return rest + optional + ws + [_balances_row(d), _fee_row(d)] + _perpetual_rows(d, rows)


# ----------------------------------------------------------------------------------------------------------------
# Hooks


@dataclass(frozen=True)
class HookDefinition:
    """How a hooks module defines a name: ``kind`` def, async def, assignment or import; ``stub`` when unwritten."""

    line: int
    kind: str
    stub: bool


def _is_stub(body: list[ast.stmt]) -> bool:
    """Whether a function body is the generated stub: at most a docstring, then ``raise NotImplementedError``."""
    rest = list(body)
    if rest and isinstance(rest[0], ast.Expr) and isinstance(rest[0].value, ast.Constant):
        rest = rest[1:]  # docstring (or a bare constant such as ...)
    rest = [s for s in rest if not isinstance(s, ast.Pass)]
    if not rest:
        return True
    if len(rest) != 1 or not isinstance(rest[0], ast.Raise):
        return False
    exc = rest[0].exc
    if isinstance(exc, ast.Call):
        exc = exc.func
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"


def hook_definitions(source: str, filename: str = "<hooks>") -> dict[str, HookDefinition]:
    """Top-level names a hooks module defines (the last definition wins, as at import). Raises SyntaxError."""
    tree = ast.parse(source, filename)
    found: dict[str, HookDefinition] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            kind = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
            found[node.name] = HookDefinition(node.lineno, kind, _is_stub(node.body))
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    found[target.id] = HookDefinition(node.lineno, "assignment", False)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                found[name] = HookDefinition(node.lineno, "import", False)
    return found


def hook_rows(data: Any, package_dir: Path | None) -> list[Row]:
    """One row per hook the spec names: whether ``<package>/<name>_hooks.py`` defines it and whether it is written."""
    d = _m(data)
    hooks = _m(d.get("hooks"))
    if not hooks:
        return []
    name = d.get("name") if isinstance(d.get("name"), str) else "connector"
    module = package_dir / f"{name}_hooks.py" if package_dir is not None else None
    definitions: dict[str, HookDefinition] | None = None
    problem = ""
    if module is not None and package_dir is not None and package_dir.is_dir():
        try:
            definitions = hook_definitions(module.read_text(encoding="utf-8"), str(module))
        except FileNotFoundError:
            problem = f"{module} does not exist (hbgen generate creates it when it is absent)"
        except (OSError, UnicodeDecodeError) as exc:
            problem = f"cannot read {module}: {exc}"
        except SyntaxError as exc:
            problem = f"cannot parse {module}: line {exc.lineno}: {exc.msg}"
    rows = []
    for hook, spec in hooks.items():
        at = _m(spec).get("at")
        requirement = f"hook {hook}" + (f" (at {at})" if isinstance(at, str) else "")
        if problem:
            rows.append(Row("hooks", requirement, MISSING, problem, str(module)))
        elif definitions is None:
            # A hook nobody has written yet is a problem whether or not the stub exists: the connector needs it.
            where = f"no package at {package_dir}" if package_dir is not None else "no package"
            detail = f"not written yet: {where} (hbgen generate {name} writes the stub; then write the hook)"
            rows.append(Row("hooks", requirement, MISSING, detail, f"hooks.{hook}"))
        elif hook not in definitions:
            detail = (
                f"{module} defines no {hook}: paste the stub hbgen generate {name} prints, or commit and run "
                f"hbgen scaffold-update {name}"
            )
            rows.append(Row("hooks", requirement, MISSING, detail, str(module)))
        else:
            found = definitions[hook]
            place = f"{module}:{found.line}"
            if found.stub:
                detail = f"{found.kind} {hook} is still the generated stub (raises NotImplementedError)"
                rows.append(Row("hooks", requirement, STUB, detail, place))
            else:
                rows.append(Row("hooks", requirement, OK, f"written: {found.kind} {hook}", place))
    return rows


#: What each part of a generated spot package is for, in the words of the checklist.
_PACKAGE_PARTS: Final = {
    "price": "last traded price",
    "network": "network check",
    "create": "create order",
    "cancel": "cancel order",
    "status": "order status query",
    "balances": "balances",
    "rules": "trading rules",
}


def package_rows(data: Any) -> list[Row]:
    """What ``hbgen generate`` needs to emit a spot or perpetual package, beyond the validator's capabilities.

    A waived capability satisfies ``hbgen validate`` but leaves the templates without an endpoint to call, so each
    part the templates need is a row here: ``ok`` with the endpoint that plays it, else ``missing``.
    """
    from hbgen.spec.vocabulary import PACKAGE_ROLES, PACKAGE_SECTIONS, ROLE_CHOICES

    d = _m(data)
    if d.get("type") not in ("spot", "perpetual"):
        return []
    endpoints = _m(d.get("endpoints"))
    rows = []
    if d.get("type") == "perpetual":
        # Funding information at start comes from this endpoint; a perpetual package cannot do without it.
        if "funding_info" in endpoints:
            rows.append(Row("package", "funding info endpoint", OK, "endpoints.funding_info", "endpoints.funding_info"))
        else:
            detail = "hbgen generate needs endpoints.funding_info (a waiver is not enough)"
            rows.append(Row("package", "funding info endpoint", MISSING, detail, "endpoints.funding_info"))
    for role in PACKAGE_ROLES:
        choices = ROLE_CHOICES[role]
        found = next((name for name in choices if name in endpoints), None)
        requirement = f"{_PACKAGE_PARTS[role]} endpoint"
        if found:
            rows.append(Row("package", requirement, OK, f"endpoints.{found}", f"endpoints.{found}"))
        else:
            wanted = " or ".join(f"endpoints.{name}" for name in choices)
            detail = f"hbgen generate needs {wanted} (a waiver is not enough)"
            rows.append(Row("package", requirement, MISSING, detail, f"endpoints.{choices[0]}"))
    for section, what in PACKAGE_SECTIONS.items():
        if isinstance(d.get(section), dict):
            rows.append(Row("package", f"{section} section", OK, what, section))
        else:
            detail = f"hbgen generate needs the {section} section ({what})"
            rows.append(Row("package", f"{section} section", MISSING, detail, section))
    return rows


def rows_for(data: Any, output_dir: Path | None = None) -> list[Row]:
    """Every checklist row of a spec document; hook rows look for the package under ``output_dir/<name>``."""
    d = _m(data)
    if d.get("type") == "gateway":
        from hbgen.doctor_gateway import gateway_rows

        return gateway_rows(d)
    name = d.get("name")
    package_dir = output_dir / name if output_dir is not None and isinstance(name, str) and name else None
    return requirement_rows(d) + package_rows(d) + hook_rows(d, package_dir)


# ----------------------------------------------------------------------------------------------------------------
# The command


@dataclass
class Report:
    """A spec's checklist, its diagnostics, and those the rows do not explain (any of which makes it invalid)."""

    spec: Path
    name: str
    rows: list[Row] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    unexplained: list[Diagnostic] = field(default_factory=list)
    usable: bool = True

    @property
    def problems(self) -> list[Row]:
        return [r for r in self.rows if r.problem]

    @property
    def exit_code(self) -> int:
        """2: the spec is invalid beyond its missing capabilities; 1: a problem row; 0: ready."""
        if not self.usable or self.unexplained:
            return 2
        return 1 if self.problems else 0


def find_spec(name: str, specs_dir: Path) -> Path | None:
    """A spec path (``*.yaml``/``*.yml``) as given, else ``specs_dir/NAME.yaml``, else ``specs_dir/examples/``."""
    if name.endswith((".yaml", ".yml")):
        path = Path(name)
        return path if path.is_file() else None
    for path in (specs_dir / f"{name}.yaml", specs_dir / "examples" / f"{name}.yaml"):
        if path.is_file():
            return path
    return None


def _known(specs_dir: Path) -> list[str]:
    return sorted({p.stem for p in (*specs_dir.glob("*.yaml"), *specs_dir.glob("examples/*.yaml"))})


def diagnose(spec_path: Path, output_dir: Path | None) -> Report:
    """Load, validate and check one spec; never raises for a malformed spec."""
    from hbgen.spec.includes import load_composed
    from hbgen.spec.pipeline import check_document
    from hbgen.spec.validate import missing_capability_diagnostics

    doc = load_composed(spec_path, str(spec_path))
    _, diagnostics = check_document(doc)
    if not isinstance(doc.data, dict):
        return Report(spec_path, spec_path.stem, [], diagnostics, diagnostics, usable=False)
    explained = set(missing_capability_diagnostics(doc))
    name = doc.data.get("name")
    return Report(
        spec=spec_path,
        name=name if isinstance(name, str) else spec_path.stem,
        rows=rows_for(doc.data, output_dir),
        diagnostics=diagnostics,
        unexplained=[d for d in diagnostics if d not in explained],
    )


def render(report: Report, console: Console) -> None:
    """Print the table, then the diagnostics, then a one-line summary."""
    from rich.table import Table
    from rich.text import Text

    def line(text: str) -> None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)

    if report.rows:
        table = Table(title=f"{report.name}: exchange API requirements ({report.spec})")
        for column in ("section", "requirement", "status", "detail", "fix at"):
            table.add_column(column, overflow="fold")
        for row in report.rows:
            table.add_row(
                Text(row.section),
                Text(row.requirement),
                Text(row.status, style=_STYLES.get(row.status, "")),
                Text(row.detail),
                Text(row.fix),
            )
        console.print(table)
    if report.diagnostics:
        count = len(report.diagnostics)
        line(f"{report.spec}: the spec does not validate ({count} error{'s' if count != 1 else ''}):")
        for diagnostic in report.diagnostics:
            line(str(diagnostic))
    counts = {status: sum(r.status == status for r in report.rows) for status in _STYLES}
    tally = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
    code = report.exit_code
    if code == 2 and not report.usable:
        verdict = "invalid spec: no checklist until it loads"
    elif code == 2:
        verdict = "invalid spec: fix the diagnostics above (hbgen validate shows the same)"
    elif code == 1:
        n = len(report.problems)
        verdict = f"{n} problem{'s' if n != 1 else ''}: fix the rows marked missing or stub"
    else:
        verdict = "checklist passes: every required row is ok or waived"
    line(f"{report.name}: {tally or 'no rows'} - {verdict}")


def main(name: str, specs_dir: Path, output_dir: Path, console: Console | None = None) -> int:
    """``hbgen doctor NAME``: print the checklist and return the exit code (0 ready, 1 problems, 2 bad input)."""
    import sys

    from rich.console import Console

    console = console or Console(highlight=False)
    spec_path = find_spec(name, specs_dir)
    if spec_path is None:
        known = _known(specs_dir)
        hint = did_you_mean(name, known) or (f"known: {', '.join(known)}" if known else "")
        if name.endswith((".yaml", ".yml")):
            message = f"{name}: no such spec file"
        else:
            message = f"unknown connector {name!r}: no {specs_dir}/{name}.yaml or {specs_dir}/examples/{name}.yaml"
        print(message + (f" ({hint})" if hint else ""), file=sys.stderr)
        return 2
    report = diagnose(spec_path, output_dir)
    render(report, console)
    return report.exit_code

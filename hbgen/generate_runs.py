"""``hbgen generate``: one spec into an outcome that never raises (shared with ``new-connector`` and ``demo``), one
connector with its report, and many at once with a progress bar and a summary table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from hbgen.writer import WriteReport


@dataclass
class GenerateOutcome:
    """What generating one spec did: exit code 0 (ok), 1 (failed) or 2 (invalid spec), report or error text."""

    spec: Path
    name: str
    code: int = 0
    report: WriteReport | None = None
    package_dir: Path | None = None
    message: str = ""
    #: What the summary table says instead of the result derived from the code (e.g. "duplicate name").
    label: str = ""

    @property
    def result(self) -> str:
        if self.label:
            return self.label
        if self.code == 2:
            return "invalid spec"
        if self.code and self.report is not None:
            return "hooks missing"
        if self.code or self.report is None:
            return "failed"
        return "changed" if self.report.changed else "unchanged"


def run_generate(
    spec_path: Path,
    output_dir: Path,
    *,
    force: bool = False,
    dry_run: bool = False,
    scaffold: bool | None = None,
) -> GenerateOutcome:
    """Generate one spec's package into ``output_dir/<name>``; failures come back in the outcome, never raised.

    After writing, the hand-owned hook module is read with ``ast``: a hook the spec names but the module does not
    define makes the outcome fail (code 1, the generated files are written) with the stub to paste.
    """
    from hbgen.generator import GenerationError, generate, spec_display_path
    from hbgen.scaffold import ScaffoldError, missing_hooks, missing_hooks_message
    from hbgen.spec import check_file
    from hbgen.writer import WriteError

    model, diagnostics = check_file(spec_path, str(spec_path))
    if model is None:
        count = len(diagnostics)
        lines = [str(d) for d in diagnostics]
        lines.append(f"{spec_path}: invalid spec ({count} error{'s' if count != 1 else ''}); nothing generated")
        return GenerateOutcome(spec_path, spec_path.stem, 2, message="\n".join(lines))
    package_dir = output_dir / model.name
    outcome = GenerateOutcome(spec_path, model.name, package_dir=package_dir)
    owner = other_owner(spec_path, package_dir)
    if owner is not None:
        outcome.code, outcome.label = 2, "duplicate name"
        outcome.message = (
            f"{spec_path}: {owner} and {spec_path} both name the connector {model.name}, and {package_dir} belongs to "
            f"{owner} (its manifest says so); nothing generated. Give this spec its own `name:`, or remove the copy."
        )
        return outcome
    try:
        text = spec_path.read_text(encoding="utf-8")
        outcome.report = generate(model, spec_path, text, package_dir, force=force, dry_run=dry_run, scaffold=scaffold)
    except WriteError as exc:  # hand edits (HandEditError) and unreadable manifests: the message says it all
        outcome.code, outcome.message = 1, str(exc)
    except GenerationError as exc:
        outcome.code, outcome.message = 1, f"{spec_path}: {exc}"
    except OSError as exc:
        outcome.code, outcome.message = 1, f"{spec_path}: cannot write {package_dir}: {exc}"
    if outcome.report is None:
        return outcome
    try:
        missing = missing_hooks(model, package_dir)
    except ScaffoldError as exc:
        outcome.code, outcome.message = 1, f"{model.name}: {exc}"
        return outcome
    if missing:
        outcome.code = 1
        outcome.message = missing_hooks_message(model, spec_display_path(spec_path), package_dir, missing)
    return outcome


def other_owner(spec_path: Path, package_dir: Path) -> Path | None:
    """Another spec that still exists and generated ``package_dir`` (its manifest names it), else None: two specs
    with one ``name:`` (or a link to a spec) would otherwise write one package in turn."""
    from pathlib import PurePosixPath

    from hbgen.generator import spec_display_path
    from hbgen.writer import Manifest, WriteError

    try:
        manifest = Manifest.read(package_dir)
    except WriteError:
        return None  # generate reports the unreadable manifest itself
    if manifest is None or manifest.spec == spec_display_path(spec_path):
        return None
    recorded = spec_path.parent / PurePosixPath(manifest.spec).name
    return recorded if recorded.is_file() and recorded.name != spec_path.name else None


def print_report(outcome: GenerateOutcome, dry_run: bool) -> None:
    report = outcome.report
    assert report is not None
    verb = "would change" if dry_run else "generated"
    summary = (
        f"{outcome.name}: {verb} {outcome.package_dir} - {len(report.created)} created, {len(report.updated)} "
        f"updated, {len(report.removed)} removed, {len(report.unchanged)} unchanged"
    )
    if report.hand_owned_created:
        summary += f", {len(report.hand_owned_created)} hand-owned created"
    typer.echo(summary)
    for label, paths in (
        ("created", report.created),
        ("updated", report.updated),
        ("removed", report.removed),
        ("hand-owned created", report.hand_owned_created),
        ("backed up (hand-edited, overwritten)", report.backups),
    ):
        for rel in paths:
            typer.echo(f"  {label}: {rel}")
    for note in report.notes:
        typer.echo(f"  note: {note}")


def generate_specs(
    paths: list[Path], all_: bool, output_dir: Path, *, force: bool = False, dry_run: bool = False
) -> int:
    """``hbgen generate``: one connector with its full report (and the diff with ``dry_run``), or several (and
    ``--all``) with :func:`generate_many`; returns the exit code."""
    if len(paths) > 1 or all_:
        return generate_many(paths, output_dir, force=force, dry_run=dry_run)
    outcome = run_generate(paths[0], output_dir, force=force, dry_run=dry_run)
    if outcome.report is not None and outcome.package_dir is not None:
        if dry_run and outcome.report.diff:
            typer.echo(outcome.report.diff, nl=False)
        print_report(outcome, dry_run)
    if outcome.code:
        typer.echo(outcome.message, err=True)
    return outcome.code


def generate_many(paths: list[Path], output_dir: Path, *, force: bool = False, dry_run: bool = False) -> int:
    """Generate every spec of ``paths`` with a progress bar, then a summary table; returns the exit code.

    One failing connector does not stop the others: a template change that affects many connectors is one command,
    and its summary lists every connector that needs attention.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    errors = Console(stderr=True)
    outcomes: list[GenerateOutcome] = []
    with Progress(
        TextColumn("[bold]generate[/bold] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=len(paths))
        for path in paths:
            progress.update(task, description=path.stem)
            outcomes.append(run_generate(path, output_dir, force=force, dry_run=dry_run))
            progress.advance(task)

    for outcome in outcomes:
        if dry_run and outcome.report is not None and outcome.report.diff:
            typer.echo(outcome.report.diff, nl=False)
        for note in outcome.report.notes if outcome.report is not None else ():
            typer.echo(f"{outcome.name}: note: {note}", err=True)
        if outcome.code:
            typer.echo(outcome.message, err=True)

    table = Table(title="dry run: what would change" if dry_run else "generate")
    table.add_column("connector", no_wrap=True)
    table.add_column("result", no_wrap=True)
    for column in ("created", "updated", "removed", "unchanged", "hooks created"):
        table.add_column(column, justify="right")
    for outcome in outcomes:
        report = outcome.report
        counts = (
            [str(len(x)) for x in (report.created, report.updated, report.removed, report.unchanged)]
            + [str(len(report.hand_owned_created))]
            if report is not None
            else ["-"] * 5
        )
        style = {"changed": "yellow", "unchanged": "green"}.get(outcome.result, "red")
        table.add_row(outcome.name, f"[{style}]{outcome.result}[/{style}]", *counts)
    Console().print(table)

    failed = [o for o in outcomes if o.code]
    changed = sum(1 for o in outcomes if o.result == "changed")
    typer.echo(
        f"{len(outcomes)} connector(s): {changed} {'would change' if dry_run else 'changed'}, "
        f"{len(outcomes) - changed - len(failed)} unchanged, {len(failed)} failed"
    )
    if not failed:
        return 0
    return 2 if any(o.code == 2 for o in failed) else 1

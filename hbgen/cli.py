"""The ``hbgen`` command line: a thin shell over the generator's stages.

Exit codes everywhere: 0 success, 1 the operation failed (hand-edited generated files, a template bug, failing
generated tests), 2 bad input (an invalid or missing spec, a bad name, conflicting options). Heavy imports (the spec
front end, Jinja, rich tables, pytest) happen inside the commands, so ``hbgen --help`` and a cold ``hbgen generate``
stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from hbgen.spec.pipeline import AnySpec
    from hbgen.writer import WriteReport

from hbgen import __version__, cli_help
from hbgen.new_connector import like_text, scaffold_text
from hbgen.project import PROJECT

__all__ = ["app", "like_text", "scaffold_text"]

cli_help.install()
app = typer.Typer(
    name="hbgen",
    help="Generate Hummingbot-style exchange connectors from a declarative YAML spec.",
    no_args_is_help=True,
    add_completion=False,
    # Markdown: a docstring paragraph is one paragraph however its lines break (rich mode keeps every newline).
    rich_markup_mode="markdown",
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"hbgen {__version__}")
        raise typer.Exit()


INTERRUPTED = (
    "hbgen: interrupted. Nothing is half-written (each file is replaced whole, the manifest last): run the same "
    "command again to complete it."
)


def _answer_interrupts(ctx: typer.Context) -> None:
    """Ctrl-C prints :data:`INTERRUPTED` (Typer then exits 130); the previous handler is back when the run ends."""
    import signal

    def interrupted(signum: int, frame: object) -> None:
        typer.echo(INTERRUPTED, err=True)
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGINT, interrupted)
    except ValueError:  # not the main thread: leave signals alone
        return
    ctx.call_on_close(lambda: signal.signal(signal.SIGINT, previous))


@app.callback()
def main(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", help="Print the hbgen version and exit.", callback=_version_callback, is_eager=True
    ),
    root: Annotated[
        Path | None,
        typer.Option(
            "--root",
            help="The project root, holding specs/ and generated/ (default: the nearest folder up from here with "
            "specs/ or a pyproject.toml with a tool.hbgen table, else this folder).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """hbgen turns an exchange spec into a connector package that runs on the hbrt runtime."""
    _answer_interrupts(ctx)
    if root is not None and not root.is_dir():
        raise _fail(f"--root {root}: no such folder", 2)
    PROJECT.set_root(root)


@app.command("version")
def version_cmd() -> None:
    """Print the versions of hbgen and of the runtime it generates for."""
    import hbrt

    typer.echo(f"hbgen {__version__} (runtime hbrt {hbrt.__version__})")


@app.command("validate")
def validate_cmd(
    specs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Spec files to check (default: every specs/*.yaml).", show_default=False, metavar="SPECS..."
        ),
    ] = None,
) -> None:
    """Validate specs: print every diagnostic as file:line:col: path: message, then a summary.

    Exit 0 when every spec is valid, 2 when one is not (or there is none to check).

    A shared fragment given by name stands for the specs (`specs/*.yaml` and `specs/examples/*.yaml`) that include it.
    """
    from pathlib import Path

    from hbgen.spec import check_file
    from hbgen.spec.includes import dependents, is_fragment

    specs_dir = PROJECT.specs_dir()
    paths = list(specs) if specs else sorted(str(p) for p in specs_dir.glob("*.yaml"))
    if not paths:
        typer.echo(f"no spec files found (looked for {specs_dir}/*.yaml)")
        raise typer.Exit(2)
    expanded: list[str] = []
    for path in paths:
        if not Path(path).is_file() or not is_fragment(path):
            expanded.append(path)
            continue
        candidates = sorted(specs_dir.glob("*.yaml")) + sorted(specs_dir.glob("examples/*.yaml"))
        users = [str(p) for p in dependents(Path(path), candidates)]
        typer.echo(f"{path}: a shared fragment, included by {', '.join(users) or 'no spec under specs/'}")
        expanded.extend(u for u in users if u not in expanded)
    paths = expanded
    if not paths:
        raise typer.Exit(2)
    invalid = 0
    errors = 0
    for path in paths:
        model, diagnostics = check_file(path)
        for diagnostic in diagnostics:
            typer.echo(str(diagnostic))
        if model is None:
            invalid += 1
            errors += len(diagnostics)
        else:
            partial = "; a partial example, not generated" if getattr(model, "partial", None) is not None else ""
            typer.echo(f"{path}: ok ({model.name}, {model.type}, {_extent(model)}{partial})")
    valid = len(paths) - invalid
    typer.echo(f"{valid} valid, {invalid} invalid, {errors} error{'s' if errors != 1 else ''}")
    if invalid:
        raise typer.Exit(2)


@app.command("schema")
def schema_cmd(
    reference: bool = typer.Option(False, "--reference", help="Print a Markdown reference generated from the schema."),
    fragment: bool = typer.Option(False, "--fragment", help="Print the JSON Schema of shared fragment files."),
) -> None:
    """Print the JSON Schema of the spec language (or, with --reference, its Markdown reference)."""
    import json

    from hbgen.spec.includes import fragment_schema_text
    from hbgen.spec.reference import render_reference
    from hbgen.spec.schema import load_schema

    if reference and fragment:
        raise _fail("give --reference or --fragment, not both", 2)
    if fragment:
        typer.echo(fragment_schema_text(), nl=False)
    elif reference:
        typer.echo(render_reference(), nl=False)
    else:
        typer.echo(json.dumps(load_schema(), indent=2, ensure_ascii=False))


# ----------------------------------------------------------------------------------------------------------------
# Shared helpers

#: Hummingbot's Binance spot connector, for the size comparison (hummingbot-contract.md §11).
HUMMINGBOT_BINANCE_SOURCE_LINES = 1287
HUMMINGBOT_BINANCE_TEST_LINES = 2447


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def _spec_paths(names: list[str] | None, all_: bool, specs_dir: Path) -> list[Path]:
    """The spec files selected by NAME arguments or --all; exits with 2 on a bad selection."""
    if names and all_:
        raise _fail("give connector names or --all, not both", 2)
    if all_:
        paths = sorted(specs_dir.glob("*.yaml"))
        if not paths:
            raise _fail(f"no spec files found (looked for {specs_dir}/*.yaml)", 2)
        return paths
    if not names:
        raise _fail("name at least one connector (its spec is specs/NAME.yaml) or pass --all", 2)
    return [
        Path(name) if name.endswith((".yaml", ".yml")) else specs_dir / f"{_checked_name(name)}.yaml" for name in names
    ]


def _checked_name(name: str) -> str:
    """``name`` when it is a connector name (a lowercase identifier); exits 2 otherwise. Every command takes names
    the same way, so a name is never a path in disguise (``../../x``, ``/etc/passwd``)."""
    from hbgen.new_connector import valid_name

    if not valid_name(name):
        raise _fail(
            f"invalid connector name {name!r}: a name is a lowercase identifier such as my_exchange (give a spec file "
            "by its path, ending in .yaml)",
            2,
        )
    return name


def _load(path: Path) -> tuple[AnySpec, str]:
    """The model and text of a spec; prints every diagnostic (file:line:col) and exits 2 when it is invalid."""
    from hbgen.spec import check_file

    model, diagnostics = check_file(path, str(path))
    if model is None:
        for diagnostic in diagnostics:
            typer.echo(str(diagnostic), err=True)
        count = len(diagnostics)
        raise _fail(f"{path}: invalid spec ({count} error{'s' if count != 1 else ''}); nothing generated", 2)
    return model, path.read_text(encoding="utf-8")


def _extent(model: AnySpec) -> str:
    """What ``validate`` says a valid spec covers: its endpoints, or a gateway connector's chain and networks."""
    from hbgen.spec.gateway import GatewayConnectorSpec

    if isinstance(model, GatewayConnectorSpec):
        return f"{model.gateway.dex} on {model.gateway.chain}: {len(model.gateway.networks)} networks"
    return f"{len(model.endpoints)} endpoints"


def _places(model: AnySpec | None) -> str:
    """Where a connector trades: its domains, or a gateway connector's networks."""
    from hbgen.spec.gateway import GatewayConnectorSpec

    if model is None:
        return "?"
    return ", ".join(model.gateway.networks if isinstance(model, GatewayConnectorSpec) else model.domains)


def _fragment_lines(spec: Path) -> int:
    """Lines of the shared fragments ``spec`` includes (part of what an author writes for it)."""
    from hbgen.spec.includes import load_composed

    doc = load_composed(spec, str(spec))
    total = 0
    for source in doc.fragments:
        try:
            total += len((spec.parent / source.relative).read_text(encoding="utf-8").splitlines())
        except OSError:
            continue
    return total


def _count_lines(root: Path) -> dict[str, int]:
    """Lines of the generated package: source, tests, hooks (hand-owned), files."""
    from hbgen.writer import Manifest

    manifest = Manifest.read(root)
    hand_owned = set(manifest.hand_owned) if manifest else set()
    counts = {"files": 0, "source": 0, "tests": 0, "hooks": 0}
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        rel = path.relative_to(root).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        counts["files"] += 1
        if rel in hand_owned:
            counts["hooks"] += lines
        elif rel.startswith("tests/"):
            counts["tests"] += lines
        else:
            counts["source"] += lines
    return counts


# ----------------------------------------------------------------------------------------------------------------
# generate


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
    owner = _other_owner(spec_path, package_dir)
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


def _other_owner(spec_path: Path, package_dir: Path) -> Path | None:
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


def _print_report(outcome: GenerateOutcome, dry_run: bool) -> None:
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


def generate_one(
    spec_path: Path,
    output_dir: Path,
    *,
    force: bool = False,
    dry_run: bool = False,
    quiet: bool = False,
    scaffold: bool | None = None,
) -> Path:
    """Generate the package of one spec into ``output_dir/<name>``; prints the report. Exits 1/2 on failure (after
    the report when the files were written but the hook module lacks hooks)."""
    outcome = run_generate(spec_path, output_dir, force=force, dry_run=dry_run, scaffold=scaffold)
    if outcome.report is not None and outcome.package_dir is not None:
        if dry_run and outcome.report.diff:
            typer.echo(outcome.report.diff, nl=False)
        if not quiet:
            _print_report(outcome, dry_run)
    if outcome.code:
        raise _fail(outcome.message, outcome.code)
    assert outcome.package_dir is not None
    return outcome.package_dir


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
        style = {"changed": "yellow", "unchanged": "green"}.get(outcome.result, "green")
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


@app.command("generate")
def generate_cmd(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            help="Connector names (spec specs/NAME.yaml) or spec file paths.", show_default=False, metavar="NAMES..."
        ),
    ] = None,
    all_: bool = typer.Option(False, "--all", help="Generate every specs/*.yaml (progress bar, summary table)."),
    force: bool = typer.Option(
        False, "--force", help="Overwrite hand-edited generated files (a backup is kept in .hbgen-backup/)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Write nothing; print the diff of what would change."),
    output_dir: Annotated[
        Path | None,
        typer.Option(
            "--output-dir",
            "-o",
            help="Parent folder of generated packages (default: generated/ in the project root).",
            show_default=False,
        ),
    ] = None,
    specs_dir: Annotated[
        Path | None,
        typer.Option(
            "--specs-dir",
            help="Where specs/NAME.yaml are looked up (default: specs/ in the project root).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Generate connector packages from their specs into OUTPUT_DIR/NAME.

    Exit 0, 1 (a connector failed: hand edits, template bug) or 2 (an invalid spec). With several connectors every
    one is attempted and a summary table lists each result.
    """
    specs_dir = PROJECT.specs_dir(specs_dir)
    output_dir = PROJECT.output_dir(output_dir)
    paths = _spec_paths(names, all_, specs_dir)
    if len(paths) == 1 and not all_:
        generate_one(paths[0], output_dir, force=force, dry_run=dry_run)
        return
    code = generate_many(paths, output_dir, force=force, dry_run=dry_run)
    if code:
        raise typer.Exit(code)


# ----------------------------------------------------------------------------------------------------------------
# check


@app.command("check")
def check_cmd(
    output_dir: Annotated[
        Path | None,
        typer.Option(
            "--output-dir",
            "-o",
            help="Parent folder of the committed packages (default: generated/ in the project root).",
            show_default=False,
        ),
    ] = None,
    specs_dir: Annotated[
        Path | None,
        typer.Option(
            "--specs-dir", help="Folder of connector specs (default: specs/ in the project root).", show_default=False
        ),
    ] = None,
) -> None:
    """Validate every spec, regenerate each connector in a temporary folder and compare with OUTPUT_DIR.

    Exit 0 when generated/ matches specs/ byte for byte, 1 on any drift (missing, stale or modified file), 2 when
    there is no spec to check.
    """
    specs_dir = PROJECT.specs_dir(specs_dir)
    output_dir = PROJECT.output_dir(output_dir)
    from hbgen.check import check_all

    examples = sorted((specs_dir / "examples").glob("*.yaml"))
    if not examples and not any(specs_dir.glob("*.yaml")):
        raise _fail(f"no spec files found (looked for {specs_dir}/*.yaml): nothing to check", 2)
    drifts, checked = check_all(specs_dir, output_dir, extra_specs=examples)
    for drift in drifts:
        typer.echo(str(drift), err=True)
    if drifts:
        first = "" if all(d.regenerating_fixes_it for d in drifts) else "fix what each line above says, then "
        raise _fail(
            f"drift: {len(drifts)} difference(s) between {specs_dir}/ and {output_dir}/. {first.capitalize()}"
            f"{'r' if first else 'R'}egenerate with `hbgen generate --all` and commit the result (never edit "
            "generated files by hand).",
            1,
        )
    typer.echo(f"ok: {checked} spec(s) valid; {output_dir}/ matches {specs_dir}/")


# ----------------------------------------------------------------------------------------------------------------
# test


@dataclass
class TestRun:
    """What one generated suite run produced."""

    __test__ = False  # not a pytest test class

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    errors: int = 0
    seconds: float = 0.0
    returncode: int = 0
    output: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.failed and not self.errors and self.passed > 0


#: What running a generated suite needs besides hbrt: the test extra of the hbrt (and hbgen) distribution.
TEST_TOOLS = ("pytest", "aioresponses")


def _require_test_tools() -> None:
    """Exit 1 with what to install when pytest or aioresponses is missing (instead of an empty result table)."""
    import importlib.util

    missing = [name for name in TEST_TOOLS if importlib.util.find_spec(name) is None]
    if missing:
        raise _fail(
            f"cannot run generated tests: {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not "
            "installed. Generated suites run with pytest and aioresponses, the test extra of the runtime: "
            "pip install 'hbgen[test]' (or, for the runtime alone, pip install 'hbrt[test]').",
            1,
        )


#: How long one generated suite may run (a Binance suite takes seconds); a test stuck for two minutes has pytest print
#: every thread's stack (faulthandler), so a hang says where it is instead of holding hbgen forever.
SUITE_TIMEOUT = 900.0


def run_generated_tests(
    package_dir: Path, extra_args: list[str] | None = None, timeout: float = SUITE_TIMEOUT
) -> TestRun:
    """Run a generated package's tests with pytest in a subprocess, ``package_dir``'s parent on PYTHONPATH; a suite
    that outlives ``timeout`` seconds is stopped and counts as failed."""
    import os
    import subprocess
    import sys
    import tempfile
    import time
    import xml.etree.ElementTree as ET

    env = dict(os.environ)
    parent = str(package_dir.resolve().parent)
    env["PYTHONPATH"] = parent + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    run = TestRun()
    with tempfile.TemporaryDirectory(prefix="hbgen-test-") as scratch:
        junit = Path(scratch) / "junit.xml"
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--import-mode=importlib",
            f"--junitxml={junit}",
            "-o",
            "faulthandler_timeout=120",
            str(package_dir / "tests"),
            *(extra_args or []),
        ]
        started = time.perf_counter()
        try:
            proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            run.seconds = time.perf_counter() - started
            run.returncode = -1
            partial = "".join(
                part.decode(errors="replace") if isinstance(part, bytes) else part
                for part in (exc.stdout, exc.stderr)
                if part
            )
            run.output = f"{partial}\nthe suite did not finish within {timeout:.0f} s; pytest was stopped"
            return run
        run.seconds = time.perf_counter() - started
        run.returncode = proc.returncode
        run.output = proc.stdout + proc.stderr
        if junit.is_file():
            root = ET.parse(junit).getroot()
            for suite in [root] if root.tag == "testsuite" else list(root):
                tests = int(suite.get("tests", 0))
                failed = int(suite.get("failures", 0))
                errors = int(suite.get("errors", 0))
                skipped = int(suite.get("skipped", 0))
                run.failed += failed
                run.errors += errors
                run.skipped += skipped
                run.passed += tests - failed - errors - skipped
    return run


def _connector_names(names: list[str] | None, all_: bool, output_dir: Path) -> list[str]:
    if names and all_:
        raise _fail("give connector names or --all, not both", 2)
    if all_:
        found = sorted(p.name for p in output_dir.iterdir() if (p / "tests").is_dir()) if output_dir.is_dir() else []
        if not found:
            raise _fail(f"no generated connectors with tests under {output_dir}/", 2)
        return found
    if not names:
        raise _fail("name at least one generated connector or pass --all", 2)
    return [_checked_name(name) for name in names]


@app.command("test")
def test_cmd(
    names: Annotated[
        list[str] | None,
        typer.Argument(help="Generated connectors to test.", show_default=False, metavar="NAMES..."),
    ] = None,
    all_: bool = typer.Option(False, "--all", help="Test every package under OUTPUT_DIR."),
    output_dir: Annotated[
        Path | None,
        typer.Option(
            "--output-dir",
            "-o",
            help="Parent folder of generated packages (default: generated/ in the project root).",
            show_default=False,
        ),
    ] = None,
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print pytest's output for every connector."),
) -> None:
    """Run generated test suites (pytest, one subprocess each) and print a summary table. Exit 1 on any failure.

    pytest's output (every connector's with --verbose, a failing one's always) is printed as it is, never wrapped, so
    test ids can be copied from it.
    """
    from rich.console import Console
    from rich.table import Table

    output_dir = PROJECT.output_dir(output_dir)
    _require_test_tools()
    console = Console()
    table = Table(title="generated connector tests")
    for column in ("connector", "passed", "failed", "skipped", "time"):
        table.add_column(column, justify="left" if column == "connector" else "right")
    failures = 0
    for name in _connector_names(names, all_, output_dir):
        package_dir = output_dir / name
        if not (package_dir / "tests").is_dir():
            raise _fail(f"{package_dir}: no generated package with tests (run `hbgen generate {name}`)", 2)
        run = run_generated_tests(package_dir)
        if not run.ok or verbose:
            typer.echo(run.output.rstrip("\n"))
        failures += not run.ok
        table.add_row(name, str(run.passed), str(run.failed + run.errors), str(run.skipped), f"{run.seconds:.1f}s")
    console.print(table)
    if failures:
        raise typer.Exit(1)


# ----------------------------------------------------------------------------------------------------------------
# list


@app.command("list")
def list_cmd(
    specs_dir: Annotated[
        Path | None,
        typer.Option("--specs-dir", help="Folder of specs (default: specs/ in the project root).", show_default=False),
    ] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option(
            "--output-dir",
            "-o",
            help="Parent folder of generated packages (default: generated/ in the project root).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """List specs with their type and domains, whether they are generated, and whether the package is up to date."""
    specs_dir = PROJECT.specs_dir(specs_dir)
    output_dir = PROJECT.output_dir(output_dir)
    from rich.console import Console
    from rich.table import Table

    from hbgen.generator import stale_inputs, templates_sha256
    from hbgen.spec import check_file
    from hbgen.writer import Manifest, WriteError, edited_files

    paths = sorted(specs_dir.glob("*.yaml"))
    if not paths:
        raise _fail(f"no spec files found (looked for {specs_dir}/*.yaml)", 2)
    templates = templates_sha256()
    table = Table(title="connectors")
    for column in ("spec", "name", "type", "domains", "generated", "up to date"):
        table.add_column(column)
    for path in paths:
        model, _ = check_file(path, str(path))
        name = model.name if model else path.stem
        package_dir = output_dir / name
        try:
            manifest = Manifest.read(package_dir)
            generated = "yes" if manifest is not None else "no"
        except WriteError:
            manifest, generated = None, "unreadable manifest"
        if model is None:
            up_to_date = "spec invalid"
        elif manifest is None:
            up_to_date = "-"
        else:
            reasons = stale_inputs(manifest, model, path, path.read_text(encoding="utf-8"), templates)
            edited = edited_files(package_dir, manifest)
            if edited:
                reasons.append(
                    f"{len(edited)} generated file(s) differ from what hbgen wrote ({', '.join(edited[:3])})"
                )
            up_to_date = f"no ({'; '.join(reasons)}: run hbgen generate)" if reasons else "yes"
        table.add_row(
            str(path),
            name,
            model.type if model else "?",
            _places(model),
            generated,
            up_to_date,
        )
    Console().print(table)


# ----------------------------------------------------------------------------------------------------------------
# new-connector


@app.command("new-connector")
def new_connector_cmd(
    name: Annotated[
        str, typer.Argument(help="Connector name: a lowercase identifier, e.g. my_exchange.", metavar="NAME")
    ],
    connector_type: str = typer.Option(
        "spot", "--type", help="Connector type with templates: spot, perpetual or gateway."
    ),
    like: str | None = typer.Option(None, "--like", help="Copy the spec of this existing connector instead."),
    specs_dir: Annotated[
        Path | None,
        typer.Option(
            "--specs-dir",
            help="Where the new spec is written (default: specs/ in the project root).",
            show_default=False,
        ),
    ] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option(
            "--output-dir",
            "-o",
            help="Parent folder of generated packages (default: generated/ in the project root).",
            show_default=False,
        ),
    ] = None,
    no_generate: bool = typer.Option(False, "--no-generate", help="Only write the spec."),
) -> None:
    """Write specs/NAME.yaml (a scaffold with TODOs, or a copy of --like) and generate its package.

    The package gets the hand-owned scaffold from the start (NOTES.md and Copier's answers file; the hook module and
    its tests once the spec names hooks), so `hbgen scaffold-update NAME` can bring template upgrades to it.
    """
    from hbgen.generator import FILES_BY_TYPE
    from hbgen.new_connector import NewConnectorError, rollback, spec_text, write_spec

    specs_dir = PROJECT.specs_dir(specs_dir)
    output_dir = PROJECT.output_dir(output_dir)
    try:
        text = spec_text(name, connector_type, like, specs_dir, list(FILES_BY_TYPE))
        created = write_spec(specs_dir / f"{name}.yaml", text)
    except NewConnectorError as exc:
        raise _fail(str(exc), exc.code) from None
    target = created.spec
    typer.echo(f"wrote {target}")
    for path in created.paths:
        if path != target and path.is_file():
            typer.echo(f"wrote {path} (the JSON Schema its $schema line names, for editors)")
    for note in created.notes:
        typer.echo(f"note: {note}")
    if no_generate:
        return
    outcome = run_generate(target, output_dir, scaffold=True)
    if outcome.code:
        rollback(created)
        typer.echo(outcome.message, err=True)
        raise _fail(f"{name}: no package generated; removed {target} again, so nothing was created", outcome.code)
    assert outcome.report is not None and outcome.package_dir is not None
    _print_report(outcome, dry_run=False)
    typer.echo(
        f"next: fill in the TODOs in {target} (and what the spec cannot say in {outcome.package_dir / 'NOTES.md'}), "
        f"then `hbgen generate {name}` and `hbgen test {name}`"
    )


# ----------------------------------------------------------------------------------------------------------------
# scaffold-update


@app.command("scaffold-update")
def scaffold_update_cmd(
    name: Annotated[
        str, typer.Argument(help="Connector name (spec specs/NAME.yaml) or a spec file path.", metavar="NAME")
    ],
    specs_dir: Annotated[
        Path | None,
        typer.Option(
            "--specs-dir",
            help="Where specs/NAME.yaml are looked up (default: specs/ in the project root).",
            show_default=False,
        ),
    ] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option(
            "--output-dir",
            "-o",
            help="Parent folder of generated packages (default: generated/ in the project root).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Merge hbgen's scaffold template and the spec's current hooks into a package's hand-owned files.

    Runs `copier update` from the template version the package came from to this hbgen's.

    The hook module gets the stubs of hooks added to the spec, NOTES.md and the hook tests get template upgrades;
    your code is kept (Copier's three-way merge; conflicts are marked inline). The package must be committed to git
    first. Exit 0 when everything merged, 1 on conflicts or when the update cannot run, 2 on bad input.
    """
    specs_dir = PROJECT.specs_dir(specs_dir)
    output_dir = PROJECT.output_dir(output_dir)
    from hbgen.generator import spec_display_path
    from hbgen.scaffold import ScaffoldError
    from hbgen.scaffold_update import update_scaffold

    spec_path = _spec_paths([name], False, specs_dir)[0]
    if not spec_path.is_file():
        raise _fail(f"{spec_path}: no such spec", 2)
    model, _ = _load(spec_path)
    package_dir = output_dir / model.name
    try:
        result = update_scaffold(model, spec_display_path(spec_path), package_dir)
    except ScaffoldError as exc:
        raise _fail(f"{model.name}: {exc}", 1) from None
    if result.commit_before != result.commit_after:
        typer.echo(f"{model.name}: scaffold template {result.commit_before} -> {result.commit_after}")
    if not result.changed:
        typer.echo(f"{model.name}: the scaffold in {package_dir} is up to date; nothing changed")
        return
    typer.echo(f"{model.name}: copier update changed {len(result.changed)} file(s) in {package_dir}:")
    for rel in result.changed:
        typer.echo(f"  {'conflict' if rel in result.conflicts else 'merged'}: {rel}")
    if result.conflicts:
        raise _fail(
            "Resolve the conflicts marked between `<<<<<<< before updating` and `>>>>>>> after updating` in "
            f"{', '.join(result.conflicts)}, then run `hbgen generate {model.name}` and `hbgen test {model.name}`, "
            "review `git diff` and commit.",
            1,
        )
    typer.echo(
        f"next: review `git diff -- {package_dir}`, run `hbgen generate {model.name}` and `hbgen test {model.name}`, "
        "and commit"
    )


# ----------------------------------------------------------------------------------------------------------------
# demo


@app.command("demo")
def demo_cmd(
    spec: Annotated[
        Path | None,
        typer.Option(
            "--spec",
            help="The spec to demonstrate (default: specs/binance.yaml in the project root).",
            show_default=False,
        ),
    ] = None,
    keep: bool = typer.Option(False, "--keep", help="Keep the temporary output directory and print its path."),
) -> None:
    """Generate a connector from its spec into a temporary directory, run its generated tests, print a summary."""
    import shutil
    import tempfile
    import time

    if spec is None:
        spec = PROJECT.specs_dir() / "binance.yaml"
    _require_test_tools()
    scratch = Path(tempfile.mkdtemp(prefix="hbgen-demo-"))
    try:
        started = time.perf_counter()
        package_dir = generate_one(spec, scratch, quiet=True)
        generate_s = time.perf_counter() - started
        counts = _count_lines(package_dir)
        spec_lines = len(spec.read_text(encoding="utf-8").splitlines())
        shared = _fragment_lines(spec)
        spec_text = f"{spec_lines} lines" + (f" + {shared} in shared fragments" if shared else "")
        typer.echo(f"generated {package_dir.name} from {spec} in {generate_s:.2f}s into {package_dir}")
        run = run_generated_tests(package_dir)
        if not run.ok:
            typer.echo(run.output)
        typer.echo(
            f"files: {counts['files']} Python files | spec: {spec_text} | generated source: "
            f"{counts['source']} lines | generated tests: {counts['tests']} lines | hooks: {counts['hooks']} lines"
        )
        typer.echo(
            f"tests: {run.passed} passed, {run.failed + run.errors} failed, {run.skipped} skipped in {run.seconds:.1f}s"
        )
        if package_dir.name == "binance":
            typer.echo(
                f"Hummingbot's hand-written Binance spot connector: {HUMMINGBOT_BINANCE_SOURCE_LINES} source lines, "
                f"{HUMMINGBOT_BINANCE_TEST_LINES} test lines"
            )
        if not run.ok:
            raise typer.Exit(1)
    finally:
        if keep:
            typer.echo(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


# ----------------------------------------------------------------------------------------------------------------
# doctor


@app.command("doctor")
def doctor_cmd(
    name: Annotated[
        str, typer.Argument(help="Connector name (specs/NAME.yaml or specs/examples/) or a spec file.", metavar="NAME")
    ],
    specs_dir: Annotated[
        Path | None,
        typer.Option(
            "--specs-dir",
            help="Where specs/NAME.yaml are looked up (default: specs/ in the project root).",
            show_default=False,
        ),
    ] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option(
            "--output-dir",
            "-o",
            help="Parent folder of generated packages (for the hook rows) (default: generated/ in the project root).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check a spec against the exchange API requirements: one row each, ok/missing/waived/optional/n-a.

    Exit 0 when every required row is ok or waived, 1 when one is missing (or a hook is unwritten), 2 on bad input.
    """
    specs_dir = PROJECT.specs_dir(specs_dir)
    output_dir = PROJECT.output_dir(output_dir)
    from hbgen.doctor import main as doctor_main

    if not name.endswith((".yaml", ".yml")):
        _checked_name(name)

    code = doctor_main(name, specs_dir, output_dir)
    if code:
        raise typer.Exit(code)

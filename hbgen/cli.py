"""The ``hbgen`` command line: a thin shell over the generator's stages. Each command parses its arguments, calls
one function of the module that does the work, and turns its result into an exit code; a
:class:`~hbgen.selection.CommandError` becomes its message on stderr and its code.

Exit codes everywhere: 0 success, 1 the operation failed (hand-edited generated files, a template bug, failing
generated tests), 2 bad input (an invalid or missing spec, a bad name, conflicting options). Heavy imports (the spec
front end, Jinja, rich tables, pytest) happen inside the commands, so ``hbgen --help`` and a cold ``hbgen generate``
stay fast.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from hbgen import __version__, cli_help
from hbgen.project import PROJECT
from hbgen.selection import CommandError

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
        typer.echo(f"--root {root}: no such folder", err=True)
        raise typer.Exit(2)
    PROJECT.set_root(root)


def _command(name: str) -> Callable[[Callable[..., int | None]], Callable[..., int | None]]:
    """Register a command whose function returns its exit code (None is 0) or raises :class:`CommandError`."""

    def register(func: Callable[..., int | None]) -> Callable[..., int | None]:
        @functools.wraps(func)
        def run(*args: object, **kwargs: object) -> None:
            try:
                code = func(*args, **kwargs)
            except CommandError as exc:
                if str(exc):
                    typer.echo(str(exc), err=True)
                raise typer.Exit(exc.code) from None
            if code:
                raise typer.Exit(code)

        app.command(name)(run)
        return func

    return register


def _output_dir(help: str = "Parent folder of generated packages") -> Any:
    """The ``--output-dir`` option, ``help`` saying what the folder is for."""
    return typer.Option(
        "--output-dir", "-o", help=f"{help} (default: generated/ in the project root).", show_default=False
    )


def _specs_dir(help: str = "Where specs/NAME.yaml are looked up") -> Any:
    """The ``--specs-dir`` option, ``help`` saying what the folder is for."""
    return typer.Option("--specs-dir", help=f"{help} (default: specs/ in the project root).", show_default=False)


@_command("version")
def version_cmd() -> None:
    """Print the versions of hbgen and of the runtime it generates for."""
    import hbrt

    typer.echo(f"hbgen {__version__} (runtime hbrt {hbrt.__version__})")


@_command("validate")
def validate_cmd(
    specs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Spec files to check (default: every specs/*.yaml).", show_default=False, metavar="SPECS..."
        ),
    ] = None,
) -> int:
    """Validate specs: print every diagnostic as file:line:col: path: message, then a summary.

    Exit 0 when every spec is valid, 2 when one is not (or there is none to check).

    A shared fragment given by name stands for the specs (`specs/*.yaml` and `specs/examples/*.yaml`) that include it.
    """
    from hbgen.selection import specs_to_validate
    from hbgen.summary import validate_specs

    return validate_specs(specs_to_validate(specs, PROJECT.specs_dir()))


@_command("schema")
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
        raise CommandError("give --reference or --fragment, not both")
    if fragment:
        typer.echo(fragment_schema_text(), nl=False)
    elif reference:
        typer.echo(render_reference(), nl=False)
    else:
        typer.echo(json.dumps(load_schema(), indent=2, ensure_ascii=False))


@_command("generate")
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
    output_dir: Annotated[Path | None, _output_dir()] = None,
    specs_dir: Annotated[Path | None, _specs_dir()] = None,
) -> int:
    """Generate connector packages from their specs into OUTPUT_DIR/NAME.

    Exit 0, 1 (a connector failed: hand edits, template bug) or 2 (an invalid spec). With several connectors every
    one is attempted and a summary table lists each result.
    """
    from hbgen.generate_runs import generate_specs
    from hbgen.selection import spec_paths

    paths = spec_paths(names, all_, PROJECT.specs_dir(specs_dir))
    return generate_specs(paths, all_, PROJECT.output_dir(output_dir), force=force, dry_run=dry_run)


@_command("check")
def check_cmd(
    output_dir: Annotated[Path | None, _output_dir("Parent folder of the committed packages")] = None,
    specs_dir: Annotated[Path | None, _specs_dir("Folder of connector specs")] = None,
) -> int:
    """Validate every spec, regenerate each connector in a temporary folder and compare with OUTPUT_DIR.

    Exit 0 when generated/ matches specs/ byte for byte, 1 on any drift (missing, stale or modified file), 2 when
    there is no spec to check.
    """
    from hbgen.check import run_check

    return run_check(PROJECT.specs_dir(specs_dir), PROJECT.output_dir(output_dir))


@_command("test")
def test_cmd(
    names: Annotated[
        list[str] | None,
        typer.Argument(help="Generated connectors to test.", show_default=False, metavar="NAMES..."),
    ] = None,
    all_: bool = typer.Option(False, "--all", help="Test every package under OUTPUT_DIR."),
    output_dir: Annotated[Path | None, _output_dir()] = None,
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print pytest's output for every connector."),
) -> int:
    """Run generated test suites (pytest, one subprocess each) and print a summary table. Exit 1 on any failure.

    pytest's output (every connector's with --verbose, a failing one's always) is printed as it is, never wrapped, so
    test ids can be copied from it.
    """
    from hbgen.suite import run_suites

    return run_suites(names, all_, PROJECT.output_dir(output_dir), verbose)


@_command("list")
def list_cmd(
    specs_dir: Annotated[Path | None, _specs_dir("Folder of specs")] = None,
    output_dir: Annotated[Path | None, _output_dir()] = None,
) -> None:
    """List specs with their type and domains, whether they are generated, and whether the package is up to date."""
    from hbgen.summary import print_list

    print_list(PROJECT.specs_dir(specs_dir), PROJECT.output_dir(output_dir))


@_command("new-connector")
def new_connector_cmd(
    name: Annotated[
        str, typer.Argument(help="Connector name: a lowercase identifier, e.g. my_exchange.", metavar="NAME")
    ],
    connector_type: str = typer.Option(
        "spot", "--type", help="Connector type with templates: spot, perpetual or gateway."
    ),
    like: str | None = typer.Option(None, "--like", help="Copy the spec of this existing connector instead."),
    specs_dir: Annotated[Path | None, _specs_dir("Where the new spec is written")] = None,
    output_dir: Annotated[Path | None, _output_dir()] = None,
    no_generate: bool = typer.Option(False, "--no-generate", help="Only write the spec."),
) -> int:
    """Write specs/NAME.yaml (a scaffold with TODOs, or a copy of --like) and generate its package.

    The package gets the hand-owned scaffold from the start (NOTES.md and Copier's answers file; the hook module and
    its tests once the spec names hooks), so `hbgen scaffold-update NAME` can bring template upgrades to it.
    """
    from hbgen.new_connector import create_connector

    specs, output = PROJECT.specs_dir(specs_dir), PROJECT.output_dir(output_dir)
    return create_connector(name, connector_type, like, specs, output, generate=not no_generate)


@_command("scaffold-update")
def scaffold_update_cmd(
    name: Annotated[
        str, typer.Argument(help="Connector name (spec specs/NAME.yaml) or a spec file path.", metavar="NAME")
    ],
    specs_dir: Annotated[Path | None, _specs_dir()] = None,
    output_dir: Annotated[Path | None, _output_dir()] = None,
) -> int:
    """Merge hbgen's scaffold template and the spec's current hooks into a package's hand-owned files.

    Runs `copier update` from the template version the package came from to this hbgen's.

    The hook module gets the stubs of hooks added to the spec, NOTES.md and the hook tests get template upgrades;
    your code is kept (Copier's three-way merge; conflicts are marked inline). The package must be committed to git
    first. Exit 0 when everything merged, 1 on conflicts or when the update cannot run, 2 on bad input.
    """
    from hbgen.scaffold_update import run_scaffold_update

    return run_scaffold_update(name, PROJECT.specs_dir(specs_dir), PROJECT.output_dir(output_dir))


@_command("demo")
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
) -> int:
    """Generate a connector from its spec into a temporary directory, run its generated tests, print a summary."""
    from hbgen.demo import run_demo

    return run_demo(spec if spec is not None else PROJECT.specs_dir() / "binance.yaml", keep)


@_command("doctor")
def doctor_cmd(
    name: Annotated[
        str, typer.Argument(help="Connector name (specs/NAME.yaml or specs/examples/) or a spec file.", metavar="NAME")
    ],
    specs_dir: Annotated[Path | None, _specs_dir()] = None,
    output_dir: Annotated[Path | None, _output_dir("Parent folder of generated packages (for the hook rows)")] = None,
) -> int:
    """Check a spec against the exchange API requirements: one row each, ok/missing/waived/optional/n-a.

    Exit 0 when every required row is ok or waived, 1 when one is missing (or a hook is unwritten), 2 on bad input.
    """
    from hbgen.doctor import main as doctor_main
    from hbgen.selection import checked_name

    if not name.endswith((".yaml", ".yml")):
        checked_name(name)
    return doctor_main(name, PROJECT.specs_dir(specs_dir), PROJECT.output_dir(output_dir))

"""The ``hbgen`` command line: a thin shell over the generator's stages."""

from __future__ import annotations

from typing import Annotated

import typer

from hbgen import __version__

app = typer.Typer(
    name="hbgen",
    help="Generate Hummingbot-style exchange connectors from a declarative YAML spec.",
    no_args_is_help=True,
    add_completion=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"hbgen {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", help="Print the hbgen version and exit.", callback=_version_callback, is_eager=True
    ),
) -> None:
    """hbgen turns an exchange spec into a connector package that runs on the hbrt runtime."""


@app.command("version")
def version_cmd() -> None:
    """Print the versions of hbgen and of the runtime it generates for."""
    import hbrt

    typer.echo(f"hbgen {__version__} (runtime hbrt {hbrt.__version__})")


@app.command("validate")
def validate_cmd(
    specs: Annotated[
        list[str] | None,
        typer.Argument(help="Spec files to check (default: every specs/*.yaml).", show_default=False),
    ] = None,
) -> None:
    """Validate specs: print every diagnostic as file:line:col: path: message, then a summary. Exit 0 or 2."""
    from pathlib import Path

    from hbgen.spec import check_file

    paths = list(specs) if specs else sorted(str(p) for p in Path("specs").glob("*.yaml"))
    if not paths:
        typer.echo("no spec files found (looked for specs/*.yaml)")
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
            typer.echo(f"{path}: ok ({model.name}, {model.type}, {len(model.endpoints)} endpoints)")
    valid = len(paths) - invalid
    typer.echo(f"{valid} valid, {invalid} invalid, {errors} error{'s' if errors != 1 else ''}")
    if invalid:
        raise typer.Exit(2)


@app.command("schema")
def schema_cmd(
    reference: bool = typer.Option(False, "--reference", help="Print a Markdown reference generated from the schema."),
) -> None:
    """Print the JSON Schema of the spec language (or, with --reference, its Markdown reference)."""
    import json

    from hbgen.spec.reference import render_reference
    from hbgen.spec.schema import load_schema

    if reference:
        typer.echo(render_reference(), nl=False)
    else:
        typer.echo(json.dumps(load_schema(), indent=2, ensure_ascii=False))

"""The ``hbgen`` command line: a thin shell over the generator's stages."""

from __future__ import annotations

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

"""Which specs and packages a command works on: connector names checked the same way by every command, ``--all``,
spec file paths and shared fragments; and :class:`CommandError`, how a command stops with a message and an exit code.

A name is never a path in disguise (``../../x``, ``/etc/passwd``): a connector name is a lowercase identifier, and a
spec file is given by a path ending in ``.yaml``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from hbgen.spec.pipeline import AnySpec


class CommandError(Exception):
    """A command cannot go on: the CLI prints ``message`` (when not empty: what to say was said) to stderr and exits
    with ``code`` (1 failed, 2 bad input)."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def checked_name(name: str) -> str:
    """``name`` when it is a connector name (a lowercase identifier); raises :class:`CommandError` (2) otherwise."""
    from hbgen.new_connector import valid_name

    if not valid_name(name):
        raise CommandError(
            f"invalid connector name {name!r}: a name is a lowercase identifier such as my_exchange (give a spec file "
            "by its path, ending in .yaml)"
        )
    return name


def spec_paths(names: list[str] | None, all_: bool, specs_dir: Path) -> list[Path]:
    """The spec files selected by NAME arguments (connector names or ``.yaml`` paths) or ``--all``."""
    if names and all_:
        raise CommandError("give connector names or --all, not both")
    if all_:
        paths = sorted(specs_dir.glob("*.yaml"))
        if not paths:
            raise CommandError(f"no spec files found (looked for {specs_dir}/*.yaml)")
        return paths
    if not names:
        raise CommandError("name at least one connector (its spec is specs/NAME.yaml) or pass --all")
    return [
        Path(name) if name.endswith((".yaml", ".yml")) else specs_dir / f"{checked_name(name)}.yaml" for name in names
    ]


def connector_names(names: list[str] | None, all_: bool, output_dir: Path) -> list[str]:
    """The generated packages selected by NAME arguments or ``--all`` (every package under ``output_dir`` that has
    tests)."""
    if names and all_:
        raise CommandError("give connector names or --all, not both")
    if all_:
        found = sorted(p.name for p in output_dir.iterdir() if (p / "tests").is_dir()) if output_dir.is_dir() else []
        if not found:
            raise CommandError(f"no generated connectors with tests under {output_dir}/")
        return found
    if not names:
        raise CommandError("name at least one generated connector or pass --all")
    return [checked_name(name) for name in names]


def specs_to_validate(specs: list[str] | None, specs_dir: Path) -> list[str]:
    """The spec files ``validate`` checks: the ones given (default: every ``specs/*.yaml``), a shared fragment standing
    for the specs (``specs/*.yaml`` and ``specs/examples/*.yaml``) that include it, which is said on stdout."""
    from hbgen.spec.includes import dependents, is_fragment

    paths = list(specs) if specs else sorted(str(p) for p in specs_dir.glob("*.yaml"))
    if not paths:
        typer.echo(f"no spec files found (looked for {specs_dir}/*.yaml)")
        raise CommandError("")
    expanded: list[str] = []
    for path in paths:
        if not Path(path).is_file() or not is_fragment(path):
            expanded.append(path)
            continue
        candidates = sorted(specs_dir.glob("*.yaml")) + sorted(specs_dir.glob("examples/*.yaml"))
        users = [str(p) for p in dependents(Path(path), candidates)]
        typer.echo(f"{path}: a shared fragment, included by {', '.join(users) or 'no spec under specs/'}")
        expanded.extend(u for u in users if u not in expanded)
    if not expanded:
        raise CommandError("")
    return expanded


def load_spec(path: Path) -> AnySpec:
    """The model of a valid spec; prints every diagnostic (file:line:col) and raises :class:`CommandError` (2) when
    it is invalid or missing."""
    from hbgen.spec import check_file

    if not path.is_file():
        raise CommandError(f"{path}: no such spec")
    model, diagnostics = check_file(path, str(path))
    if model is None:
        for diagnostic in diagnostics:
            typer.echo(str(diagnostic), err=True)
        count = len(diagnostics)
        raise CommandError(f"{path}: invalid spec ({count} error{'s' if count != 1 else ''}); nothing generated")
    return model

"""What the CLI reports about specs and packages: ``validate``'s verdicts, ``list``'s table, a spec's extent and
places, line counts of a package (for ``demo``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from hbgen.selection import CommandError

if TYPE_CHECKING:
    from hbgen.spec.pipeline import AnySpec


def extent(model: AnySpec) -> str:
    """What ``validate`` says a valid spec covers: its endpoints, or a gateway connector's chain and networks."""
    from hbgen.spec.gateway import GatewayConnectorSpec

    if isinstance(model, GatewayConnectorSpec):
        return f"{model.gateway.dex} on {model.gateway.chain}: {len(model.gateway.networks)} networks"
    return f"{len(model.endpoints)} endpoints"


def places(model: AnySpec | None) -> str:
    """Where a connector trades: its domains, or a gateway connector's networks."""
    from hbgen.spec.gateway import GatewayConnectorSpec

    if model is None:
        return "?"
    return ", ".join(model.gateway.networks if isinstance(model, GatewayConnectorSpec) else model.domains)


def fragment_lines(spec: Path) -> int:
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


def count_lines(root: Path) -> dict[str, int]:
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


def list_rows(paths: list[Path], output_dir: Path) -> list[tuple[str, str, str, str, str, str]]:
    """``hbgen list``'s rows, one per spec: spec, name, type, places, generated (yes, no, unreadable manifest) and up to
    date (yes, or what changed: the spec, a fragment, the templates, hbgen, files edited since hbgen wrote them)."""
    from hbgen.generator import stale_inputs, templates_sha256
    from hbgen.spec import check_file
    from hbgen.writer import Manifest, WriteError, edited_files

    templates = templates_sha256()
    rows = []
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
        rows.append((str(path), name, model.type if model else "?", places(model), generated, up_to_date))
    return rows


def validate_specs(paths: list[str]) -> int:
    """``hbgen validate``: print every diagnostic (file:line:col: path: message), a line per valid spec and a summary;
    the exit code is 2 when a spec is invalid."""
    from hbgen.spec import check_file

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
            typer.echo(f"{path}: ok ({model.name}, {model.type}, {extent(model)}{partial})")
    valid = len(paths) - invalid
    typer.echo(f"{valid} valid, {invalid} invalid, {errors} error{'s' if errors != 1 else ''}")
    return 2 if invalid else 0


def print_list(specs_dir: Path, output_dir: Path) -> None:
    """``hbgen list``: a table of every ``specs_dir/*.yaml`` (see :func:`list_rows`)."""
    from rich.console import Console
    from rich.table import Table

    paths = sorted(specs_dir.glob("*.yaml"))
    if not paths:
        raise CommandError(f"no spec files found (looked for {specs_dir}/*.yaml)")
    table = Table(title="connectors")
    for column in ("spec", "name", "type", "domains", "generated", "up to date"):
        table.add_column(column)
    for row in list_rows(paths, output_dir):
        table.add_row(*row)
    Console().print(table)

"""``hbgen new-connector``: a new spec (a complete example with TODOs, or a copy of another spec), written so that a
failed run leaves nothing behind.

Besides the spec, the project gets the JSON Schemas its ``$schema`` line points at (``specs/schema/``) when it has none:
a project created outside the hbgen repository still gives editors completion and documentation. Every file and
folder the run creates is recorded; when anything fails (a read-only folder, a package that cannot be generated),
:func:`rollback` removes them, so running the command again starts from the same place.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from pathlib import Path

from hbgen.resources import CONNECTOR_SCHEMA, FRAGMENT_SCHEMA, schema_path


class NewConnectorError(Exception):
    """The new connector cannot be created; nothing was written. ``code`` is the exit code."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Created:
    """What a run wrote: files and folders it created (in creation order), and notes for the author."""

    spec: Path
    paths: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def valid_name(name: str) -> bool:
    """A connector name: a lowercase Python identifier that is not a keyword and does not end with ``_``."""
    return bool(re.fullmatch(r"[a-z][a-z0-9_]*", name)) and not keyword.iskeyword(name) and not name.endswith("_")


def display_name(name: str) -> str:
    return " ".join(part.capitalize() for part in name.split("_"))


def scaffold_text(name: str, connector_type: str = "spot") -> str:
    """The text of a new spec: a complete, valid example with TODO comments where the real exchange's facts go."""
    from hbgen.generator import TEMPLATE_DIR
    from hbgen.render import make_environment

    env = make_environment(TEMPLATE_DIR)
    template = env.get_template(f"new_connector/{connector_type}.yaml.j2")
    return template.render(name=name, display_name=display_name(name))


def like_text(name: str, existing_text: str, existing_name: str) -> str:
    """``existing_text`` with the connector name replaced (top-level name, display name, credential key prefixes)."""
    text = re.sub(r"(?m)^name:\s*\S+\s*$", f"name: {name}", existing_text, count=1)
    text = re.sub(r"(?m)^display_name:.*$", f"display_name: {display_name(name)}", text, count=1)
    return re.sub(rf"(?m)^(\s*-\s*key:\s*){re.escape(existing_name)}_", rf"\g<1>{name}_", text)


def spec_text(name: str, connector_type: str, like: str | None, specs_dir: Path, known_types: list[str]) -> str:
    """The new spec's text; raises :class:`NewConnectorError` (exit 2) for a bad name, type or ``--like``."""
    if not valid_name(name):
        raise NewConnectorError(f"invalid connector name {name!r}: use a lowercase identifier such as my_exchange")
    if connector_type not in known_types:
        raise NewConnectorError(
            f"connector type {connector_type!r} has no templates yet (available: {', '.join(sorted(known_types))})"
        )
    if like is None:
        return scaffold_text(name, connector_type)
    if not valid_name(like):
        raise NewConnectorError(f"--like {like!r}: not a connector name (a lowercase identifier)")
    source = specs_dir / f"{like}.yaml"
    try:
        return like_text(name, source.read_text(encoding="utf-8"), like)
    except FileNotFoundError:
        raise NewConnectorError(f"--like {like}: {source} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise NewConnectorError(f"--like {like}: cannot read {source}: {exc}") from None


def _mkdirs(folder: Path, created: Created) -> None:
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for path in reversed(missing):
        path.mkdir()
        created.paths.append(path)


def write_spec(target: Path, text: str) -> Created:
    """Write the spec at ``target`` (never over an existing file) and the schemas beside it when missing.

    Raises :class:`NewConnectorError` (exit 2) when the spec exists or a file cannot be written; whatever this call
    created is removed first.
    """
    if target.exists() or target.is_symlink():
        raise NewConnectorError(f"{target} already exists; refusing to overwrite it")
    created = Created(target)
    try:
        _mkdirs(target.parent, created)
        with target.open("x", encoding="utf-8") as handle:
            created.paths.append(target)
            handle.write(text)
        _write_schemas(target.parent / "schema", created)
    except OSError as exc:
        rollback(created)
        raise NewConnectorError(
            f"cannot write {exc.filename or target}: {exc.strerror or exc}; nothing was created"
        ) from None
    return created


def _write_schemas(folder: Path, created: Created) -> None:
    """The JSON Schemas the spec's ``$schema`` line names, written when missing (a note when one differs)."""
    for name in (CONNECTOR_SCHEMA, FRAGMENT_SCHEMA):
        packaged = schema_path(name).read_bytes()
        target = folder / name
        if target.exists():
            if target.read_bytes() != packaged:
                created.notes.append(
                    f"{target} differs from this hbgen's schema; `hbgen schema > {folder / CONNECTOR_SCHEMA}` "
                    "refreshes the connector schema (`hbgen schema --fragment` the fragment one)"
                )
            continue
        _mkdirs(folder, created)
        with target.open("xb") as handle:
            created.paths.append(target)
            handle.write(packaged)


def rollback(created: Created) -> None:
    """Remove what a run created, newest first (folders only when empty)."""
    for path in reversed(created.paths):
        try:
            if path.is_dir() and not path.is_symlink():
                path.rmdir()
            else:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def create_connector(
    name: str, connector_type: str, like: str | None, specs_dir: Path, output_dir: Path, *, generate: bool = True
) -> int:
    """``hbgen new-connector``: write ``specs_dir/NAME.yaml`` and, unless ``generate`` is false, its package with the
    hand-owned scaffold; says what it wrote and what to do next. When the package cannot be generated the spec is
    removed again (nothing was created) and the exit code is the generation's."""
    import typer

    from hbgen.generate_runs import print_report, run_generate
    from hbgen.generator import FILES_BY_TYPE
    from hbgen.selection import CommandError

    try:
        text = spec_text(name, connector_type, like, specs_dir, list(FILES_BY_TYPE))
        created = write_spec(specs_dir / f"{name}.yaml", text)
    except NewConnectorError as exc:
        raise CommandError(str(exc), exc.code) from None
    target = created.spec
    typer.echo(f"wrote {target}")
    for path in created.paths:
        if path != target and path.is_file():
            typer.echo(f"wrote {path} (the JSON Schema its $schema line names, for editors)")
    for note in created.notes:
        typer.echo(f"note: {note}")
    if not generate:
        return 0
    outcome = run_generate(target, output_dir, scaffold=True)
    if outcome.code:
        rollback(created)
        typer.echo(outcome.message, err=True)
        raise CommandError(
            f"{name}: no package generated; removed {target} again, so nothing was created", outcome.code
        )
    assert outcome.report is not None and outcome.package_dir is not None
    print_report(outcome, dry_run=False)
    typer.echo(
        f"next: fill in the TODOs in {target} (and what the spec cannot say in {outcome.package_dir / 'NOTES.md'}), "
        f"then `hbgen generate {name}` and `hbgen test {name}`"
    )
    return 0

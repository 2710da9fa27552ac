"""Drift check: does ``generated/`` hold exactly what ``specs/`` produce?

Every spec is validated; every connector spec is regenerated through the real writer into a temporary directory,
and the result is compared file by file with the committed package. Any difference is drift: a file missing from
the package, a stale file the spec no longer produces, or a file whose bytes differ (including the manifest).
Hand-owned files (hooks) are only required to exist; their content is the author's.
"""

from __future__ import annotations

import difflib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hbgen.spec import check_file
from hbgen.writer import MANIFEST_NAME, Manifest

IGNORED_PARTS = {"__pycache__", ".pytest_cache", ".hbgen-backup"}


@dataclass(frozen=True)
class Drift:
    """One difference between a committed package and a fresh generation."""

    connector: str
    path: str
    #: "missing" | "stale" | "modified" | "missing-package" (regenerating fixes them), "not-a-file",
    #: "duplicate-name", "invalid-spec" or "generation-failed" (the detail says what to fix first)
    kind: str
    detail: str = ""

    def __str__(self) -> str:
        where = f"{self.connector}/{self.path}" if self.path else self.connector
        return f"{self.kind:<17} {where}" + (f"  ({self.detail})" if self.detail else "")

    @property
    def regenerating_fixes_it(self) -> bool:
        return self.kind in ("missing", "stale", "modified", "missing-package")


def _files(root: Path) -> dict[str, Path]:
    if not root.is_dir():
        return {}
    return {
        p.relative_to(root).as_posix(): p
        for p in sorted(root.rglob("*"))
        if p.is_file() and not IGNORED_PARTS.intersection(p.relative_to(root).parts)
    }


def _change_summary(old: str, new: str) -> str:
    added = removed = 0
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0):
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
    return f"+{added} -{removed} lines"


def _manifest_change(old: str, new: str) -> str:
    """What changed between two manifests, in words: the inputs first (a shared fragment, the spec), else lines."""
    try:
        before, after = Manifest.from_json(old), Manifest.from_json(new)
    except (ValueError, KeyError, TypeError):
        return _change_summary(old, new)
    reasons = [
        f"shared fragment {name} changed"
        for name in sorted(set(before.fragments) | set(after.fragments))
        if before.fragments.get(name) != after.fragments.get(name)
    ]
    if before.spec_sha256 != after.spec_sha256:
        reasons.append(f"{after.spec} changed")
    return "; ".join(reasons) if reasons else _change_summary(old, new)


def compare_packages(connector: str, committed: Path, fresh: Path, hand_owned: set[str]) -> list[Drift]:
    """Differences between a committed package and a fresh generation of it."""
    have, want = _files(committed), _files(fresh)
    drifts: list[Drift] = []
    for rel in sorted(set(want) | set(have)):
        if rel not in have and (committed / rel).exists():
            what = "a folder" if (committed / rel).is_dir() else "something other than a file"
            fix = f"{what} stands where the generated file goes: move it away, then run hbgen generate {connector}"
            drifts.append(Drift(connector, rel, "not-a-file", fix))
        elif rel not in have:
            drifts.append(Drift(connector, rel, "missing", "run hbgen generate " + connector))
        elif rel not in want:
            if rel not in hand_owned:
                drifts.append(Drift(connector, rel, "stale", "the spec no longer produces it"))
        elif rel not in hand_owned:
            old = have[rel].read_text(encoding="utf-8", errors="replace")
            new = want[rel].read_text(encoding="utf-8", errors="replace")
            if old != new:
                summary = _manifest_change(old, new) if rel == MANIFEST_NAME else _change_summary(old, new)
                drifts.append(Drift(connector, rel, "modified", summary))
    return drifts


def check_all(specs_dir: Path, generated_dir: Path, extra_specs: list[Path] | None = None) -> tuple[list[Drift], int]:
    """Validate ``specs_dir/*.yaml`` (and ``extra_specs``), regenerate each connector and compare.

    Returns the drifts and the number of specs checked.
    """
    from hbgen.generator import GenerationError, generate
    from hbgen.scaffold import ANSWERS_FILE
    from hbgen.writer import WriteError

    drifts: list[Drift] = []
    connector_specs = sorted(specs_dir.glob("*.yaml"))
    checked = 0
    models: list[tuple[Path, Any]] = []
    for path in [*connector_specs, *(extra_specs or [])]:
        checked += 1
        model, diagnostics = check_file(path, str(path))
        if model is None:
            drifts.append(
                Drift(path.stem, "", "invalid-spec", f"{len(diagnostics)} error(s); run hbgen validate {path}")
            )
        elif path in connector_specs:
            models.append((path, model))
    owners: dict[str, list[Path]] = {}
    for path, model in models:
        owners.setdefault(model.name, []).append(path)
    for path, model in models:
        if len(owners[model.name]) > 1:
            if path == owners[model.name][0]:
                paths = owners[model.name]
                named = " and ".join(str(p) for p in paths)
                fix = (
                    f"{named} {'both' if len(paths) == 2 else 'all'} name the connector {model.name}; give each spec "
                    "its own `name:`, or remove the copy"
                )
                drifts.append(Drift(model.name, "", "duplicate-name", fix))
            continue
        committed = generated_dir / model.name
        if not committed.is_dir():
            drifts.append(Drift(model.name, "", "missing-package", f"run hbgen generate {model.name}"))
            continue
        # A package has the hand-owned scaffold when its spec names hooks or when it was made with one (it holds
        # Copier's answers file); the fresh generation must agree, or its manifest would not match.
        scaffold = bool(model.hooks) or (committed / ANSWERS_FILE).is_file()
        with tempfile.TemporaryDirectory(prefix="hbgen-check-") as scratch:
            fresh = Path(scratch) / model.name
            try:
                report = generate(model, path, path.read_text(encoding="utf-8"), fresh, scaffold=scaffold)
            except (GenerationError, WriteError) as exc:
                drifts.append(Drift(model.name, "", "generation-failed", str(exc).splitlines()[0]))
                continue
            hand_owned = set(report.hand_owned_created)
            drifts.extend(compare_packages(model.name, committed, fresh, hand_owned))
    return drifts, checked


def run_check(specs_dir: Path, output_dir: Path) -> int:
    """``hbgen check``: print every drift and what fixes it; the exit code is 1 on any drift, 2 when there is no
    spec."""
    import typer

    from hbgen.selection import CommandError

    examples = sorted((specs_dir / "examples").glob("*.yaml"))
    if not examples and not any(specs_dir.glob("*.yaml")):
        raise CommandError(f"no spec files found (looked for {specs_dir}/*.yaml): nothing to check")
    drifts, checked = check_all(specs_dir, output_dir, extra_specs=examples)
    for drift in drifts:
        typer.echo(str(drift), err=True)
    if drifts:
        first = "" if all(d.regenerating_fixes_it for d in drifts) else "fix what each line above says, then "
        raise CommandError(
            f"drift: {len(drifts)} difference(s) between {specs_dir}/ and {output_dir}/. {first.capitalize()}"
            f"{'r' if first else 'R'}egenerate with `hbgen generate --all` and commit the result (never edit "
            "generated files by hand).",
            1,
        )
    typer.echo(f"ok: {checked} spec(s) valid; {output_dir}/ matches {specs_dir}/")
    return 0

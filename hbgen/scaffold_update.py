"""``hbgen scaffold-update``: ``copier update`` of a package's hand-owned scaffold, from any hbgen installation.

Copier's update is a three-way merge: it re-renders the template version the package came from (the answers file's
``_commit``) with the recorded answers as the base, renders the current version with the current answers, and merges
the difference into the author's files. So it needs both template versions, in a git repository, tagged with PEP 440
versions that do not go down.

hbgen builds that repository for each update, in a temporary folder: the version the package came from, committed
and tagged with the recorded ``_commit`` (``<n>+scaffold.<id>``), then the current template tagged
``<n+1>+scaffold.<id>`` when it differs. The old version is the current one when the ids match (a new hook named in
the spec, the usual case), else it is looked up by content id in the git history of the folder hbgen's template lives
in (an hbgen checkout). Copier runs from that repository (``_src_path: .``), so neither the answers file nor the
update depends on where hbgen is installed; an installed wheel updates every package its own template version made.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hbgen.scaffold import (
    ANSWERS_FILE,
    CONFLICT_MARKER,
    ScaffoldError,
    content_id,
    copier_session,
    git,
    parse_version_tag,
    read_answers,
    scaffold_answers,
    scaffold_root,
    template_files,
    template_id,
    version_tag,
    write_template,
)

#: How many commits of an hbgen checkout's history are searched for an older template version.
HISTORY_DEPTH = 500


@dataclass
class UpdateResult:
    """What ``copier update`` did to a package: files it changed and files left with inline conflict markers."""

    package_dir: Path
    commit_before: str
    commit_after: str
    changed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def _package_status(package_dir: Path) -> list[str]:
    """Files under ``package_dir`` that differ from git ``HEAD``, relative to ``package_dir``."""
    top = git(["rev-parse", "--show-toplevel"], package_dir)
    proc = git(["status", "--porcelain", "--untracked-files=all", "--", "."], package_dir)
    if top is None or proc is None or top.returncode != 0 or proc.returncode != 0:
        return []
    root = Path(top.stdout.strip()).resolve()
    found = []
    for line in proc.stdout.splitlines():
        if line.strip():
            path = root / line[3:].strip('"')
            found.append(path.relative_to(package_dir).as_posix() if path.is_relative_to(package_dir) else line[3:])
    return found


def check_update_preconditions(package_dir: Path) -> Mapping[str, Any]:
    """Everything ``copier update`` needs of the package, checked up front so each failure gets a plain message.
    Returns the package's current answers."""
    name = package_dir.name
    if shutil.which("git") is None:
        raise ScaffoldError("git is not on PATH; copier update needs it (install git and retry)")
    if not package_dir.is_dir():
        raise ScaffoldError(f"no package at {package_dir}: run `hbgen generate {name}` first")
    answers = read_answers(package_dir)
    if answers is None:
        raise ScaffoldError(
            f"{package_dir / ANSWERS_FILE} is missing or unreadable, so Copier does not know what the scaffold was "
            f"rendered from. `hbgen generate {name}` creates the scaffold files a package lacks (when its spec names "
            "hooks); `hbgen new-connector` creates them for a new connector."
        )
    inside = git(["rev-parse", "--is-inside-work-tree"], package_dir)
    if inside is None or inside.returncode != 0 or inside.stdout.strip() != "true":
        raise ScaffoldError(
            f"{package_dir} is not inside a git work tree. copier update merges template changes into committed "
            "files and leaves the result for you to review with git diff: commit the package to git first."
        )
    dirty = _package_status(package_dir)
    if dirty:
        shown = ", ".join(dirty[:5]) + (", ..." if len(dirty) > 5 else "")
        raise ScaffoldError(
            f"{package_dir} has uncommitted changes ({shown}). Commit them first: copier update only runs on a "
            "clean tree, so that git diff shows exactly what it merged."
        )
    if parse_version_tag(answers.get("_commit")) is None:
        raise ScaffoldError(
            f"{package_dir / ANSWERS_FILE} records _commit: {answers.get('_commit')!r}, not a version of hbgen's "
            "scaffold template (<n>+scaffold.<id>), so no template version can serve as the base of Copier's "
            "three-way merge. Restore the answers file from version control, or remove it and the scaffold files "
            "you have not edited and run `hbgen generate` to create them afresh."
        )
    return answers


def historic_template(identifier: str, template_root: Path) -> dict[str, bytes] | None:
    """The files of the scaffold template whose content id is ``identifier``: the current template, or a version
    found in the git history of the folder ``template_root`` lives in (an hbgen checkout); None when neither has it."""
    current = template_files(template_root)
    if content_id(current) == identifier:
        return current
    top = git(["rev-parse", "--show-toplevel"], template_root)
    if top is None or top.returncode != 0:
        return None
    checkout = Path(top.stdout.strip()).resolve()
    prefix = template_root.resolve().relative_to(checkout).as_posix()
    log = git(["log", f"--max-count={HISTORY_DEPTH}", "--format=%H", "--", prefix], checkout)
    if log is None or log.returncode != 0:
        return None
    for commit in log.stdout.split():
        files = _files_at(commit, prefix, checkout)
        if files and content_id(files) == identifier:
            return files
    return None


def _files_at(commit: str, prefix: str, cwd: Path) -> dict[str, bytes] | None:
    """The files under ``prefix`` (relative to the checkout ``cwd``) at ``commit``, relative to ``prefix``."""
    import subprocess

    listing = git(["ls-tree", "-r", "-z", "--name-only", commit, "--", prefix], cwd)
    if listing is None or listing.returncode != 0:
        return None
    files: dict[str, bytes] = {}
    for path in filter(None, listing.stdout.split("\0")):
        rel = path[len(prefix) + 1 :] if prefix not in ("", ".") else path
        if "__pycache__" in rel.split("/") or rel.endswith(".pyc"):
            continue
        blob = subprocess.run(["git", "show", f"{commit}:{path}"], cwd=cwd, capture_output=True, check=False)
        if blob.returncode != 0:
            return None
        files[rel] = blob.stdout
    return files


def _template_repository(
    target: Path, old_tag: str, old_files: Mapping[str, bytes], new_tag: str, new_files: Mapping[str, bytes]
) -> None:
    """A git repository at ``target``: ``old_files`` tagged ``old_tag``, then ``new_files`` tagged ``new_tag``."""
    target.mkdir(parents=True)
    env_args = ["-c", "user.name=hbgen", "-c", "user.email=hbgen@localhost"]
    steps: list[tuple[Mapping[str, bytes], str]] = [(old_files, old_tag)]
    if new_tag != old_tag:
        steps.append((new_files, new_tag))
    init = git(["init", "-q"], target)
    if init is None or init.returncode != 0:
        raise ScaffoldError(f"git init failed in {target}: {init.stderr.strip() if init else 'git did not run'}")
    for files, tag in steps:
        for child in target.iterdir():
            if child.is_dir() and child.name != ".git":
                shutil.rmtree(child)
            elif child.is_file():
                child.unlink()
        write_template(files, target)
        for args in (["add", "-A"], [*env_args, "commit", "-q", "--allow-empty", "-m", tag], ["tag", tag]):
            proc = git(args, target)
            if proc is None or proc.returncode != 0:
                detail = (proc.stderr or proc.stdout).strip() if proc else "git did not run"
                raise ScaffoldError(f"could not build the scaffold template repository (git {args[-1]}): {detail}")


def update_scaffold(
    model: Any,
    spec_display: str,
    package_dir: Path,
    template_root: Path | None = None,
) -> UpdateResult:
    """``copier update`` of the package's scaffold to hbgen's current scaffold template, with answers refreshed from
    the spec: template upgrades and the stubs of newly named hooks are merged into the author's files; conflicts are
    marked inline. Raises :class:`ScaffoldError` (nothing changed) when it cannot run."""
    package_dir = package_dir.resolve()
    root = scaffold_root(template_root)
    before = check_update_preconditions(package_dir)
    recorded = parse_version_tag(before.get("_commit"))
    assert recorded is not None  # checked above
    counter, old_id = recorded
    new_id = template_id(root)
    old_files = historic_template(old_id, root)
    if old_files is None:
        raise ScaffoldError(
            f"{package_dir.name}'s scaffold came from version {old_id} of hbgen's scaffold template, which this hbgen "
            f"(template {new_id}) does not have: Copier needs that version as the base of its three-way merge. Run "
            "`hbgen scaffold-update` from a git checkout of hbgen, whose history holds every template version (git "
            "clone the hbgen repository, `pip install -e runtime -e .` in a virtual environment, then run it here), "
            "or from the hbgen release that created the scaffold."
        )
    old_tag = version_tag(counter, old_id)
    new_tag = old_tag if new_id == old_id else version_tag(counter + 1, new_id)

    import copier
    from copier.errors import CopierError
    from plumbum import ProcessExecutionError

    from hbgen.render import RenderError

    with tempfile.TemporaryDirectory(prefix="hbgen-scaffold-update-") as scratch:
        repository = Path(scratch) / "template"
        _template_repository(repository, old_tag, old_files, new_tag, template_files(root))
        try:
            with copier_session(repository):
                copier.run_update(
                    str(package_dir),
                    data=scaffold_answers(model, spec_display),
                    defaults=True,
                    overwrite=True,
                    unsafe=True,
                    quiet=True,
                    skip_tasks=True,
                    conflict="inline",
                    vcs_ref=new_tag,
                )
        except (CopierError, RenderError, ValueError, OSError) as exc:
            raise ScaffoldError(f"copier update of {package_dir} failed: {exc}") from exc
        except ProcessExecutionError as exc:
            detail = (exc.stderr or exc.stdout or "").strip() or str(exc)
            raise ScaffoldError(f"copier update of {package_dir} failed running git: {detail}") from exc
    after = read_answers(package_dir) or {}
    result = UpdateResult(package_dir, str(before.get("_commit")), str(after.get("_commit")))
    result.changed = _package_status(package_dir)
    for rel in result.changed:
        try:
            text = (package_dir / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if CONFLICT_MARKER.search(text):
            result.conflicts.append(rel)
    return result


def run_scaffold_update(name: str, specs_dir: Path, output_dir: Path) -> int:
    """``hbgen scaffold-update NAME``: :func:`update_scaffold` of the spec's package, then what changed and what to do
    next; the exit code is 1 on conflicts or when the update cannot run."""
    import typer

    from hbgen.generator import spec_display_path
    from hbgen.selection import CommandError, load_spec, spec_paths

    spec_path = spec_paths([name], False, specs_dir)[0]
    model = load_spec(spec_path)
    package_dir = output_dir / model.name
    try:
        result = update_scaffold(model, spec_display_path(spec_path), package_dir)
    except ScaffoldError as exc:
        raise CommandError(f"{model.name}: {exc}", 1) from None
    if result.commit_before != result.commit_after:
        typer.echo(f"{model.name}: scaffold template {result.commit_before} -> {result.commit_after}")
    if not result.changed:
        typer.echo(f"{model.name}: the scaffold in {package_dir} is up to date; nothing changed")
        return 0
    typer.echo(f"{model.name}: copier update changed {len(result.changed)} file(s) in {package_dir}:")
    for rel in result.changed:
        typer.echo(f"  {'conflict' if rel in result.conflicts else 'merged'}: {rel}")
    if result.conflicts:
        raise CommandError(
            "Resolve the conflicts marked between `<<<<<<< before updating` and `>>>>>>> after updating` in "
            f"{', '.join(result.conflicts)}, then run `hbgen generate {model.name}` and `hbgen test {model.name}`, "
            "review `git diff` and commit.",
            1,
        )
    typer.echo(
        f"next: review `git diff -- {package_dir}`, run `hbgen generate {model.name}` and `hbgen test {model.name}`, "
        "and commit"
    )
    return 0

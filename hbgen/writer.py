"""The write stage: compare rendered files with the manifest and the disk, then write atomically.

Ownership rules (the generation gap):

* A *generated* file belongs to hbgen. It is listed in the package manifest with the hash of the content hbgen
  wrote. It is rewritten when its content changes and removed when the spec no longer produces it.
* A *hand-owned* file (a hook module, its test) is created once when missing and never touched again.
* A file on disk that is neither in the new plan nor in the old manifest is not ours and is never touched.

A generated file whose bytes on disk no longer match the manifest was edited by hand. The run stops before writing
anything and reports each such file with the edited lines, unless ``force`` is set, in which case the edited file is
first copied to a backup directory.

Every write goes to a temporary file in the same directory followed by :func:`os.replace`, so an interrupted run
leaves either the old or the new file, never half of one; the manifest is written last.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST_NAME = ".hbgen-manifest.json"
BACKUP_DIR_NAME = ".hbgen-backup"
MANIFEST_VERSION = 1


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RenderedFile:
    """One output file: a path relative to the package directory (POSIX separators) and its full text."""

    path: str
    content: str
    hand_owned: bool = False


@dataclass(frozen=True)
class Manifest:
    """What hbgen wrote into one package and from what."""

    connector: str
    spec: str
    spec_sha256: str
    hbgen_version: str
    templates_sha256: str
    files: Mapping[str, str]  # generated file -> sha256 of its content
    hand_owned: tuple[str, ...] = ()
    #: Shared fragments the spec included (path as the spec's is written, e.g. specs/shared/x.yaml) -> sha256.
    fragments: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        data: dict[str, object] = {
            "manifest_version": MANIFEST_VERSION,
            "connector": self.connector,
            "spec": self.spec,
            "spec_sha256": self.spec_sha256,
        }
        if self.fragments:  # only specs that include fragments carry the key
            data["fragments"] = dict(sorted(self.fragments.items()))
        data |= {
            "hbgen_version": self.hbgen_version,
            "templates_sha256": self.templates_sha256,
            "files": dict(sorted(self.files.items())),
            "hand_owned": sorted(self.hand_owned),
        }
        return json.dumps(data, indent=2, sort_keys=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Parse a manifest; raises ``ValueError`` for anything but the shape :meth:`to_json` writes.

        Every path must stay inside the package (see :func:`package_relative`): a manifest is read from disk, and
        an entry such as ``../../victim.txt`` would otherwise make the next run delete or back up a file outside it.
        """
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        strings = ("connector", "spec", "spec_sha256", "hbgen_version", "templates_sha256")
        for key in strings:
            if not isinstance(data[key], str):
                raise ValueError(f"{key!r} is not a string")
        files = data["files"]
        if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
            raise ValueError("'files' is not an object of path -> sha256")
        hand_owned = data.get("hand_owned", [])
        if not isinstance(hand_owned, list) or not all(isinstance(p, str) for p in hand_owned):
            raise ValueError("'hand_owned' is not a list of paths")
        fragments = data.get("fragments", {})
        if not isinstance(fragments, dict) or not all(isinstance(v, str) for v in fragments.values()):
            raise ValueError("'fragments' is not an object of path -> sha256")
        for path in [*files, *hand_owned]:
            package_relative(path)
        return cls(
            connector=data["connector"],
            spec=data["spec"],
            spec_sha256=data["spec_sha256"],
            hbgen_version=data["hbgen_version"],
            templates_sha256=data["templates_sha256"],
            files=dict(files),
            hand_owned=tuple(hand_owned),
            fragments=dict(fragments),
        )

    @classmethod
    def read(cls, package_dir: Path) -> Manifest | None:
        path = package_dir / MANIFEST_NAME
        if not path.is_file():
            return None
        try:
            return cls.from_json(path.read_text(encoding="utf-8"))
        except (ValueError, KeyError, TypeError) as exc:
            raise WriteError(f"{path}: the manifest is unreadable ({exc}); restore it from version control") from exc
        except OSError as exc:
            raise WriteError(f"{path}: the manifest is unreadable ({exc.strerror or exc})") from exc


class WriteError(Exception):
    """The write stage refused to run; nothing was written."""


#: Path parts a package file may never have: they would step out of the package or name it ambiguously.
_FORBIDDEN_PARTS = frozenset({"", ".", ".."})


def package_relative(path: str) -> str:
    """``path`` when it names a file inside a package (relative, POSIX separators, no ``..``, ``.`` or empty parts,
    no NUL or backslash, not the manifest or the backup folder); raises ``ValueError`` otherwise."""
    if not path or "\x00" in path or "\\" in path or path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        raise ValueError(f"path {path!r} is not relative to the package")
    parts = path.split("/")
    if any(part in _FORBIDDEN_PARTS for part in parts):
        raise ValueError(f"path {path!r} leaves the package or has an empty, '.' or '..' part")
    if parts[0] in (MANIFEST_NAME, BACKUP_DIR_NAME):
        raise ValueError(f"path {path!r} names hbgen's own bookkeeping")
    return path


def _inside(package_dir: Path, rel: str, *, under: str = "") -> Path:
    """``package_dir / under / rel``, after checking that ``rel`` is a package path and that no symbolic link on the
    way (the backup folder included) leads out of the package. Raises :class:`WriteError`."""
    try:
        target = package_dir / under / package_relative(rel) if under else package_dir / package_relative(rel)
    except ValueError as exc:
        raise WriteError(f"{package_dir}: {exc}") from exc
    root = package_dir.resolve()
    parent = target.parent.resolve()
    if parent != root and root not in parent.parents:
        raise WriteError(f"{target}: a symbolic link leads out of {package_dir}; refusing to touch it")
    return target


@dataclass(frozen=True)
class HandEdit:
    """A generated file whose bytes differ from what hbgen last wrote."""

    path: str
    diff: str


class HandEditError(WriteError):
    """Generated files were edited by hand; the run stopped before writing anything."""

    def __init__(self, edits: list[HandEdit], package_dir: Path) -> None:
        self.edits = edits
        self.package_dir = package_dir
        lines = [f"{len(edits)} generated file(s) in {package_dir} were edited by hand:"]
        for edit in edits:
            lines.append(f"  {edit.path}")
            lines.extend("    " + line for line in edit.diff.splitlines())
        lines.append(
            "Generated files are rewritten on every run. Move the change into a hook (name it under `hooks:` in the "
            "spec; its module is hand-owned and never overwritten), or re-run with --force to overwrite the edited "
            f"files after a backup copy is saved under {package_dir / BACKUP_DIR_NAME}."
        )
        super().__init__("\n".join(lines))


@dataclass
class WriteReport:
    """What a write did (or, in a dry run, would do)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    hand_owned_created: list[str] = field(default_factory=list)
    backups: list[str] = field(default_factory=list)
    diff: str = ""
    notes: list[str] = field(default_factory=list)  # things the author should know (printed after the report)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed or self.hand_owned_created)


def _umask() -> int:
    """The process umask (read by setting and restoring it: there is no other way)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see either the old or the new content, never a mix.

    A file that existed keeps its mode; a new one gets the mode any other new file gets (``0o666`` less the umask),
    not the ``0o600`` of the temporary file it is written through.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            shutil.copymode(path, tmp)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class NotAFileError(WriteError):
    """Something other than a regular file (a folder, a pipe) stands where hbgen keeps a file; nothing was written."""

    def __init__(self, path: Path) -> None:
        kind = "a folder" if path.is_dir() else "not a regular file"
        super().__init__(
            f"{path} is {kind}, where hbgen keeps a generated file: move it out of the way (or delete it), then run "
            "the command again"
        )


def _read(path: Path) -> str | None:
    """The text of a package file, None when there is none. Bytes that are not UTF-8 read as U+FFFD (the file is
    then a hand edit like any other); anything but a regular file raises :class:`NotAFileError` (never opened: a
    pipe would block)."""
    if not path.exists() and not path.is_symlink():
        return None
    if not path.is_file():
        raise NotAFileError(path)
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None


def _unified(old: str, new: str, path: str, old_label: str, new_label: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"{old_label}/{path}",
            tofile=f"{new_label}/{path}",
        )
    )


def find_hand_edits(
    package_dir: Path,
    manifest: Manifest | None,
    pristine: Callable[[str], str | None] | None = None,
    new: Mapping[str, str] | None = None,
) -> list[HandEdit]:
    """Generated files on disk whose hash differs from the manifest.

    ``pristine(path)`` may return what hbgen originally wrote for ``path`` (the new rendering when the spec and
    templates did not change, or the committed copy); the reported diff is then exactly the hand edit. Without it
    the diff is against nothing and only says the file changed.

    ``new`` maps paths to the content about to be written. A file that already holds exactly that content is not
    an edit to protect: an earlier run was interrupted after writing it but before writing the manifest (the
    manifest is written last), or the hand edit equals what the spec now produces. Either way nothing is lost.
    """
    if manifest is None:
        return []
    edits: list[HandEdit] = []
    for rel, expected in sorted(manifest.files.items()):
        current = _read(_inside(package_dir, rel))
        if current is None or sha256_text(current) == expected:
            continue
        if new is not None and new.get(rel) == current:
            continue
        original = pristine(rel) if pristine else None
        if original is not None and sha256_text(original) == expected:
            diff = _unified(original, current, rel, "generated", "on-disk")
        else:
            diff = "(content differs from what hbgen wrote; the original text is not available to show a diff)"
        edits.append(HandEdit(rel, diff))
    return edits


def edited_files(package_dir: Path, manifest: Manifest) -> list[str]:
    """Generated files whose bytes on disk are not what the manifest records (edited, missing or not a file)."""
    edited = []
    for rel, expected in sorted(manifest.files.items()):
        path = package_dir / rel
        try:
            matches = path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == expected
        except OSError:
            matches = False
        if not matches:
            edited.append(rel)
    return edited


def plan_changes(
    package_dir: Path, files: Iterable[RenderedFile], old: Manifest | None
) -> tuple[dict[str, RenderedFile], list[str]]:
    """Index the new files by path and list the generated files of ``old`` that the new plan no longer produces."""
    new = {f.path: f for f in files}
    stale = sorted(p for p in (old.files if old else {}) if p not in new)
    return new, stale


def write_package(
    package_dir: Path,
    files: Iterable[RenderedFile],
    manifest: Manifest,
    *,
    force: bool = False,
    dry_run: bool = False,
    pristine: Callable[[str], str | None] | None = None,
) -> WriteReport:
    """Bring ``package_dir`` in line with ``files`` and record ``manifest``.

    Raises :class:`HandEditError` (nothing written) when a generated file was edited by hand and ``force`` is
    false. With ``dry_run`` nothing is written and the report's ``diff`` holds a unified diff of every change.
    """
    old = Manifest.read(package_dir)
    new, stale = plan_changes(package_dir, files, old)
    edits = find_hand_edits(package_dir, old, pristine, {rel: f.content for rel, f in new.items()})
    if edits and not force and not dry_run:
        raise HandEditError(edits, package_dir)

    report = WriteReport()
    diffs: list[str] = []
    writes: list[tuple[Path, str]] = []
    for rel, rendered in sorted(new.items()):
        target = _inside(package_dir, rel)
        current = _read(target)
        if rendered.hand_owned:
            if current is None:
                report.hand_owned_created.append(rel)
                writes.append((target, rendered.content))
                diffs.append(_unified("", rendered.content, rel, "a", "b"))
            continue
        if current == rendered.content:
            report.unchanged.append(rel)
            continue
        (report.created if current is None else report.updated).append(rel)
        writes.append((target, rendered.content))
        diffs.append(_unified(current or "", rendered.content, rel, "a", "b"))
    for rel in stale:
        current = _read(_inside(package_dir, rel))
        if current is not None:
            report.removed.append(rel)
            diffs.append(_unified(current, "", rel, "a", "b"))
    report.diff = "".join(diffs)
    if dry_run:
        return report

    if edits:
        for edit in edits:
            source = _inside(package_dir, edit.path)
            backup = _inside(package_dir, edit.path, under=BACKUP_DIR_NAME)
            backup.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, backup)
            report.backups.append(str(backup.relative_to(package_dir)))
    for target, text in writes:
        atomic_write(target, text)
    for rel in report.removed:
        target = _inside(package_dir, rel)
        target.unlink(missing_ok=True)
        _prune_empty_dirs(package_dir, target.parent)
    manifest_text = manifest.to_json()
    if _read(package_dir / MANIFEST_NAME) != manifest_text:
        atomic_write(package_dir / MANIFEST_NAME, manifest_text)
    return report


def _prune_empty_dirs(root: Path, directory: Path) -> None:
    root = root.resolve()
    current = directory.resolve()
    while current != root and root in current.parents:
        try:
            current.rmdir()
        except OSError:
            return
        current = current.parent

"""The hand-owned scaffold of a connector package, rendered by Copier.

A package has two kinds of files. Generated files are hbgen's: rendered from ``templates/`` on every run and recorded
in the manifest. The *scaffold* is the author's: the hook module ``<name>_hooks.py``, its tests, ``NOTES.md`` and
Copier's answers file ``.copier-answers.yml``. It is rendered from the Copier template at the repository root
(``copier.yml``, files under ``templates/scaffold/package``), once, and then belongs to the author;
``hbgen scaffold-update`` brings later template upgrades and newly named hooks into it with Copier's three-way merge.

Creation (:func:`render_scaffold`) runs ``copier.run_copy`` from a plain copy of the template as it is in the working
tree, into a temporary directory; hbgen formats the Python and hands the files to its writer, which creates the
missing ones atomically and never overwrites an existing one. The answers file records ``_src_path: .`` (the hbgen
repository root, relative to itself) and, when the template is committed unchanged at ``HEAD``, ``_commit`` (what
``git describe --tags --always`` says, as Copier would record it): the version ``copier update`` re-renders as the
base of its merge. Without ``_commit`` the scaffold still works; it just cannot be updated by Copier.

Copier is imported only here, inside the functions that create or update a scaffold, so a plain ``hbgen generate``
of a package whose scaffold exists never pays for it.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hbgen.formatting import FormattingError, format_python
from hbgen.writer import RenderedFile

#: The repository root: where ``copier.yml`` lives and the directory Copier records as ``_src_path: .``.
SCAFFOLD_ROOT = Path(__file__).resolve().parent.parent
ANSWERS_FILE = ".copier-answers.yml"
#: What the scaffold is rendered from, relative to the template root (checked for uncommitted changes).
TEMPLATE_SOURCES: tuple[str, ...] = ("copier.yml", "templates/scaffold")
#: The macros of the hook stubs, relative to the template root (Copier's Jinja loader root).
HOOK_MACROS = "templates/scaffold/hooks.jinja"
#: The marker Copier writes at the start of an inline merge conflict.
CONFLICT_MARKER = re.compile(r"^<<<<<<< ", re.MULTILINE)


class ScaffoldError(Exception):
    """The scaffold could not be rendered or updated; the message says why and what to do."""


def _root(template_root: Path | None) -> Path:
    """The template root to use: ``template_root``, or this checkout's (:data:`SCAFFOLD_ROOT`, read at call time)."""
    return template_root if template_root is not None else SCAFFOLD_ROOT


# ----------------------------------------------------------------------------------------------------------------
# Answers


def scaffold_answers(model: Any, spec_display: str) -> dict[str, Any]:
    """Copier's answers for ``model``: plain data, everything the scaffold template needs and nothing else.

    Per hook: ``name``, ``at``, ``description``, plus ``records`` for ``mapping.parse`` (each mapping the hook
    parses and its record fields), ``recipes`` for ``auth.sign`` (each signing recipe it signs, and whether it is
    the default recipe REST requests use) and ``levels`` for ``order_book.checksum``.
    """
    from hbgen.spec.vocabulary import KIND_FIELDS

    recipes = list(model.auth.recipes.values()) if model.auth else []
    default_recipe = None
    if model.auth:
        default_recipe = model.auth.default_recipe or (recipes[0].name if recipes else None)
    hooks: list[dict[str, Any]] = []
    for hook in model.hooks.values():
        entry: dict[str, Any] = {"name": hook.name, "at": hook.at, "description": hook.description}
        if hook.at == "mapping.parse":
            entry["records"] = [
                {"mapping": m.name, "fields": list(KIND_FIELDS[m.kind])}
                for m in model.mappings.values()
                if m.hook == hook.name
            ]
        elif hook.at == "auth.sign":
            entry["recipes"] = [
                {"name": r.name, "default": r.name == default_recipe} for r in recipes if r.hook == hook.name
            ]
        elif hook.at == "order_book.checksum":
            book = model.order_book
            if book is not None and book.checksum_hook == hook.name and book.checksum_levels:
                entry["levels"] = book.checksum_levels
        hooks.append(entry)
    return {
        "name": model.name,
        "display_name": model.display_name,
        "connector_type": model.type,
        "spec_path": spec_display,
        "hooks": hooks,
    }


def read_answers(package_dir: Path) -> dict[str, Any] | None:
    """The package's answers file as data, or None when it has none (or it is not a mapping)."""
    try:
        data = yaml.safe_load((package_dir / ANSWERS_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


# ----------------------------------------------------------------------------------------------------------------
# git


def _git(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str] | None:
    """``git args`` in ``cwd``; None when git cannot run at all."""
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None


def is_git_repo_root(path: Path) -> bool:
    """Whether ``path`` is the top of a git work tree (what Copier requires of a template it can update)."""
    proc = _git(["rev-parse", "--show-toplevel"], path)
    return proc is not None and proc.returncode == 0 and Path(proc.stdout.strip()).resolve() == path.resolve()


def uncommitted_template_changes(template_root: Path) -> list[str]:
    """The scaffold template's files that differ from ``HEAD`` (modified, staged or untracked)."""
    proc = _git(["status", "--porcelain", "--untracked-files=all", "--", *TEMPLATE_SOURCES], template_root)
    if proc is None or proc.returncode != 0:
        return []
    return [line[3:] for line in proc.stdout.splitlines() if line.strip()]


def template_commit(template_root: Path) -> str | None:
    """What Copier records as ``_commit`` for the template as it is now: ``git describe --tags --always`` of
    ``HEAD``, but only when ``template_root`` is a git repository root and the template is committed unchanged
    there (otherwise no commit holds the template these files were rendered from, and None)."""
    if not is_git_repo_root(template_root) or uncommitted_template_changes(template_root):
        return None
    tracked = _git(["ls-files", "--error-unmatch", "--", "copier.yml"], template_root)
    describe = _git(["describe", "--tags", "--always"], template_root)
    if tracked is None or tracked.returncode != 0 or describe is None or describe.returncode != 0:
        return None
    return describe.stdout.strip() or None


# ----------------------------------------------------------------------------------------------------------------
# Creation


@contextlib.contextmanager
def _copier_session(cwd: Path) -> Iterator[None]:
    """Run Copier from ``cwd`` (where ``_src_path: .`` points) with the current environment.

    Copier runs git through plumbum, which copied ``os.environ`` when it was imported; it gets the environment as
    it is now (a git identity set since, for one).
    """
    import os

    from plumbum import local

    with contextlib.chdir(cwd), local.env(**os.environ):
        yield


def _copy_template(template_root: Path, target: Path) -> None:
    """A plain (non-git) copy of the template's sources, so Copier renders the working tree as it is."""
    target.mkdir(parents=True)
    for name in TEMPLATE_SOURCES:
        source = template_root / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif source.is_file():
            shutil.copy2(source, target / name)
        else:
            raise ScaffoldError(f"the scaffold template is incomplete: {source} does not exist")


def _record_commit(answers_text: str, commit: str | None) -> str:
    """The answers file Copier wrote, with ``_commit`` ahead of ``_src_path`` as Copier itself orders them."""
    if commit is None:
        return answers_text
    line = yaml.safe_dump({"_commit": commit}, default_flow_style=False)
    text, count = re.subn(r"(?m)^_src_path: ", lambda m: line + m.group(0), answers_text, count=1)
    if count != 1:
        raise ScaffoldError(f"{ANSWERS_FILE}: Copier wrote no _src_path line (template bug)")
    return text


def copier_texts(answers: Mapping[str, Any], template_root: Path | None = None) -> dict[str, str]:
    """What ``copier copy`` renders from the template's working tree with ``answers``: relative path -> text, as
    Copier wrote it (unformatted; the answers file has ``_src_path: .`` and no ``_commit``).

    Raises :class:`ScaffoldError` when Copier fails. Writes nothing outside a temporary directory.
    """
    import copier
    from copier.errors import CopierError

    from hbgen.render import RenderError

    template_root = _root(template_root)
    name = answers.get("name")
    with tempfile.TemporaryDirectory(prefix="hbgen-scaffold-") as scratch:
        source = Path(scratch) / "template"
        out = Path(scratch) / "package"
        _copy_template(template_root, source)
        try:
            with _copier_session(source):
                copier.run_copy(
                    ".",
                    str(out),
                    data=dict(answers),
                    defaults=True,
                    overwrite=True,
                    unsafe=True,
                    quiet=True,
                    skip_tasks=True,
                )
        except (CopierError, RenderError, ValueError, OSError) as exc:
            raise ScaffoldError(f"Copier could not render the scaffold of {name}: {exc}") from exc
        except Exception as exc:  # Jinja errors inside the template (a template bug), reported the same way
            if type(exc).__module__.startswith("jinja2"):
                raise ScaffoldError(f"scaffold template error for {name}: {exc}") from exc
            raise
        return {
            path.relative_to(out).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(out.rglob("*"))
            if path.is_file()
        }


def render_scaffold(
    model: Any,
    spec_display: str,
    template_root: Path | None = None,
    answers: Mapping[str, Any] | None = None,
) -> list[RenderedFile]:
    """Every scaffold file of ``model``'s package, rendered by Copier and formatted (hand-owned RenderedFiles); the
    answers file records ``_commit`` when the template is committed unchanged (:func:`template_commit`).

    ``answers`` replaces the answers taken from the spec (to re-render what an older answers file describes).
    Raises :class:`ScaffoldError` when Copier or the formatter fails. Writes nothing outside a temporary directory.
    """
    template_root = _root(template_root)
    if answers is None:
        answers = scaffold_answers(model, spec_display)
    commit = template_commit(template_root)
    texts = copier_texts(answers, template_root)
    if ANSWERS_FILE not in texts:
        raise ScaffoldError(f"Copier wrote no {ANSWERS_FILE} (template bug)")
    texts[ANSWERS_FILE] = _record_commit(texts[ANSWERS_FILE], commit)
    try:
        formatted = format_python(texts, first_party=model.name)
    except FormattingError as exc:
        raise ScaffoldError(f"the scaffold of {model.name} does not parse (template bug):\n{exc}") from exc
    return [RenderedFile(path, formatted[path], hand_owned=True) for path in sorted(formatted)]


def answers_after_creation(
    model: Any,
    spec_display: str,
    package_dir: Path,
    rendered: Mapping[str, str],
    created: Sequence[str],
    template_root: Path | None = None,
) -> tuple[str | None, list[str]]:
    """After hbgen created the scaffold files ``created`` (rendered as ``rendered``): the answers file to write over
    the existing one, if any, and notes for the author.

    A new answers file without ``_commit`` gets a note: Copier cannot update that scaffold. An existing answers file
    is replaced by the fresh record when that is true for every scaffold file (see :func:`answers_refresh`);
    otherwise it stays, with a note.
    """
    if ANSWERS_FILE in created:
        if "\n_commit:" in rendered.get(ANSWERS_FILE, ""):
            return None, []
        return None, [
            f"{ANSWERS_FILE} records no _commit: the scaffold template has uncommitted changes (or hbgen does not run "
            "from a git checkout), so no commit holds the version these files came from, and "
            f"`hbgen scaffold-update {model.name}` cannot merge template upgrades into them."
        ]
    if ANSWERS_FILE not in rendered:
        return None, []
    existing = [rel for rel in rendered if rel not in created and rel != ANSWERS_FILE]
    try:
        text, note = answers_refresh(model, spec_display, package_dir, rendered, existing, template_root)
    except ScaffoldError as exc:
        text, note = None, f"{ANSWERS_FILE} left as it is: {exc}"
    current = (package_dir / ANSWERS_FILE).read_text(encoding="utf-8")
    return (text if text != current else None), ([note] if note else [])


def answers_refresh(
    model: Any,
    spec_display: str,
    package_dir: Path,
    rendered: Mapping[str, str],
    existing: Sequence[str],
    template_root: Path | None = None,
) -> tuple[str | None, str]:
    """The answers file to write after hbgen created scaffold files next to an existing one: ``(text, "")`` when the
    fresh record (``rendered``'s answers file) is true for every scaffold file, else ``(None, why not)``.

    The answers file tells ``copier update`` what the scaffold was rendered from: it re-renders that (template at
    ``_commit``, recorded answers) as the base of its three-way merge. Files hbgen just created came from the current
    template and answers; the ``existing`` ones from the recorded ones. The fresh record is true for both when the
    template has not changed since ``_commit`` and each existing file renders the same under either answers (NOTES.md
    does not depend on the hooks, for one).
    """
    template_root = _root(template_root)
    old = read_answers(package_dir)
    unchanged = (
        "nothing to do now: the package is complete and works; the record only matters to hbgen scaffold-update, "
        "which may later mark the files just created as conflicts: keep your side of each conflict"
    )
    if old is None:
        return None, f"{package_dir / ANSWERS_FILE} is unreadable; left as it is ({unchanged})"
    commit = old.get("_commit")
    if not commit or template_commit(template_root) is None:
        return None, (
            f"{ANSWERS_FILE} left as it is: without a committed, unchanged scaffold template hbgen cannot tell whether "
            f"a refreshed record would be true ({unchanged})"
        )
    same = _git(["diff", "--quiet", str(commit), "--", *TEMPLATE_SOURCES], template_root)
    if same is None or same.returncode != 0:
        return None, (
            f"{ANSWERS_FILE} left as it is: the scaffold template changed since {commit}, which the existing scaffold "
            f"files came from ({unchanged}; run it first next time)"
        )
    recorded = {key: value for key, value in old.items() if not str(key).startswith("_")}
    before = {f.path: f.content for f in render_scaffold(model, spec_display, template_root, recorded)}
    differing = [rel for rel in existing if before.get(rel) != rendered.get(rel)]
    if differing:
        return None, (
            f"{ANSWERS_FILE} left as it is: {', '.join(differing)} would render differently from the spec's current "
            f"answers ({unchanged})"
        )
    return rendered[ANSWERS_FILE], ""


# ----------------------------------------------------------------------------------------------------------------
# Hooks named in the spec but missing from an existing hook module


def hook_module(model: Any, package_dir: Path) -> Path:
    return package_dir / f"{model.name}_hooks.py"


def missing_hooks(model: Any, package_dir: Path) -> list[str]:
    """Hooks the spec names that the package's existing hook module does not define, in spec order.

    Read with :mod:`ast` (never imported), by the same helper as ``hbgen doctor``. An absent module gives [] (the
    next generation creates it with every stub). Raises :class:`ScaffoldError` when the module cannot be read.
    """
    module = hook_module(model, package_dir)
    if not model.hooks or not module.is_file():
        return []
    from hbgen.doctor import hook_definitions

    try:
        defined = hook_definitions(module.read_text(encoding="utf-8"), str(module))
    except SyntaxError as exc:
        raise ScaffoldError(f"cannot check the hooks: {module} line {exc.lineno}: {exc.msg}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ScaffoldError(f"cannot check the hooks: cannot read {module}: {exc}") from exc
    return [name for name in model.hooks if name not in defined]


def stub_environment(template_root: Path | None = None) -> Any:
    """A Jinja environment like the one Copier renders the scaffold with: ``copier.yml``'s ``_envops`` and
    ``_jinja_extensions``, sandboxed, its loader at the template root. For the hook macros only (no Copier)."""
    from jinja2 import FileSystemLoader, StrictUndefined, Undefined
    from jinja2.sandbox import SandboxedEnvironment

    template_root = _root(template_root)
    config = yaml.safe_load((template_root / "copier.yml").read_text(encoding="utf-8"))
    envops = dict(config.get("_envops") or {})
    envops["undefined"] = StrictUndefined if envops.get("undefined") == "jinja2.StrictUndefined" else Undefined
    return SandboxedEnvironment(
        loader=FileSystemLoader(str(template_root)),
        extensions=list(config.get("_jinja_extensions") or ()),
        **envops,
    )


def missing_hook_stubs(
    model: Any, spec_display: str, names: Sequence[str], template_root: Path | None = None
) -> tuple[str, str]:
    """The imports and the stubs of ``names``, rendered by the scaffold's own macros (what Copier would add)."""
    macros = stub_environment(template_root).get_template(HOOK_MACROS).module
    wanted = set(names)
    hooks = [h for h in scaffold_answers(model, spec_display)["hooks"] if h["name"] in wanted]
    imports = str(macros.hook_imports(model.name, hooks)).strip("\n")
    stubs = "\n\n\n".join(str(macros.hook_stub(model.name, hook)) for hook in hooks)
    return imports, stubs


def missing_hooks_message(model: Any, spec_display: str, package_dir: Path, names: Sequence[str]) -> str:
    """What ``hbgen generate`` prints when the hook module lacks hooks the generated code calls."""
    module = hook_module(model, package_dir)
    imports, stubs = missing_hook_stubs(model, spec_display, names)
    listed = ", ".join(names)
    lines = [
        f"{model.name}: {module} does not define {len(names)} hook(s) the spec names: {listed}.",
        "The generated code calls them, so the package is broken until they exist. hbgen never edits this "
        "hand-owned module. Either commit your work and run",
        f"    hbgen scaffold-update {model.name}",
        "(Copier merges the new stubs into the module and keeps your code), or paste these stubs into it, with the "
        "imports they use that it lacks:",
        "",
    ]
    if imports:
        lines += [imports, "", ""]
    lines.append(stubs)
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------------------------
# Update


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
    top = _git(["rev-parse", "--show-toplevel"], package_dir)
    proc = _git(["status", "--porcelain", "--untracked-files=all", "--", "."], package_dir)
    if top is None or proc is None or top.returncode != 0 or proc.returncode != 0:
        return []
    root = Path(top.stdout.strip()).resolve()
    found = []
    for line in proc.stdout.splitlines():
        if line.strip():
            path = root / line[3:].strip('"')
            found.append(path.relative_to(package_dir).as_posix() if path.is_relative_to(package_dir) else line[3:])
    return found


def check_update_preconditions(package_dir: Path, template_root: Path) -> Mapping[str, Any]:
    """Everything ``copier update`` needs, checked up front so each failure gets a plain message. Returns the
    package's current answers."""
    name = package_dir.name
    if shutil.which("git") is None:
        raise ScaffoldError("git is not on PATH; copier update needs it")
    if not package_dir.is_dir():
        raise ScaffoldError(f"no package at {package_dir}: run `hbgen generate {name}` first")
    answers = read_answers(package_dir)
    if answers is None:
        raise ScaffoldError(
            f"{package_dir / ANSWERS_FILE} is missing or unreadable, so Copier does not know what the scaffold was "
            f"rendered from. `hbgen generate {name}` creates the scaffold files a package lacks (when its spec names "
            "hooks); `hbgen new-connector` creates them for a new connector."
        )
    inside = _git(["rev-parse", "--is-inside-work-tree"], package_dir)
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
    if not is_git_repo_root(template_root):
        raise ScaffoldError(
            f"the scaffold template at {template_root} is not the root of a git repository. copier update renders "
            "the template at the commit the scaffold came from, so it needs the template's history: run hbgen "
            "from a git checkout of it."
        )
    changed = uncommitted_template_changes(template_root)
    if changed:
        raise ScaffoldError(
            f"the scaffold template has uncommitted changes ({', '.join(changed)}) in {template_root}. copier "
            "update uses committed template versions only: commit them first."
        )
    if not answers.get("_commit"):
        raise ScaffoldError(
            f"{package_dir / ANSWERS_FILE} records no _commit: the scaffold was rendered from a template with "
            "uncommitted changes (or outside a git checkout), so no commit holds its base version for Copier's "
            "three-way merge. Add `_commit: <the hbgen commit it came from>` to the answers file, commit, retry."
        )
    return answers


def update_scaffold(
    model: Any,
    spec_display: str,
    package_dir: Path,
    template_root: Path | None = None,
) -> UpdateResult:
    """``copier update`` of the package's scaffold to the template at ``HEAD``, with answers refreshed from the
    spec: template upgrades and the stubs of newly named hooks are merged into the author's files; conflicts are
    marked inline. Raises :class:`ScaffoldError` (nothing changed) when a precondition fails."""
    package_dir = package_dir.resolve()
    template_root = _root(template_root).resolve()
    before = check_update_preconditions(package_dir, template_root)
    head = _git(["rev-parse", "HEAD"], template_root)
    if head is None or head.returncode != 0:
        raise ScaffoldError(f"cannot read HEAD of {template_root}: {head.stderr.strip() if head else 'no git'}")

    import copier
    from copier.errors import CopierError
    from plumbum import ProcessExecutionError

    from hbgen.render import RenderError

    try:
        with _copier_session(template_root):
            copier.run_update(
                str(package_dir),
                data=scaffold_answers(model, spec_display),
                defaults=True,
                overwrite=True,
                unsafe=True,
                quiet=True,
                skip_tasks=True,
                conflict="inline",
                vcs_ref=head.stdout.strip(),
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

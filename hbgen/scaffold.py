"""The hand-owned scaffold of a connector package, rendered by Copier.

A package has two kinds of files. Generated files are hbgen's: rendered from ``templates/`` on every run and recorded
in the manifest. The *scaffold* is the author's: the hook module ``<name>_hooks.py``, its tests, ``NOTES.md`` and
Copier's answers file ``.copier-answers.yml``. It is rendered from the Copier template ``templates/scaffold/``
(``copier.yml``, files under ``package/``; shipped as package data, see :mod:`hbgen.resources`), once, and then belongs
to the author; ``hbgen scaffold-update`` (:mod:`hbgen.scaffold_update`) brings later template upgrades and newly named
hooks into it with Copier's three-way merge.

Creation (:func:`render_scaffold`) runs ``copier.run_copy`` from a plain copy of the template into a temporary
directory; hbgen formats the Python and hands the files to its writer, which creates the missing ones atomically and
never overwrites an existing one. The answers file records ``_src_path: .`` (the template repository
``scaffold-update`` builds, relative to where Copier runs) and ``_commit: 1+scaffold.<id>``, ``<id>`` being the
template's content id (:func:`template_id`): what ``copier update`` re-renders as the base of its merge. Nothing in it
depends on where hbgen or the project is installed.

Copier is imported only here, inside the functions that create or update a scaffold, so a plain ``hbgen generate``
of a package whose scaffold exists never pays for it.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from hbgen.formatting import FormattingError, format_python
from hbgen.writer import RenderedFile

#: The template folder to use instead of the packaged one (tests point it at a copy); None: hbgen's own.
SCAFFOLD_ROOT: Path | None = None
ANSWERS_FILE = ".copier-answers.yml"
#: The macros of the hook stubs, relative to the template root (Copier's Jinja loader root).
HOOK_MACROS = "hooks.jinja"
#: What every template version id starts with after its update counter: ``<n>+scaffold.<content id>``.
ID_MARK = "+scaffold."
#: The marker Copier writes at the start of an inline merge conflict.
CONFLICT_MARKER = re.compile(r"^<<<<<<< ", re.MULTILINE)
_SKIPPED = frozenset({"__pycache__", ".git", ".DS_Store"})


class ScaffoldError(Exception):
    """The scaffold could not be rendered or updated; the message says why and what to do."""


def scaffold_root(template_root: Path | None) -> Path:
    """The template folder: ``template_root``, else :data:`SCAFFOLD_ROOT` (read at call time), else hbgen's own."""
    if template_root is not None:
        return template_root
    if SCAFFOLD_ROOT is not None:
        return SCAFFOLD_ROOT
    from hbgen.resources import scaffold_template_dir

    return scaffold_template_dir()


def template_files(template_root: Path) -> dict[str, bytes]:
    """The template's files (relative POSIX path -> bytes), without caches and version-control folders."""
    files: dict[str, bytes] = {}
    for path in sorted(template_root.rglob("*")):
        relative = path.relative_to(template_root)
        if path.is_file() and not _SKIPPED.intersection(relative.parts) and path.suffix != ".pyc":
            files[relative.as_posix()] = path.read_bytes()
    return files


def content_id(files: Mapping[str, bytes]) -> str:
    """12 hex digits of a SHA-256 over the files' paths and bytes: the same template content, the same id."""
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(rel.encode() + b"\0" + files[rel] + b"\0")
    return digest.hexdigest()[:12]


def template_id(template_root: Path | None = None) -> str:
    """The content id of the scaffold template (see :func:`content_id`)."""
    root = scaffold_root(template_root)
    if not (root / "copier.yml").is_file():
        raise ScaffoldError(f"the scaffold template is incomplete: {root / 'copier.yml'} does not exist")
    return content_id(template_files(root))


def version_tag(counter: int, identifier: str) -> str:
    """What an answers file records as ``_commit``: ``<counter>+scaffold.<id>``, a PEP 440 version whose number is
    the package's update counter (Copier refuses to update to a lower version) and whose local part is the id."""
    return f"{counter}{ID_MARK}{identifier}"


def parse_version_tag(commit: object) -> tuple[int, str] | None:
    """``(counter, id)`` of a ``_commit`` that :func:`version_tag` wrote, else None."""
    match = re.fullmatch(r"(\d+)\+scaffold\.([0-9a-f]{12})", str(commit))
    return (int(match.group(1)), match.group(2)) if match else None


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


def git(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str] | None:
    """``git args`` in ``cwd``; None when git cannot run at all."""
    try:
        return subprocess.run(
            ["git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None


# ----------------------------------------------------------------------------------------------------------------
# Creation


@contextlib.contextmanager
def copier_session(cwd: Path) -> Iterator[None]:
    """Run Copier from ``cwd`` (where ``_src_path: .`` points) with the current environment.

    Copier runs git through plumbum, which copied ``os.environ`` when it was imported; it gets the environment as
    it is now (a git identity set since, for one).
    """
    import os

    from plumbum import local

    with contextlib.chdir(cwd), local.env(**os.environ):
        yield


def write_template(files: Mapping[str, bytes], target: Path) -> None:
    """Write a template's files (see :func:`template_files`) under ``target``."""
    for rel, data in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _record_commit(answers_text: str, commit: str) -> str:
    """The answers file Copier wrote, with ``_commit`` ahead of ``_src_path`` as Copier itself orders them."""
    line = yaml.safe_dump({"_commit": commit}, default_flow_style=False)
    text, count = re.subn(r"(?m)^_src_path: ", lambda m: line + m.group(0), answers_text, count=1)
    if count != 1:
        raise ScaffoldError(f"{ANSWERS_FILE}: Copier wrote no _src_path line (template bug)")
    return text


def copier_texts(answers: Mapping[str, Any], template_root: Path | None = None) -> dict[str, str]:
    """What ``copier copy`` renders from the template with ``answers``: relative path -> text, as Copier wrote it
    (unformatted; the answers file has ``_src_path: .`` and no ``_commit``).

    Raises :class:`ScaffoldError` when Copier fails. Writes nothing outside a temporary directory.
    """
    import copier
    from copier.errors import CopierError

    from hbgen.render import RenderError

    template_root = scaffold_root(template_root)
    name = answers.get("name")
    with tempfile.TemporaryDirectory(prefix="hbgen-scaffold-") as scratch:
        source = Path(scratch) / "template"
        out = Path(scratch) / "package"
        write_template(template_files(template_root), source)
        try:
            with copier_session(source):
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
    answers file records ``_commit: 1+scaffold.<template id>`` (see :func:`version_tag`).

    ``answers`` replaces the answers taken from the spec (to re-render what an older answers file describes).
    Raises :class:`ScaffoldError` when Copier or the formatter fails. Writes nothing outside a temporary directory.
    """
    template_root = scaffold_root(template_root)
    if answers is None:
        answers = scaffold_answers(model, spec_display)
    commit = version_tag(1, template_id(template_root))
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

    A new answers file is written as rendered. An existing one is replaced by the fresh record when that is true for
    every scaffold file (see :func:`answers_refresh`); otherwise it stays, with a note.
    """
    if ANSWERS_FILE in created or ANSWERS_FILE not in rendered:
        return None, []
    existing = [rel for rel in rendered if rel not in created and rel != ANSWERS_FILE]
    try:
        text, note = answers_refresh(model, spec_display, package_dir, rendered, existing, template_root)
    except ScaffoldError as exc:
        text, note = None, f"{ANSWERS_FILE} left as it is: {exc}"
    current = (package_dir / ANSWERS_FILE).read_text(encoding="utf-8", errors="replace")
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
    fresh record (``rendered``'s answers file, with the recorded update counter) is true for every scaffold file,
    else ``(None, why not)``.

    The answers file tells ``copier update`` what the scaffold was rendered from: it re-renders that (template version
    ``_commit``, recorded answers) as the base of its three-way merge. Files hbgen just created came from the current
    template and answers; the ``existing`` ones from the recorded ones. The fresh record is true for both when the
    template is the recorded version and each existing file renders the same under either answers (NOTES.md does not
    depend on the hooks, for one).
    """
    template_root = scaffold_root(template_root)
    old = read_answers(package_dir)
    unchanged = (
        "nothing to do now: the package is complete and works; the record only matters to hbgen scaffold-update, "
        "which may later mark the files just created as conflicts: keep your side of each conflict"
    )
    if old is None:
        return None, f"{package_dir / ANSWERS_FILE} is unreadable; left as it is ({unchanged})"
    recorded = parse_version_tag(old.get("_commit"))
    current = template_id(template_root)
    if recorded is None or recorded[1] != current:
        return None, (
            f"{ANSWERS_FILE} left as it is: the existing scaffold files came from another version of the scaffold "
            f"template ({old.get('_commit')}; this hbgen has {current}), so run `hbgen scaffold-update {model.name}` "
            f"to bring them up to date ({unchanged})"
        )
    answers = {key: value for key, value in old.items() if not str(key).startswith("_")}
    before = {f.path: f.content for f in render_scaffold(model, spec_display, template_root, answers)}
    differing = [rel for rel in existing if before.get(rel) != rendered.get(rel)]
    if differing:
        return None, (
            f"{ANSWERS_FILE} left as it is: {', '.join(differing)} would render differently from the spec's current "
            f"answers ({unchanged})"
        )
    text = re.sub(
        r"(?m)^_commit: .*$", f"_commit: {version_tag(recorded[0], current)}", rendered[ANSWERS_FILE], count=1
    )
    return text, ""


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

    template_root = scaffold_root(template_root)
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

"""The hand-owned scaffold, rendered by Copier: which files, which answers, formatted and lint-clean, deterministic,
injection-proof; and what `hbgen generate` says when the spec names a hook the hand-owned module lacks.

The git-backed flows (`copier update` of a template upgrade, a hook added later merged by `hbgen scaffold-update`)
are in test_scaffold_update.py.
"""

from __future__ import annotations

import ast
import importlib.util
import io
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from ruff.__main__ import find_ruff_bin
from typer.testing import CliRunner

from hbgen.cli import app
from hbgen.formatting import format_python
from hbgen.generator import generate
from hbgen.scaffold import (
    ANSWERS_FILE,
    copier_texts,
    missing_hook_stubs,
    render_scaffold,
    scaffold_answers,
    template_id,
    version_tag,
)
from hbgen.spec import check_text
from hbgen.spec.includes import flattened

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SCAFFOLD = [".copier-answers.yml", "NOTES.md", "binance_hooks.py", "tests/test_binance_hooks.py"]
runner = CliRunner()


def _sibling(name: str) -> ModuleType:
    """A sibling test module (tests are not a package), for its spec builders and hostile strings."""
    spec = importlib.util.spec_from_file_location(f"_scaffold_uses_{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


plug_points = _sibling("test_generate_hook_plug_points")
injection = _sibling("test_generate_injection")


def _model(doc_or_text: Any) -> Any:
    text = doc_or_text if isinstance(doc_or_text, str) else yaml.safe_dump(doc_or_text, sort_keys=False)
    model, diagnostics = check_text(text, "specs/binance.yaml")
    assert model is not None, [str(d) for d in diagnostics]
    return model


def _binance(hooks: dict[str, Any] | None = None) -> dict[str, Any]:
    doc = flattened(ROOT / "specs" / "binance.yaml")
    if hooks is not None:
        doc["hooks"] = hooks
    return doc


# ------------------------------------------------------------------------------------------- files and answers


def test_scaffold_files_answers_and_no_machine_paths(tmp_path: Path) -> None:
    model = _model(plug_points.hooked_spec_text())
    package = tmp_path / "out" / "binance"
    report = generate(model, ROOT / "specs" / "binance.yaml", "text", package)
    assert sorted(report.hand_owned_created) == SCAFFOLD
    answers = yaml.safe_load((package / ANSWERS_FILE).read_text(encoding="utf-8"))
    description = {
        name: hook["description"] for name, hook in yaml.safe_load(plug_points.hooked_spec_text())["hooks"].items()
    }
    assert answers == {
        "_commit": version_tag(1, template_id()),
        "_src_path": ".",
        "name": "binance",
        "display_name": "Binance",
        "connector_type": "spot",
        "spec_path": "specs/binance.yaml",
        "hooks": [
            {
                "name": "binance_balances",
                "at": "mapping.parse",
                "description": description["binance_balances"],
                "records": [{"mapping": "balances", "fields": ["asset", "available", "total", "sequence"]}],
            },
            {
                "name": "binance_sign_rest",
                "at": "auth.sign",
                "description": description["binance_sign_rest"],
                "recipes": [{"name": "rest", "default": True}],
            },
            {
                "name": "binance_sign_ws_api",
                "at": "auth.sign",
                "description": description["binance_sign_ws_api"],
                "recipes": [{"name": "ws_api", "default": False}],
            },
            {
                "name": "binance_book_checksum",
                "at": "order_book.checksum",
                "description": description["binance_book_checksum"],
                "levels": plug_points.LEVELS,
            },
        ],
    }
    for rel in SCAFFOLD:
        text = (package / rel).read_text(encoding="utf-8")
        assert str(tmp_path) not in text and str(ROOT) not in text and "/tmp" not in text, rel
        assert "specs/binance.yaml" in text, rel  # every file names its spec, relative
    notes = (package / "NOTES.md").read_text(encoding="utf-8")
    assert notes.startswith("<!-- Created once by hbgen") and "# Binance: notes" in notes
    assert "## API documentation" in notes and "## Quirks" in notes
    manifest = yaml.safe_load((package / ".hbgen-manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["hand_owned"]) == SCAFFOLD
    assert not set(manifest["files"]) & set(SCAFFOLD)  # hand-owned files are never hashed as generated


def test_scaffold_is_formatted_ruff_clean_and_the_template_is_already_in_ruff_format(tmp_path: Path) -> None:
    model = _model(plug_points.hooked_spec_text())
    files = {f.path: f.content for f in render_scaffold(model, "specs/binance.yaml")}
    assert sorted(files) == SCAFFOLD
    assert format_python(files, first_party="binance") == files
    # Copier's own rendering (what `copier update` merges with) needs no formatting: a template change that
    # breaks this makes every later update of these files look like a hand edit.
    raw = copier_texts(scaffold_answers(model, "specs/binance.yaml"))
    assert {rel: raw[rel] for rel in raw if rel.endswith(".py")} == {
        rel: text for rel, text in files.items() if rel.endswith(".py")
    }
    package = tmp_path / "binance"
    for rel, text in files.items():
        (package / rel).parent.mkdir(parents=True, exist_ok=True)
        (package / rel).write_text(text, encoding="utf-8")
    lint = subprocess.run(
        [find_ruff_bin(), "check", "--isolated", "--no-cache", "--line-length", "120", "--target-version", "py311"]
        + ["--select", "E,F,W,I,B,UP", "--config", "lint.isort.known-first-party = ['binance']"]
        + ["--config", "lint.isort.known-third-party = ['hbrt']", str(package)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_scaffold_is_deterministic() -> None:
    model = _model(plug_points.hooked_spec_text())
    first = render_scaffold(model, "specs/binance.yaml")
    second = render_scaffold(model, "specs/binance.yaml")
    assert [(f.path, f.content.encode()) for f in first] == [(f.path, f.content.encode()) for f in second]


def test_without_hooks_the_scaffold_is_notes_and_answers() -> None:
    model = _model(_binance())
    files = {f.path: f.content for f in render_scaffold(model, "specs/binance.yaml")}
    assert sorted(files) == [".copier-answers.yml", "NOTES.md"]
    assert yaml.safe_load(files[ANSWERS_FILE])["hooks"] == []


def test_packages_without_a_scaffold_get_none(tmp_path: Path) -> None:
    model = _model(_binance())
    report = generate(model, ROOT / "specs" / "binance.yaml", "text", tmp_path / "binance")
    assert report.hand_owned_created == []
    assert not (tmp_path / "binance" / "NOTES.md").exists() and not (tmp_path / "binance" / ANSWERS_FILE).exists()


# ------------------------------------------------------------------------------------------------- injection


def _code_tokens(source: str) -> list[str]:
    skip = {tokenize.STRING, tokenize.COMMENT, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}
    return [t.string for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type not in skip]


def test_hostile_descriptions_and_names_cannot_inject_code() -> None:
    doc = injection.hostile_document()
    doc["hooks"]["binance_second"] = {"at": "symbols.resolve_duplicates", "description": injection.EVIL_LINE}
    model = _model(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))
    files = {f.path: f.content for f in render_scaffold(model, "specs/binance.yaml")}
    for rel in ("binance_hooks.py", "tests/test_binance_hooks.py"):
        compile(files[rel], rel, "exec")
        tokens = _code_tokens(files[rel])
        assert "__import__" not in tokens and "system" not in tokens, rel
    functions = {
        node.name: node for node in ast.parse(files["binance_hooks.py"]).body if isinstance(node, ast.AsyncFunctionDef)
    }
    assert injection.EVIL_LINE in (ast.get_docstring(functions["binance_extra"]) or "")
    for line in files["NOTES.md"].splitlines():
        assert not line.startswith("__import__"), line
    assert "\r" not in files["NOTES.md"] and "\u2028" not in files["NOTES.md"]
    assert "{{ 7*7 }}" in files["NOTES.md"] and "49" not in files["NOTES.md"]  # Jinja in a value stays text
    answers = yaml.safe_load(files[ANSWERS_FILE])  # YAML quoting keeps every character, and no more
    assert answers["display_name"] == injection.EVIL
    assert answers["hooks"][0]["description"] == injection.EVIL
    assert not [line for line in files[ANSWERS_FILE].splitlines() if line.startswith("__import__")]


# ------------------------------------------------------------------------------------- hooks added to the spec


def test_generate_reports_a_hook_the_module_lacks_and_leaves_the_module_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").mkdir()
    spec = tmp_path / "specs" / "binance.yaml"
    first = {"binance_poll": {"at": "exchange.status_polling", "description": "Poll the sub-account balances."}}
    spec.write_text(yaml.safe_dump(_binance(first), sort_keys=False), encoding="utf-8")
    assert runner.invoke(app, ["generate", "binance"]).exit_code == 0
    module = tmp_path / "generated" / "binance" / "binance_hooks.py"
    written = (
        "from typing import Any\n\n\nasync def binance_poll(connector: Any) -> None:\n"
        "    await connector.poll_sub_accounts()  # hand-written\n"
    )
    module.write_text(written, encoding="utf-8")

    later = {**first, "binance_cancel": {"at": "exchange.cancel_order", "description": "Cancel by client id."}}
    spec.write_text(yaml.safe_dump(_binance(later), sort_keys=False), encoding="utf-8")
    result = runner.invoke(app, ["generate", "binance"])
    assert result.exit_code == 1, result.output
    assert "does not define 1 hook(s) the spec names: binance_cancel" in result.output
    assert "async def binance_cancel(connector: Any, order_id: str, tracked_order: InFlightOrder) -> bool:" in (
        result.output
    )
    assert "from hbrt.data_type.in_flight_order import InFlightOrder" in result.output
    assert "hbgen scaffold-update binance" in result.output and "Traceback" not in result.output
    assert module.read_bytes() == written.encode()  # hand-owned: untouched
    exchange = (tmp_path / "generated" / "binance" / "binance_exchange.py").read_text(encoding="utf-8")
    assert "hooks.binance_cancel(" in exchange  # the generated files were written all the same

    # The stub as printed is what the module needs: pasted in, generation succeeds.
    imports, stubs = missing_hook_stubs(
        _model(spec.read_text(encoding="utf-8")), "specs/binance.yaml", ["binance_cancel"]
    )
    assert imports in result.output and stubs in result.output
    module.write_text(imports + "\n" + written + "\n\n" + stubs + "\n", encoding="utf-8")
    result = runner.invoke(app, ["generate", "binance"])
    assert result.exit_code == 0, result.output


def test_generate_many_lists_missing_hooks_in_the_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").mkdir()
    spec = tmp_path / "specs" / "binance.yaml"
    spec.write_text(
        yaml.safe_dump(
            _binance({"binance_poll": {"at": "exchange.status_polling", "description": "Poll the sub-accounts."}}),
            sort_keys=False,
        )
    )
    assert runner.invoke(app, ["generate", "--all"]).exit_code == 0
    (tmp_path / "generated" / "binance" / "binance_hooks.py").write_text("X = 1\n", encoding="utf-8")
    result = runner.invoke(app, ["generate", "--all"])
    assert result.exit_code == 1
    assert "hooks missing" in result.output and "def binance_poll(" in result.output


def test_new_connector_creates_notes_and_answers_and_check_accepts_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").mkdir()
    result = runner.invoke(app, ["new-connector", "my_exchange"])
    assert result.exit_code == 0, result.output
    package = tmp_path / "generated" / "my_exchange"
    assert (package / "NOTES.md").is_file() and (package / ANSWERS_FILE).is_file()
    assert not (package / "my_exchange_hooks.py").exists()  # created once the spec names hooks
    answers = yaml.safe_load((package / ANSWERS_FILE).read_text(encoding="utf-8"))
    assert answers["name"] == "my_exchange" and answers["spec_path"] == "specs/my_exchange.yaml"
    assert answers["hooks"] == [] and answers["_src_path"] == "."
    # A later run keeps the scaffold (the answers file says the package has one) and `hbgen check` agrees.
    assert runner.invoke(app, ["generate", "my_exchange"]).exit_code == 0
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0, result.output
    (package / "NOTES.md").unlink()
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 1 and "missing           my_exchange/NOTES.md" in result.output


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX paths")
def test_scaffold_update_errors_are_plain_messages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").mkdir()
    spec = tmp_path / "specs" / "binance.yaml"
    spec.write_text(yaml.safe_dump(_binance(), sort_keys=False), encoding="utf-8")
    assert runner.invoke(app, ["generate", "binance"]).exit_code == 0
    result = runner.invoke(app, ["scaffold-update", "binance"])
    assert result.exit_code == 1 and f"{ANSWERS_FILE} is missing or unreadable" in result.output

    if shutil.which("git") is None:
        pytest.skip("git is not on PATH")
    hooks = {"binance_poll": {"at": "exchange.status_polling", "description": "Poll the sub-accounts."}}
    spec.write_text(yaml.safe_dump(_binance(hooks), sort_keys=False), encoding="utf-8")
    assert runner.invoke(app, ["generate", "binance"]).exit_code == 0
    result = runner.invoke(app, ["scaffold-update", "binance"])
    assert result.exit_code == 1 and "is not inside a git work tree" in result.output
    assert "Traceback" not in result.output

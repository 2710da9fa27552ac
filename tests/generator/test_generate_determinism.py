"""Determinism: the same spec and templates give byte-identical packages, and the committed generated/binance is
exactly what the generator produces today (regenerate and commit when this fails)."""

from __future__ import annotations

from pathlib import Path

from hbgen.generator import generate
from hbgen.spec import load_spec
from hbgen.writer import MANIFEST_NAME, Manifest

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "specs" / "binance.yaml"
COMMITTED = ROOT / "generated" / "binance"


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _generate(target: Path) -> Path:
    model = load_spec(SPEC, "specs/binance.yaml")
    package = target / model.name
    generate(model, SPEC, SPEC.read_text(encoding="utf-8"), package)
    return package


def test_generating_twice_gives_byte_identical_trees(tmp_path: Path) -> None:
    first = _tree(_generate(tmp_path / "a"))
    second = _tree(_generate(tmp_path / "b"))
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []
    assert MANIFEST_NAME in first and "binance_exchange.py" in first


def test_regenerating_in_place_changes_nothing(tmp_path: Path) -> None:
    package = _generate(tmp_path)
    before = _tree(package)
    model = load_spec(SPEC, "specs/binance.yaml")
    report = generate(model, SPEC, SPEC.read_text(encoding="utf-8"), package)
    assert not report.changed
    assert _tree(package) == before


def test_committed_binance_package_equals_a_fresh_generation(tmp_path: Path) -> None:
    fresh = _tree(_generate(tmp_path))
    manifest = Manifest.read(COMMITTED)
    assert manifest is not None, "generated/binance has no manifest: run `hbgen generate binance`"
    committed = {name: data for name, data in _tree(COMMITTED).items() if name in fresh}
    missing = sorted(set(fresh) - set(committed))
    stale = [name for name in fresh if name in committed and committed[name] != fresh[name]]
    assert (missing, stale) == ([], []), "generated/binance is out of date: run `hbgen generate binance` and commit"


def test_compiled_template_cache_changes_nothing(tmp_path: Path, monkeypatch) -> None:
    """Templates compiled from source, stored in Jinja's bytecode cache, then loaded from it render the same bytes;
    an edited template is recompiled, not served stale from the cache."""
    import jinja2

    from hbgen.generator import render
    from hbgen.render import environment

    model = load_spec(SPEC, "specs/binance.yaml")
    monkeypatch.setattr(environment, "_bytecode_cache", lambda: None)
    uncached = render(model, SPEC)
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    monkeypatch.setattr(environment, "_bytecode_cache", lambda: jinja2.FileSystemBytecodeCache(str(cache_dir)))
    filling = render(model, SPEC)
    assert any(cache_dir.iterdir())
    from_cache = render(model, SPEC)
    assert filling == uncached and from_cache == uncached

    templates = tmp_path / "templates"
    (templates / "t").mkdir(parents=True)
    page = templates / "t" / "x.j2"
    page.write_text("one {{ 1 + 1 }}\n", encoding="utf-8")
    cache = jinja2.FileSystemBytecodeCache(str(cache_dir))
    first = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)), bytecode_cache=cache)
    assert first.get_template("t/x.j2").render() == "one 2"
    page.write_text("two {{ 2 + 2 }}\n", encoding="utf-8")
    second = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)), bytecode_cache=cache)
    assert second.get_template("t/x.j2").render() == "two 4"


def test_template_cache_can_be_turned_off(monkeypatch) -> None:
    from hbgen.render import environment

    monkeypatch.setenv("HBGEN_TEMPLATE_CACHE", "0")
    assert environment._bytecode_cache() is None
    monkeypatch.setenv("HBGEN_TEMPLATE_CACHE", "1")
    assert environment._bytecode_cache() is not None

"""Shared fragments (``include:``): how facts merge, where diagnostics point, and every way an include can fail."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from hbgen.spec import SpecError, check_file
from hbgen.spec.includes import dependents, flattened, load_composed

REPO = Path(__file__).resolve().parents[2]


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def messages(root: Path, spec: str = "spec.yaml") -> list[str]:
    doc = load_composed(root / spec, spec)
    return [str(d) for d in sorted(doc.diagnostics)]


def test_mappings_merge_lists_concatenate_and_the_spec_has_the_last_word(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "shared/common.yaml": "fragment: common facts\n"
            "auth:\n  recipes:\n    rest: {algorithm: hmac_sha256, output: hex}\n  test_vectors: [a, b]\n"
            "polling: {order_status_interval: 10}\n",
            "spec.yaml": "name: x\ninclude: [shared/common.yaml]\n"
            "auth:\n  default_recipe: rest\n  recipes:\n    ws: {algorithm: hmac_sha512}\n  test_vectors: [c]\n"
            "polling: {order_status_interval: 3}\n",
        },
    )
    doc = load_composed(tmp_path / "spec.yaml", "spec.yaml")
    assert doc.diagnostics == []
    assert doc.data == {
        "auth": {
            "recipes": {"rest": {"algorithm": "hmac_sha256", "output": "hex"}, "ws": {"algorithm": "hmac_sha512"}},
            "test_vectors": ["a", "b", "c"],
            "default_recipe": "rest",
        },
        "polling": {"order_status_interval": 3},
        "name": "x",
        "include": ["shared/common.yaml"],
    }
    # Every node keeps where it was written: the fragment's in the fragment, the spec's (and overrides) in the spec.
    assert doc.diag(["auth", "recipes", "rest", "output"], "m").file == "shared/common.yaml"
    assert doc.diag(["auth", "recipes", "rest", "output"], "m").line == 4
    assert doc.diag(["auth"], "m").file == "spec.yaml"  # a mapping both state is positioned where the spec has it
    assert doc.diag(["auth", "test_vectors", 1], "m").file == "shared/common.yaml"
    assert doc.diag(["auth", "test_vectors", 2], "m").file == "spec.yaml"
    assert (
        str(doc.diag(["polling", "order_status_interval"], "m")) == "spec.yaml:8:34: polling.order_status_interval: m"
    )
    fragment = doc.fragments[0]
    raw = (tmp_path / "shared/common.yaml").read_bytes()
    assert (fragment.relative, fragment.sha256) == ("shared/common.yaml", hashlib.sha256(raw).hexdigest())


def test_a_diagnostic_in_a_fragment_points_into_it_and_names_the_including_chain(tmp_path: Path) -> None:
    binance = (REPO / "specs" / "binance.yaml").read_text(encoding="utf-8")
    signing = (REPO / "specs" / "shared" / "binance_rest_signing.yaml").read_text(encoding="utf-8")
    write(
        tmp_path,
        {
            "specs/spec.yaml": binance.replace("shared/binance_rest_signing.yaml", "shared/outer.yaml"),
            "specs/shared/outer.yaml": "fragment: outer\ninclude: [binance_rest_signing.yaml]\n",
            "specs/shared/binance_rest_signing.yaml": signing.replace("output: hex", "output: hexa"),
        },
    )
    model, diagnostics = check_file(tmp_path / "specs" / "spec.yaml", "specs/spec.yaml")
    assert model is None
    line = signing.splitlines().index("      output: hex") + 1
    spec_line = binance.splitlines().index("include: [shared/binance_rest_signing.yaml]") + 1
    assert [str(d) for d in diagnostics] == [
        f"specs/shared/binance_rest_signing.yaml:{line}:15: auth.recipes.rest.output: expected one of hex, base64, "
        f'got "hexa" (did you mean "hex"?) [included by specs/shared/outer.yaml:2:11 <- specs/spec.yaml:{spec_line}:11]'
    ]


def test_binance_takes_its_signing_from_the_shared_fragment() -> None:
    model, diagnostics = check_file(REPO / "specs" / "binance.yaml", "specs/binance.yaml")
    assert diagnostics == [] and model is not None and model.auth is not None
    assert list(model.auth.recipes) == ["rest", "ws_api"]
    text = (REPO / "specs" / "shared" / "binance_rest_signing.yaml").read_bytes()
    assert model.fragments == (("shared/binance_rest_signing.yaml", hashlib.sha256(text).hexdigest()),)
    assert "include" not in flattened(REPO / "specs" / "binance.yaml")
    assert dependents(REPO / "specs" / "shared" / "binance_rest_signing.yaml", [REPO / "specs" / "binance.yaml"])


def test_missing_file_cycle_and_bad_entries_are_errors_at_the_include(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "spec.yaml": "name: x\ninclude: [shared/nope.yaml, shared/a.yaml, /etc/x.yaml]\n",
            "shared/a.yaml": "fragment: a\ninclude: [b.yaml]\nx: 1\n",
            "shared/b.yaml": "fragment: b\ninclude: [a.yaml, c.txt]\n",
        },
    )
    assert messages(tmp_path) == [
        "shared/b.yaml:2:11: include[0]: include cycle: shared/a.yaml -> shared/b.yaml -> shared/a.yaml "
        "(a fragment may not include itself, directly or not) [included by shared/a.yaml:2:11 <- spec.yaml:2:29]",
        'shared/b.yaml:2:19: include[1]: "c.txt": expected a .yaml file '
        "[included by shared/a.yaml:2:11 <- spec.yaml:2:29]",
        'spec.yaml:2:11: include[0]: cannot include "shared/nope.yaml": shared/nope.yaml does not exist '
        "(paths are relative to the including file)",
        'spec.yaml:2:44: include[2]: "/etc/x.yaml": an include is a path relative to the including file '
        "(e.g. shared/fragment.yaml)",
    ]


def test_a_fragment_reached_twice_is_read_once_but_sibling_fragments_may_not_disagree(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "spec.yaml": "name: x\ninclude: [a.yaml, b.yaml]\n",
            "a.yaml": "fragment: a\ninclude: [c.yaml]\nlimits: {one: 1, two: 2}\n",
            "b.yaml": "fragment: b\ninclude: [c.yaml]\nlimits: {two: 3}\n",
            "c.yaml": "fragment: c\nlist: [1]\n",
        },
    )
    doc = load_composed(tmp_path / "spec.yaml", "spec.yaml")
    assert doc.data["list"] == [1]  # c.yaml merged once, not twice
    assert [str(d) for d in doc.diagnostics] == [
        "b.yaml:3:15: limits.two: two included fragments state different values here: 2 at a.yaml:3:23 and 3 "
        "(state the fact in one fragment, or in the including file, which has the last word) "
        "[included by spec.yaml:2:19]"
    ]


def test_only_fragments_can_be_included_and_they_carry_no_identity(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "spec.yaml": "name: x\ninclude: [other.yaml, plain.yaml, named.yaml, list.yaml]\n",
            "other.yaml": "name: other\ntype: spot\n",
            "plain.yaml": "auth: {}\n",
            "named.yaml": "fragment: shared\nname: y\ntype: spot\n",
            "list.yaml": "- a\n",
        },
    )
    assert messages(tmp_path) == [
        "list.yaml:1:1: a fragment is a mapping of spec keys [included by spec.yaml:2:47]",
        'named.yaml:2:1: name: a fragment may not state "name" '
        "(the connector's identity belongs to the spec that includes the fragment) [included by spec.yaml:2:35]",
        'named.yaml:3:1: type: a fragment may not state "type" '
        "(the connector's identity belongs to the spec that includes the fragment) [included by spec.yaml:2:35]",
        "other.yaml:1:1: other.yaml is a connector spec, not a fragment; a spec cannot include another spec "
        "(move the facts both specs share into a fragment under specs/shared/ and include it from both) "
        "[included by spec.yaml:2:11]",
        'plain.yaml:1:1: plain.yaml not a fragment: a fragment starts with "fragment: <what it shares>" '
        "(the marker says what the file is for and keeps it from being read as a spec) [included by spec.yaml:2:23]",
    ]


def test_a_fragment_with_bad_yaml_reports_in_the_fragment(tmp_path: Path) -> None:
    write(tmp_path, {"spec.yaml": "name: x\ninclude: [f.yaml]\n", "f.yaml": "fragment: f\nauth: [1\n"})
    assert messages(tmp_path) == [
        "f.yaml:3:1: YAML syntax error: expected ',' or ']', but got '<stream end>' "
        "(while parsing a flow sequence at line 2, column 7) [included by spec.yaml:2:11]"
    ]


def test_a_fragment_is_not_a_spec(tmp_path: Path) -> None:
    model, diagnostics = check_file(REPO / "specs" / "shared" / "binance_rest_signing.yaml", "f.yaml")
    assert model is None
    assert [str(d) for d in diagnostics] == [
        "f.yaml:7:1: this file is a shared fragment, not a connector spec "
        "(validate or generate a spec that includes it)"
    ]


def test_flattened_raises_on_a_broken_composition(tmp_path: Path) -> None:
    write(tmp_path, {"spec.yaml": "name: x\ninclude: [gone.yaml]\n"})
    with pytest.raises(SpecError, match="gone.yaml does not exist"):
        flattened(tmp_path / "spec.yaml")


def test_the_fragment_schema_is_committed_and_the_shared_fragments_satisfy_it() -> None:
    import json

    import yaml
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    from hbgen.spec.includes import fragment_schema_text
    from hbgen.spec.schema import load_schema

    committed = (REPO / "specs" / "schema" / "fragment.schema.json").read_text(encoding="utf-8")
    assert committed == fragment_schema_text(), "run: hbgen schema --fragment > specs/schema/fragment.schema.json"
    connector = Resource.from_contents(load_schema())
    registry = Registry().with_resources([("connector.schema.json", connector), (load_schema()["$id"], connector)])
    validator = Draft202012Validator(json.loads(committed), registry=registry)
    for path in sorted((REPO / "specs" / "shared").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# yaml-language-server: $schema=../schema/fragment.schema.json\n"), path
        errors = [e.message for e in validator.iter_errors(yaml.safe_load(text))]
        assert errors == [], path
    assert list(validator.iter_errors({"name": "x"}))  # identity keys and a missing marker are refused

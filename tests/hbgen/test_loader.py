"""The positioned YAML loader: positions of keys and values, YAML 1.1 quirks avoided, hostile documents contained."""

from __future__ import annotations

from hbgen.spec.loader import MAX_NODES, load_file, load_text


def test_positions_of_keys_and_values() -> None:
    doc = load_text("a:\n  b: [1, {c: x}]\n  d: |\n    text\n", "f.yaml")
    assert doc.diagnostics == []
    assert doc.data == {"a": {"b": [1, {"c": "x"}], "d": "text\n"}}
    assert doc.positions.values[("a", "b")] == (2, 6)
    assert doc.positions.values[("a", "b", 1, "c")] == (2, 14)
    assert doc.positions.keys[("a", "d")] == (3, 3)
    assert doc.positions.of(("a", "b", 1, "missing")) == (2, 10)  # nearest known ancestor


def test_yaml_1_1_quirks_are_not_applied() -> None:
    doc = load_text("a: yes\nb: no\nc: on\nd: 2024-01-01\ne: true\nf: 0.10\ng: '1'\n", "f.yaml")
    assert doc.data == {"a": "yes", "b": "no", "c": "on", "d": "2024-01-01", "e": True, "f": 0.1, "g": "1"}


def test_merge_keys_tags_and_recursive_aliases_are_errors() -> None:
    merge = load_text("base: &b {x: 1}\nother:\n  <<: *b\n", "f.yaml")
    assert [str(d) for d in merge.diagnostics] == [
        "f.yaml:3:3: other: merge keys (<<) are not supported (write the keys out)"
    ]
    tagged = load_text("a: !!python/object:os.system x\n", "f.yaml")
    assert "cannot read value" in str(tagged.diagnostics[0]) and tagged.diagnostics[0].line == 1
    recursive = load_text("a: &x [*x]\n", "f.yaml")
    assert [str(d) for d in recursive.diagnostics] == [
        "f.yaml:1:4: a[0]: recursive alias: a node may not contain itself"
    ]


def test_alias_bombs_are_bounded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    doc = load_text("\n".join(lines) + "\n", "bomb.yaml")
    assert any(f"more than {MAX_NODES} nodes" in d.message for d in doc.diagnostics)


def test_aliases_are_allowed() -> None:
    doc = load_text("x: &v [1, 2]\ny: *v\n", "f.yaml")
    assert doc.diagnostics == [] and doc.data == {"x": [1, 2], "y": [1, 2]}


def test_non_utf8_file(tmp_path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"a: 1\nb: \xff\n")
    doc = load_file(path, "bad.yaml")
    assert [str(d) for d in doc.diagnostics] == ["bad.yaml:2:4: the file is not valid UTF-8"]


def test_syntax_errors_are_the_same_with_or_without_libyaml() -> None:
    doc = load_text("a: [1\n", "f.yaml")
    assert [str(d) for d in doc.diagnostics] == [
        "f.yaml:2:1: YAML syntax error: expected ',' or ']', but got '<stream end>' "
        "(while parsing a flow sequence at line 1, column 4)"
    ]

"""Filters make any spec value safe Python: hostile strings stay data."""

import ast
from decimal import Decimal

import pytest

from hbgen.render import RenderError, camel, comment, ident, py, py_doc, py_text

HOSTILE = [
    'a"b',
    "a'b",
    "'''",
    '"""',
    "\\",
    "x\\",
    "line1\nline2",
    "\r\n\t\x00\x1b",
    "{{ 7*7 }}",
    "{% for x in y %}",
    "{#",
    "__import__('os').system('echo pwned')",
    '"); __import__("os").system("echo pwned"); ("',
    "\u2028\u2029",
    "ünïcödé €",
    "}{][)(",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_py_renders_hostile_strings_as_inert_literals(value: str) -> None:
    source = f"x = {py(value)}\n"
    tree = ast.parse(source)
    assert len(tree.body) == 1
    assert isinstance(tree.body[0].value, ast.Constant)
    namespace: dict = {}
    exec(compile(tree, "<test>", "exec"), namespace)
    assert namespace["x"] == value


def test_py_renders_nested_values_round_trip() -> None:
    value = {"a": [1, 2.5, None, True], "b": ("x",), "c": {"d": Decimal("0.00100000")}, "e": ()}
    namespace: dict = {"Decimal": Decimal}
    exec(f"x = {py(value)}", namespace)
    assert namespace["x"] == value
    assert py(Decimal("0.00100000")) == "Decimal('0.00100000')"


def test_py_is_deterministic_for_sets_and_rejects_unknown_types() -> None:
    assert py(frozenset({"b", "a"})) == py(frozenset({"a", "b"}))
    with pytest.raises(RenderError):
        py(object())
    with pytest.raises(RenderError):
        py(float("nan"))


@pytest.mark.parametrize("bad", ["", "1abc", "a-b", "class", "a b", "a;import os", "é", None, 3])
def test_ident_rejects_non_identifiers(bad) -> None:
    with pytest.raises(RenderError):
        ident(bad)


def test_ident_camel_and_comment() -> None:
    assert ident("binance_perpetual") == "binance_perpetual"
    assert camel("binance_perpetual") == "BinancePerpetual"
    assert comment("two\nlines\r\n  and\x00more") == "two lines and more"


@pytest.mark.parametrize("value", HOSTILE)
def test_py_text_concatenates_to_the_flattened_text(value: str) -> None:
    text = (value + " ") * 30 + "end"
    source = f"x = (\n    {py_text(text, 4, 40)}\n)\n"
    namespace: dict = {}
    exec(compile(ast.parse(source), "<test>", "exec"), namespace)
    assert namespace["x"] == comment(text)
    if len(comment(text)) > 40:
        assert len(source.splitlines()) > 3  # wrapped onto several lines


@pytest.mark.parametrize("value", HOSTILE)
def test_py_doc_is_one_inert_docstring(value: str) -> None:
    texts = ["Purpose " * 20, "", value * 3, value]
    source = f"def f():\n    {py_doc(texts, 4, 40)}\n"
    tree = ast.parse(source)
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef) and len(function.body) == 1  # nothing but the docstring
    namespace: dict = {}
    exec(compile(tree, "<test>", "exec"), namespace)
    doc = namespace["f"].__doc__
    assert " ".join(doc.split()) == " ".join(comment(" ".join(texts)).split())
    assert "\n\n" in doc  # the empty text is an empty line, without trailing spaces
    assert all(len(line) <= 4 + 40 + 6 for line in source.splitlines() if "Purpose" in line)

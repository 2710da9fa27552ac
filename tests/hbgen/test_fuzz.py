"""Mutation fuzz over every shipped spec: random breakages, fixed seed, and never a traceback.

Each round takes one of the shipped specs (``specs/*.yaml``, ``specs/examples/*.yaml``) and breaks it: deletes keys
and list items, swaps values for values of other types, misspells keys, plants injection payloads (Jinja, Python,
quotes, placeholders) in strings, or mangles the text itself (truncation, stray characters, bad indentation). Then:

* validation returns a model or diagnostics and never raises; every diagnostic is printable (as UTF-8) and points at
  a line of the text it names;
* a spec that stays valid is rendered through the real generator (templates and the pinned formatter), which either
  succeeds or fails with a plain :class:`GenerationError`; the output parses as Python, and no planted Jinja payload
  was ever evaluated (``hbgenfuzz`` and ``evaluated`` never meet) nor any planted Python line emitted as code.

``make test`` runs ``HBGEN_FUZZ_MUTATIONS`` rounds (default 200) with seed ``HBGEN_FUZZ_SEED`` (default 20260730); a
long offline run: ``HBGEN_FUZZ_MUTATIONS=5000 .venv/bin/python -m pytest -q tests/hbgen/test_fuzz.py``.
"""

from __future__ import annotations

import ast
import copy
import os
import random
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hbgen.generator import FILES_BY_TYPE, GenerationError, render
from hbgen.spec import check_text
from hbgen.spec.loader import load_text

REPO = Path(__file__).resolve().parents[2]
SPEC_FILES = sorted((REPO / "specs").glob("*.yaml")) + sorted((REPO / "specs" / "examples").glob("*.yaml"))
MUTATIONS = int(os.environ.get("HBGEN_FUZZ_MUTATIONS", "200"))
SEED = int(os.environ.get("HBGEN_FUZZ_SEED", "20260730"))

GARBAGE: list[Any] = ["", "???", -1, 0, 3.5, True, None, [], {}, ["x", 1], {"zz": {"yy": 1}}, "${nope}", "a..b", "🙂"]
#: Strings a hostile spec might carry: template syntax, Python that would run if pasted as code, quotes that would
#: end a literal, placeholders, format specifiers, control characters and very long text.
INJECTIONS: list[str] = [
    '{{ "hbgenfuzz" ~ "evaluated" }}',
    "{% if true %}hbgenfuzz{% endif %}evaluated",
    "{{ cycler.__init__.__globals__.os.getcwd() }}",
    "\"\"\"; __import__('os').system('hbgenfuzz') #",
    "'); __import__('os').system('hbgenfuzz') #",
    "\nimport os; os.system('hbgenfuzz')\n",
    "${hbgenfuzz}",
    "{0}{1}%s%(x)s",
    "\\x00 \\u0000 \\",
    "\t\r\n\x0b\x0c",
    "é" * 3000,
    "</script>`$(hbgenfuzz)`",
]
TYPO_KEYS = ["zzz", "name", "kind", "each", "hook", "mapping", "path", "recipe", "url", "fields", "example"]


@dataclass(frozen=True)
class Spec:
    path: Path
    text: str
    data: Any


def _specs() -> list[Spec]:
    specs = []
    for path in SPEC_FILES:
        text = path.read_text(encoding="utf-8")
        specs.append(Spec(path, text, load_text(text, path.name).data))
    return specs


def _containers(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    found = [(path, node)] if isinstance(node, dict | list) and node else []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        found += _containers(child, path + (key,))
    return found


def _strings(node: Any) -> list[tuple[Any, Any]]:
    """(container, key) of every string leaf."""
    found: list[tuple[Any, Any]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        if isinstance(child, str):
            found.append((node, key))
        else:
            found += _strings(child)
    return found


def _typo(key: str, rng: random.Random) -> str:
    if len(key) < 2:
        return key + "x"
    i = rng.randrange(len(key) - 1)
    return rng.choice([key[:i] + key[i + 1 :], key[:i] + key[i + 1] + key[i] + key[i + 2 :], key + "s", key.upper()])


def _data_mutation(spec: Spec, rng: random.Random) -> tuple[str, str]:
    data = copy.deepcopy(spec.data)
    done = []
    for _ in range(rng.randint(1, 3)):
        containers = _containers(data)
        if not containers:
            break
        _, node = rng.choice(containers)
        key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
        op = rng.choice(["delete", "retype", "garbage_key", "typo", "inject", "inject"])
        if op == "delete":
            del node[key]
        elif op == "retype":
            node[key] = rng.choice(GARBAGE)
        elif op == "garbage_key" and isinstance(node, dict):
            node[rng.choice(TYPO_KEYS) + str(rng.randint(0, 3))] = rng.choice(GARBAGE)
        elif op == "typo" and isinstance(node, dict) and isinstance(key, str):
            node[_typo(key, rng)] = node.pop(key)
        elif op == "inject":
            leaves = _strings(data)
            if leaves:
                parent, leaf = rng.choice(leaves)
                payload = rng.choice(INJECTIONS)
                parent[leaf] = rng.choice([payload, parent[leaf] + payload, payload + parent[leaf]])
        done.append(op)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "data:" + ",".join(done)


def _text_mutation(spec: Spec, rng: random.Random) -> tuple[str, str]:
    text = spec.text
    lines = text.splitlines(keepends=True)
    op = rng.choice(["truncate", "duplicate_line", "delete_line", "insert_garbage", "indent", "swap_lines"])
    if op == "truncate":
        return text[: rng.randrange(len(text))], op
    i = rng.randrange(len(lines))
    if op == "duplicate_line":
        lines.insert(i, lines[i])
    elif op == "delete_line":
        del lines[i]
    elif op == "insert_garbage":
        pos = rng.randrange(len(text))
        garbage = rng.choice(["{", "]", ": :", "\t", "&a *a", "!!python/object:os.system", "\x00", "- -", "\ud800"])
        return text[:pos] + garbage + text[pos:], op
    elif op == "indent":
        lines[i] = " " * rng.randint(1, 3) + lines[i]
    else:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines), op


MUTATORS: list[Callable[[Spec, random.Random], tuple[str, str]]] = [_data_mutation, _data_mutation, _text_mutation]


def _check_rendered(model: Any, spec: Spec, where: str) -> str:
    try:
        files = render(model, Path("specs") / spec.path.name)
    except GenerationError:
        return "refused"
    for file in files:
        assert "hbgenfuzzevaluated" not in file.content.replace(" ", ""), (where, file.path)
        if file.path.endswith(".py"):
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # a stray backslash in a literal is an invalid escape sequence
                ast.parse(file.content, file.path)
            assert "hbgenfuzz" not in _code_only(file.content), (where, file.path)  # only ever inside literals
    return "rendered"


def _code_only(source: str) -> str:
    """``source`` without its string literals and comments (what would run)."""
    import io
    import tokenize

    kept = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in (tokenize.STRING, tokenize.COMMENT):
            kept.append(token.string)
    return " ".join(kept).replace(" ", "")


def test_mutated_specs_never_raise_and_never_run_spec_text() -> None:
    rng = random.Random(SEED)
    specs = _specs()
    outcomes = {"invalid": 0, "refused": 0, "rendered": 0}
    for round_ in range(MUTATIONS):
        spec = specs[round_ % len(specs)]
        text, how = rng.choice(MUTATORS)(spec, rng)
        where = f"round {round_} ({spec.path.name}, {how}; HBGEN_FUZZ_SEED={SEED})"
        model, diagnostics = check_text(text, "fuzz.yaml", base_dir=spec.path.parent)
        if model is None:
            outcomes["invalid"] += 1
            assert diagnostics, f"{where}: no model and no diagnostics"
            line_count = text.count("\n") + 1
            for d in diagnostics:
                str(d).encode("utf-8")  # printable: no lone surrogate reaches a message
                assert d.col >= 1 and d.message, (where, str(d))
                if d.file == "fuzz.yaml":
                    assert 1 <= d.line <= line_count + 1, (where, str(d))
            assert list(diagnostics) == sorted(diagnostics), where
            continue
        assert diagnostics == [], where
        if model.type in FILES_BY_TYPE and getattr(model, "partial", None) is None:
            outcomes[_check_rendered(model, spec, where)] += 1
    assert outcomes["invalid"] > MUTATIONS // 4, outcomes  # the mutations really break things
    assert outcomes["rendered"] > 0, outcomes  # and some survive all the way through generation

"""Mutated-spec fuzzing: hundreds of random breakages of specs/binance.yaml, fixed seed.

Whatever the mutation, the front end never raises: it returns either a model or diagnostics, and every
diagnostic carries the file name and a position inside the text.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from hbgen.spec import check_text
from hbgen.spec.loader import load_text

REPO = Path(__file__).resolve().parents[2]
TEXT = (REPO / "specs" / "binance.yaml").read_text(encoding="utf-8")
DATA = load_text(TEXT, "binance.yaml").data
GARBAGE: list[Any] = ["", "???", -1, 0, 3.5, True, None, [], {}, ["x", 1], {"zz": {"yy": 1}}, "${nope}", "a..b", "🙂"]


def _containers(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    found = [(path, node)] if isinstance(node, (dict, list)) and node else []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        found += _containers(child, path + (key,))
    return found


def _data_mutation(rng: random.Random) -> str:
    data = copy.deepcopy(DATA)
    for _ in range(rng.randint(1, 3)):
        _, node = rng.choice(_containers(data))
        key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
        op = rng.choice(["delete", "retype", "garbage", "rename"])
        if op == "delete":
            del node[key]
        elif op == "retype":
            node[key] = rng.choice(GARBAGE)
        elif op == "garbage" and isinstance(node, dict):
            node[rng.choice(["zzz", "name", "kind", "each", "hook", "mapping"]) + str(rng.randint(0, 3))] = rng.choice(
                GARBAGE
            )
        elif op == "rename" and isinstance(node, dict):
            node[str(key)[::-1] or "x"] = node.pop(key)
        if not _containers(data):
            break
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _text_mutation(rng: random.Random) -> str:
    lines = TEXT.splitlines(keepends=True)
    op = rng.choice(["truncate", "duplicate_line", "delete_line", "insert_garbage", "indent", "swap_lines"])
    if op == "truncate":
        return TEXT[: rng.randrange(len(TEXT))]
    i = rng.randrange(len(lines))
    if op == "duplicate_line":
        lines.insert(i, lines[i])
    elif op == "delete_line":
        del lines[i]
    elif op == "insert_garbage":
        pos = rng.randrange(len(TEXT))
        return (
            TEXT[:pos]
            + rng.choice(["{", "]", ": :", "\t", "&a *a", "!!python/object:os.system", "\x00", "- -"])
            + TEXT[pos:]
        )
    elif op == "indent":
        lines[i] = " " * rng.randint(1, 3) + lines[i]
    else:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines)


MUTATORS: list[Callable[[random.Random], str]] = [_data_mutation, _text_mutation]


def test_mutated_specs_never_raise_and_always_explain_themselves() -> None:
    rng = random.Random(20260730)
    outcomes = {"valid": 0, "invalid": 0}
    for round_ in range(250):
        text = rng.choice(MUTATORS)(rng)
        model, diagnostics = check_text(text, "fuzz.yaml")
        if model is not None:
            assert diagnostics == []
            outcomes["valid"] += 1
            continue
        outcomes["invalid"] += 1
        assert diagnostics, f"round {round_}: no model and no diagnostics"
        line_count = text.count("\n") + 1
        for d in diagnostics:
            assert d.file == "fuzz.yaml"
            assert 1 <= d.line <= line_count + 1, (round_, str(d))
            assert d.col >= 1 and d.message, (round_, str(d))
        assert list(diagnostics) == sorted(diagnostics)
    assert outcomes["invalid"] > 150, outcomes  # the mutations really break things

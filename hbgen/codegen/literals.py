"""Spec paths and predicates as plain data literals for the generated tests' payload builder.

The generated tests write values back into example payloads with :mod:`hbrt.testing.payloads`, which reads paths as
step tuples (``("data", 0, "sCode")``, selectors ``("=", key, values)``, a leading ``"$"`` for root paths) and
predicates as ``(path, op, value)`` triples. These functions turn the model's parsed paths and predicates into those
literals; templates print them with the ``py`` filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hbgen.render.environment import RenderError
from hbgen.spec.model import Predicate
from hbgen.spec.paths import FieldPath

__all__ = ["ITEM_KEY_STEP", "VALUES_STEP", "each_literal", "path_literal", "predicate_literals"]


#: The payload builder's spellings of a keyed mapping's item key (the path ``$key``) and of the values of its
#: ``each`` object (the last step of its ``each`` path); see ``hbrt.testing.payloads``.
ITEM_KEY_STEP = "$key"
VALUES_STEP = "$*"


def path_literal(path: FieldPath) -> tuple[Any, ...]:
    """A ``FieldPath`` as the step tuple the payload builder reads; raises RenderError for ``[]`` (a path that
    iterates cannot be written back)."""
    if path.is_item_key:
        return (ITEM_KEY_STEP,)
    steps: list[Any] = ["$"] if path.from_root and path.steps else []
    for step in path.steps:
        if step.kind == "key":
            steps.append(step.key)
        elif step.kind == "index":
            steps.append(step.index)
        elif step.kind == "select":
            steps.append(("=", step.key, tuple(step.values)))
        else:
            raise RenderError(f"path {path.text!r}: '[]' cannot be written back by the payload builder")
    return tuple(steps)


def predicate_literals(preds: Sequence[Predicate]) -> tuple[tuple[Any, ...], ...]:
    """Predicates as ``(path, op, value)`` triples."""
    return tuple((path_literal(p.field), p.op, p.value) for p in preds)


def each_literal(path: FieldPath, keyed: bool = False) -> tuple[Any, ...]:
    """A mapping's ``each`` path for the payload builder; a keyed mapping's ends with :data:`VALUES_STEP`."""
    steps = path_literal(path)
    return (*steps, VALUES_STEP) if keyed else steps

"""The Jinja environment used for every template."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jinja2


class RenderError(Exception):
    """A model value cannot be rendered safely (bad identifier, unsupported literal, template bug)."""


def make_environment(template_dir: Path) -> jinja2.Environment:
    """An environment with strict undefined names, no autoescaping (we emit Python, not HTML) and our filters.

    Templates must pass every model value through a filter from :mod:`hbgen.render.filters`; tests render hostile
    specs to hold them to it.
    """
    from hbgen.render.filters import FILTERS

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        bytecode_cache=_bytecode_cache(),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    _register_codegen(env)
    return env


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Jinja's file-system cache of compiled templates, or None where it cannot be used.

    Compiling the templates is the largest part of a cold ``hbgen generate`` (about half of it for one connector).
    Jinja keeps the compiled code in its own per-user directory under the system temporary folder (created 0700 and
    checked to be the user's own), writes each entry atomically, and recompiles a template whose source changed (an
    entry is keyed by the template's path and checked against a checksum of its source), so generated output is the
    same with or without it. ``HBGEN_TEMPLATE_CACHE=0`` turns it off.
    """
    if os.environ.get("HBGEN_TEMPLATE_CACHE", "1") == "0":
        return None
    try:
        return jinja2.FileSystemBytecodeCache()
    except (OSError, RuntimeError):  # no usable temporary folder: compile every time
        return None


def _register_codegen(env: jinja2.Environment) -> None:
    """The code generator core (:mod:`hbgen.codegen`) as filters (first argument piped) and globals.

    Filters: ``field_expr(var, root)``, ``access(var, root, tolerant=...)``, ``each_expr(var, keyed)``,
    ``keyed_items_expr(var)``, ``each_literal(keyed)``, ``predicate(var, root)``, ``predicates(var, root)``,
    ``convert(value_type, target)``, ``record_type(expr)``, ``target_literal(target)``, ``message_expr(names)``,
    ``string_expr(names)``, ``signing_statements``, ``timestamp_expr``. Globals: ``vector_clock_seconds``,
    ``placeholders_in``, ``uses_time``, ``kind_fields`` (``vocabulary.KIND_FIELDS``) and ``input_types``
    (``vocabulary.INPUT_TYPES``) and ``nullable_inputs`` (``vocabulary.NULLABLE_INPUTS``).
    """
    from hbgen import codegen

    # Every public name of hbgen.codegen is a filter, except the three that templates call as functions.
    as_globals = ("vector_clock_seconds", "placeholders_in", "uses_time")
    for name in codegen.__all__:
        (env.globals if name in as_globals else env.filters)[name] = getattr(codegen, name)
    from hbgen.spec.vocabulary import INPUT_TYPES, KIND_FIELDS, NULLABLE_INPUTS

    env.globals["kind_fields"] = KIND_FIELDS
    env.globals["input_types"] = INPUT_TYPES
    env.globals["nullable_inputs"] = NULLABLE_INPUTS
    env.add_extension("jinja2.ext.do")  # {% do list.append(...) %} to collect test cases
    env.filters["from_json"] = json.loads  # the model keeps example payloads and templates as JSON text

"""The code generator core: spec mappings, predicates, signing recipes and message templates compiled to Python.

Compile, don't interpret: every function returns Python *source* that the templates paste into generated modules,
so a generated parser reads ``Decimal(str(item["p"]))`` rather than walking a path at run time. Spec values reach
the source only through :mod:`hbgen.render.filters` (``py`` literals, ``ident`` names).

* :func:`field_expr` (``FieldExpr`` -> expression), :func:`access` (``FieldPath`` -> expression),
  :func:`each_expr`, :func:`convert`, :func:`record_type`, :func:`target_literal`;
* :func:`predicate` / :func:`predicates` (``Predicate`` -> boolean expression; missing fields are false);
* :func:`signing_statements` (``SigningRecipe`` -> method body lines), :func:`timestamp_expr`,
  :func:`vector_clock_seconds`;
* :func:`message_expr` / :func:`string_expr` (``${placeholder}`` templates -> expressions);
* :func:`path_literal` / :func:`predicate_literals` (paths and predicates as data for the tests' payload builder).

The same functions are Jinja filters/globals (see :mod:`hbgen.render.environment`).
"""

from hbgen.codegen.literals import each_literal, path_literal, predicate_literals
from hbgen.codegen.messages import message_expr, path_pattern, placeholders_in, pong_predicate, string_expr
from hbgen.codegen.paths import (
    access,
    comment_lines,
    convert,
    each_expr,
    field_expr,
    keyed_items_expr,
    level_rows,
    predicate,
    predicates,
    record_type,
    target_literal,
)
from hbgen.codegen.signing import signing_statements, timestamp_expr, uses_time, vector_clock_seconds

__all__ = [
    "access",
    "comment_lines",
    "convert",
    "each_expr",
    "each_literal",
    "field_expr",
    "keyed_items_expr",
    "level_rows",
    "message_expr",
    "path_literal",
    "path_pattern",
    "placeholders_in",
    "pong_predicate",
    "predicate_literals",
    "predicate",
    "predicates",
    "record_type",
    "signing_statements",
    "string_expr",
    "target_literal",
    "timestamp_expr",
    "uses_time",
    "vector_clock_seconds",
]

"""Rendering: Jinja templates plus the filters that let spec values reach generated code only as safe Python."""

from hbgen.render.environment import RenderError, make_environment
from hbgen.render.filters import camel, comment, ident, py, py_doc, py_str, py_text

__all__ = ["RenderError", "camel", "comment", "ident", "make_environment", "py", "py_doc", "py_str", "py_text"]

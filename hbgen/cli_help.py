"""Help text as command-line tools usually show it: ``--all`` (a flag takes no value), ``--output-dir PATH``,
``Usage: hbgen doctor [OPTIONS] NAME``.

Recent Typer releases label every parameter with its Python type in angle brackets, flags included (``--all
<bool>``, ``names... <list[str]>``), and write a required argument as ``{name}``. :func:`install` replaces those three
rendering methods of Typer's parameter classes, when they exist: flags and arguments get no type label, other options
the usual upper-case metavar (``PATH``, ``TEXT``, ``INTEGER``), and a required argument its bare name. With a Typer
that lacks these methods nothing is replaced, and its help is already conventional.
"""

from __future__ import annotations

from typing import Any

_TYPE_WORDS = {"str": "TEXT", "path": "PATH", "int": "INTEGER", "float": "FLOAT", "bool": "BOOLEAN"}


def _metavar(label: str) -> str:
    inner = label.strip()
    if inner.startswith("<") and inner.endswith(">"):
        inner = inner[1:-1]
    if "|" in inner:  # choices: [spot|gateway]
        return f"[{inner}]"
    return _TYPE_WORDS.get(inner, inner.upper())


def install() -> None:
    """Make Typer's help conventional (see the module docstring); safe to call more than once."""
    from typer import core

    option = getattr(core, "TyperOption", None)
    argument = getattr(core, "TyperArgument", None)
    if option is not None and hasattr(option, "display_type_rich") and not getattr(option, "_hbgen_help", False):
        typed = option.display_type_rich

        def option_label(self: Any, ctx: Any) -> str | None:
            if getattr(self, "is_flag", False) or getattr(self, "count", False):
                return None
            label = typed(self, ctx)
            return None if label is None else _metavar(label)

        option.display_type_rich = option_label
        option._hbgen_help = True
    if argument is not None and hasattr(argument, "display_type_rich") and not getattr(argument, "_hbgen_help", False):

        def argument_label(self: Any, ctx: Any) -> str | None:
            return None

        def usage_name(self: Any) -> str:
            name = str(self.display_name_raw).upper()
            dots = "..." if name.endswith("...") else ""
            name = name.removesuffix("...")
            name = name if self.required else f"[{name}]"
            return name + ("..." if self.nargs != 1 or dots else "")

        argument.display_type_rich = argument_label
        if hasattr(argument, "_usage_display_name"):
            argument._usage_display_name = usage_name
        argument._hbgen_help = True

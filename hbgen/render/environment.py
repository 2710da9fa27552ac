"""The Jinja environment used for every template."""

from __future__ import annotations

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
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env

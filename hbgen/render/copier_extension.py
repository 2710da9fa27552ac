"""hbgen's escaping filters inside Copier.

The scaffold template (``templates/scaffold/``: ``copier.yml``, ``package/``) renders answers that come from the
spec: hook names and descriptions, the display name. They must reach Python and Markdown through the same filters as
every other template (:mod:`hbgen.render.filters`), so ``copier.yml`` loads this extension with ``_jinja_extensions``
(which is why Copier runs with ``unsafe=True``/``--trust``).

Copier loads its default extensions first, so these filters replace same-named ones (the Ansible ``comment`` filter
among them): inside the scaffold, ``comment`` is hbgen's one-line flattening.
"""

from __future__ import annotations

from jinja2 import Environment
from jinja2.ext import Extension


class HbgenFilters(Extension):
    """Registers :data:`hbgen.render.filters.FILTERS` on the environment."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        from hbgen.render.filters import FILTERS

        environment.filters.update(FILTERS)

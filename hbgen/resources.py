"""Where hbgen's own data lives: the Jinja templates, the Copier scaffold template and the JSON Schemas.

Found with :mod:`importlib.resources` from the ``hbgen`` package, never from the working directory: an installed
wheel carries them as package data in ``hbgen/_data/`` (``setup.py`` copies them there); an editable install or a
source tree has them beside the package, where the repository layout keeps them (``templates/``, ``specs/schema/``).
Either way hbgen works from any folder, on any project.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

#: The scaffold's Copier template, relative to the templates folder (``copier.yml`` at its top).
SCAFFOLD_TEMPLATE = "scaffold"
CONNECTOR_SCHEMA = "connector.schema.json"
FRAGMENT_SCHEMA = "fragment.schema.json"


class ResourceError(Exception):
    """hbgen's installation lacks its data (a broken install); the message says what to do."""


def _package_dir() -> Path:
    return Path(str(resources.files("hbgen")))


@functools.cache
def _data_dir(packaged: str, source: str) -> Path:
    """``hbgen/_data/<packaged>`` in an installed wheel, else ``<source>`` beside the package in a source tree."""
    package = _package_dir()
    for candidate in (package / "_data" / packaged, package.parent / source):
        if candidate.is_dir():
            return candidate
    raise ResourceError(
        f"hbgen's {packaged} are missing from its installation ({package / '_data' / packaged}); reinstall hbgen "
        "(pip install --force-reinstall hbgen)"
    )


def templates_dir() -> Path:
    """The folder of every Jinja template (``spot/``, ``gateway/``, ``new_connector/``) and of the scaffold."""
    return _data_dir("templates", "templates")


def scaffold_template_dir() -> Path:
    """The Copier template of a package's hand-owned scaffold (``copier.yml`` and ``package/``)."""
    return templates_dir() / SCAFFOLD_TEMPLATE


def schema_dir() -> Path:
    """The folder of the spec language's JSON Schemas."""
    return _data_dir("schema", "specs/schema")


def schema_path(name: str = CONNECTOR_SCHEMA) -> Path:
    """One of the JSON Schemas: the connector schema by default, or the fragment schema."""
    return schema_dir() / name

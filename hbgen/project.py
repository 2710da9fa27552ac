"""The project hbgen works on: the folder holding ``specs/`` (the specs) and ``generated/`` (their packages).

hbgen finds it the way git and pytest find theirs: the nearest folder, from the working directory up, that holds a
``specs/`` folder or a ``pyproject.toml`` with a ``[tool.hbgen]`` table; the search stops at the top of a git work tree
(a folder holding ``.git``), and without a match the working directory is the project root. ``hbgen --root PATH``
names it outright. So hbgen runs the same from any subfolder of a project, and an empty repository is a project too:
``hbgen new-connector`` creates ``specs/`` in it.

The root is kept relative to the working directory when it is the working directory or above it (``.``, ``..``), so
every path hbgen prints (``specs/x.yaml:3:5: ...``) reads as the user would type it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

SPECS = "specs"
GENERATED = "generated"
_TOOL_TABLE = re.compile(r"(?m)^\[tool\.hbgen(\.[^\]]*)?\]\s*$")


def _marks_root(folder: Path) -> bool:
    if (folder / SPECS).is_dir():
        return True
    pyproject = folder / "pyproject.toml"
    try:
        return pyproject.is_file() and bool(_TOOL_TABLE.search(pyproject.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError):
        return False


def find_root(start: Path | None = None) -> Path:
    """The project root for the working directory (or ``start``), as described in the module docstring."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if _marks_root(folder):
            return _relative(folder, here)
        if (folder / ".git").exists():
            break
    return Path(".") if start is None else here


def _relative(folder: Path, here: Path) -> Path:
    if folder == here:
        return Path(".")
    if here.is_relative_to(folder):
        return Path(os.path.relpath(folder, here))
    return folder


class Project:
    """Where a run reads specs and writes packages: ``root`` (``--root`` or :func:`find_root`), found once."""

    def __init__(self) -> None:
        self._root: Path | None = None

    def set_root(self, root: Path | None) -> None:
        self._root = root

    @property
    def root(self) -> Path:
        if self._root is None:
            self._root = find_root()
        return self._root

    def specs_dir(self, override: Path | None = None) -> Path:
        return override if override is not None else self.root / SPECS

    def output_dir(self, override: Path | None = None) -> Path:
        return override if override is not None else self.root / GENERATED


#: The project of this process (the CLI sets ``--root`` on it).
PROJECT = Project()

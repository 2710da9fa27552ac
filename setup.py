"""Build hook of the hbgen distribution (everything else is in pyproject.toml).

The repository keeps hbgen's data where its layout says: Jinja templates and the Copier scaffold template in
``templates/``, the JSON Schemas of the spec language in ``specs/schema/``. A wheel carries them inside the package, in
``hbgen/_data/templates`` and ``hbgen/_data/schema``, where :mod:`hbgen.resources` finds them with
``importlib.resources``; an editable install reads them from the source tree instead. Copying them here, rather than
mapping the folders as packages, keeps the build free of warnings about data folders that look like packages.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: wheel folder under hbgen/_data -> (source folder, file patterns)
DATA = {"templates": ("templates", ("**/*",)), "schema": ("specs/schema", ("*.json",))}
SKIPPED = {"__pycache__", ".DS_Store"}


class BuildPyWithData(build_py):
    """``build_py`` that also copies hbgen's data into the build tree (not for editable installs)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target_root = Path(self.build_lib) / "hbgen" / "_data"
        for name, (source, patterns) in DATA.items():
            target = target_root / name
            if target.exists():
                shutil.rmtree(target)
            for pattern in patterns:
                for path in sorted((ROOT / source).glob(pattern)):
                    relative = path.relative_to(ROOT / source)
                    if not path.is_file() or SKIPPED.intersection(relative.parts) or path.suffix == ".pyc":
                        continue
                    destination = target / relative
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, destination)


setup(cmdclass={"build_py": BuildPyWithData})

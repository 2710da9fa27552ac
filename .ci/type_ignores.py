"""Print every ``type: ignore`` of the type-checked code with its reason, and their count; exit 1 on one without.

mypy --strict checks hbgen/, runtime/hbrt/ and the packages under generated/ (which come from templates/). An
ignore there must name the error codes it silences and say why on the same line:
``x = y  # type: ignore[code]  # the reason``. mypy (``warn_unused_ignores``, part of --strict) already fails
on an ignore that silences nothing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ("hbgen", "runtime/hbrt", "generated", "templates")
IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[^\]]+\])?(?P<rest>.*)$")
REASON = re.compile(r"^\s*#\s*\S")


def ignores(root: Path) -> list[tuple[str, int, str, bool]]:
    """(path, line number, line, whether it names its codes and gives a reason) for each ignore under ``root``."""
    found = []
    for folder in CHECKED:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in (".py", ".j2", ".jinja") or ".hbgen-backup" in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                match = IGNORE.search(line)
                if match:
                    explained = bool(match["codes"]) and bool(REASON.match(match["rest"]))
                    found.append((path.relative_to(root).as_posix(), number, line.strip(), explained))
    return found


def main(root: Path = ROOT) -> int:
    found = ignores(root)
    for path, number, line, explained in found:
        print(f"{path}:{number}: {line}" + ("" if explained else "   <- needs [codes] and '# reason' after it"))
    unexplained = sum(1 for *_, explained in found if not explained)
    print(f"type: ignore lines in type-checked code: {len(found)} ({unexplained} without codes and a reason)")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT))

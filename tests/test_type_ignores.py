"""`make lint` lists every `type: ignore` of the type-checked code and fails on one without codes and a reason."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "type_ignores.py"


def _run(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), str(root)], capture_output=True, text=True, check=False)


def _tree(tmp_path: Path, line: str) -> Path:
    module = tmp_path / "runtime" / "hbrt" / "m.py"
    module.parent.mkdir(parents=True)
    module.write_text(f"x = 1\n{line}\n", encoding="utf-8")
    (tmp_path / "templates" / "spot").mkdir(parents=True)
    (tmp_path / "templates" / "spot" / "t.py.j2").write_text("y = 2  # type: ignore[misc]  # why\n", encoding="utf-8")
    return tmp_path


def test_explained_ignores_are_listed_and_counted(tmp_path: Path) -> None:
    run = _run(_tree(tmp_path, "z = f()  # type: ignore[no-any-return]  # f is untyped upstream"))
    assert run.returncode == 0, run.stdout
    assert "runtime/hbrt/m.py:2: z = f()  # type: ignore[no-any-return]" in run.stdout
    assert "templates/spot/t.py.j2:1:" in run.stdout
    assert "type: ignore lines in type-checked code: 2 (0 without codes and a reason)" in run.stdout


def test_an_ignore_without_codes_or_reason_fails(tmp_path: Path) -> None:
    for line in ("z = f()  # type: ignore", "z = f()  # type: ignore[misc]", "z = f()  # type: ignore  # why"):
        root = tmp_path / str(abs(hash(line)))
        run = _run(_tree(root, line))
        assert run.returncode == 1, (line, run.stdout)
        assert "needs [codes] and '# reason'" in run.stdout

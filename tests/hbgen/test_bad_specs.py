"""Golden tests: each spec in bad_specs/ is broken on purpose; its .expected file holds the exact diagnostics.

Regenerate the .expected files after a deliberate wording change with ``HBGEN_UPDATE_GOLDEN=1 pytest`` and review
the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hbgen.spec import check_file

BAD = Path(__file__).resolve().parent / "bad_specs"
CASES = sorted(BAD.glob("*.yaml"))


def test_every_bad_spec_has_an_expected_file_and_vice_versa() -> None:
    assert len(CASES) >= 12
    assert {p.stem for p in CASES} == {p.stem for p in BAD.glob("*.expected")}


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_bad_spec_reports_exactly_the_expected_diagnostics(path: Path) -> None:
    model, diagnostics = check_file(path, f"bad_specs/{path.name}")
    assert model is None
    rendered = "".join(f"{d}\n" for d in diagnostics)
    expected_file = path.with_suffix(".expected")
    if os.environ.get("HBGEN_UPDATE_GOLDEN") == "1":
        expected_file.write_text(rendered, encoding="utf-8")
    assert rendered == expected_file.read_text(encoding="utf-8")

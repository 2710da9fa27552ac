"""Shared fixtures for the spec front-end tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hbgen.spec import Diagnostic, check_text

REPO = Path(__file__).resolve().parents[2]
BINANCE = REPO / "specs" / "binance.yaml"


@pytest.fixture(scope="session")
def repo() -> Path:
    """The repository root."""
    return REPO


@pytest.fixture(scope="session")
def binance_text() -> str:
    """The text of specs/binance.yaml."""
    return BINANCE.read_text(encoding="utf-8")


@pytest.fixture
def diagnostics_of() -> Callable[[str], list[str]]:
    """Validate spec text under the name specs/x.yaml and return the rendered diagnostics."""

    def run(text: str) -> list[str]:
        model, diags = check_text(text, "specs/x.yaml", base_dir=REPO / "specs")
        assert (model is None) == bool(diags)
        return [str(d) for d in diags]

    return run


def position(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based line and column of the n-th occurrence of ``needle`` in ``text``."""
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


@pytest.fixture
def pos() -> Callable[..., tuple[int, int]]:
    """The :func:`position` helper as a fixture."""
    return position


def diag_key(d: Diagnostic) -> tuple[int, int]:
    """Sort key of a diagnostic by position."""
    return d.line, d.col

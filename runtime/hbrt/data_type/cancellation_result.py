"""Outcome of one cancellation request, as returned by ``cancel_all``."""

from __future__ import annotations

from typing import NamedTuple


class CancellationResult(NamedTuple):
    """Whether the cancellation of the order with client id ``order_id`` succeeded."""

    order_id: str
    success: bool

"""Value types describing API rate limits.

A :class:`RateLimit` is one *pool* of capacity (``limit`` units per ``time_interval`` seconds). Calling an endpoint
registered under some limit id takes ``weight`` units from that limit's own pool and, for every
:class:`LinkedLimitWeightPair` in ``linked_limits``, the pair's weight from the linked pool. Linking is one level
deep: the links of a linked limit are not followed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_WEIGHT = 1
"""Weight a call takes from a pool when nothing else is specified."""

MAX_CAPACITY_REACHED_WARNING_INTERVAL = 30.0
"""Minimum number of seconds between two "a request has to wait" notices from one throttler."""


@dataclass
class LinkedLimitWeightPair:
    """What one call of an endpoint takes from a linked pool: ``weight`` units of the limit ``limit_id``."""

    limit_id: str
    weight: int = DEFAULT_WEIGHT

    def __post_init__(self) -> None:
        if self.weight < 0:
            raise ValueError(f"Linked weight for {self.limit_id!r} must not be negative, got {self.weight}")


@dataclass
class RateLimit:
    """A rate limit: at most ``limit`` units in any ``time_interval`` seconds (fractions allowed).

    ``weight`` is what one call under this id takes from this limit's own pool; ``linked_limits`` lists the other
    pools one call draws from. ``linked_limits=None`` is accepted (as in Hummingbot) and stored as an empty list.
    """

    limit_id: str
    limit: int
    time_interval: float
    weight: int = DEFAULT_WEIGHT
    linked_limits: list[LinkedLimitWeightPair] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.linked_limits is None:  # tolerate Hummingbot-style explicit None
            self.linked_limits = []
        if self.time_interval <= 0:
            raise ValueError(f"time_interval of {self.limit_id!r} must be positive, got {self.time_interval}")
        if self.limit < 0:
            raise ValueError(f"limit of {self.limit_id!r} must not be negative, got {self.limit}")
        if self.weight < 0:
            raise ValueError(f"weight of {self.limit_id!r} must not be negative, got {self.weight}")

    def __repr__(self) -> str:
        links = ", ".join(f"{pair.limit_id}:{pair.weight}" for pair in self.linked_limits)
        return (
            f"RateLimit(limit_id={self.limit_id!r}, limit={self.limit}, time_interval={self.time_interval}, "
            f"weight={self.weight}, linked_limits=[{links}])"
        )

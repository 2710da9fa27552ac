"""API rate limiting: :class:`AsyncThrottler` and the :class:`RateLimit` types it enforces."""

from hbrt.api_throttler.async_throttler import AsyncRequestContext, AsyncThrottler, UnknownLimitIdError
from hbrt.api_throttler.data_types import (
    DEFAULT_WEIGHT,
    MAX_CAPACITY_REACHED_WARNING_INTERVAL,
    LinkedLimitWeightPair,
    RateLimit,
)

__all__ = [
    "DEFAULT_WEIGHT",
    "MAX_CAPACITY_REACHED_WARNING_INTERVAL",
    "AsyncRequestContext",
    "AsyncThrottler",
    "LinkedLimitWeightPair",
    "RateLimit",
    "UnknownLimitIdError",
]

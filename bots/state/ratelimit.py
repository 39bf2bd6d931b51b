"""Outbound rate limits: one GCRA bucket per name (e.g. per channel), shared by every process.

``acquire`` always reserves a slot and says how long to wait for it, so callers sleep instead
of polling, and a burst of callers is spread out 1/rate apart. ``acquire_each`` reserves a slot
in several buckets at once (a bot's and its chat's), in one round trip where the buckets are
shared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Bucket:
    name: str
    rate: float
    """Sends per second."""
    burst: int


class RateLimiter(Protocol):
    async def acquire(self, bucket: str, *, rate: float, burst: int) -> float:
        """Reserve one send; the seconds the caller must wait before it (0.0 if none)."""
        ...

    async def acquire_each(self, buckets: Sequence[Bucket]) -> float:
        """Reserve one send in every bucket; the longest of their waits."""
        ...


def check_rate(rate: float, burst: int) -> None:
    if rate <= 0 or burst < 1:
        raise ValueError("rate must be positive and burst at least 1")

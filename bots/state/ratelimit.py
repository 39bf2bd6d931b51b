"""Outbound rate limits: one GCRA bucket per name (e.g. per channel), shared by every process.

``acquire`` always reserves a slot and says how long to wait for it, so callers sleep instead
of polling, and a burst of callers is spread out 1/rate apart.
"""

from __future__ import annotations

from typing import Protocol


class RateLimiter(Protocol):
    async def acquire(self, bucket: str, *, rate: float, burst: int) -> float:
        """Reserve one send; the seconds the caller must wait before it (0.0 if none)."""
        ...


def check_rate(rate: float, burst: int) -> None:
    if rate <= 0 or burst < 1:
        raise ValueError("rate must be positive and burst at least 1")

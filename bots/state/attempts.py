"""Failed attempts (wrong API keys, wrong passwords): counted per name, refused once too many.

A leaky bucket per name: each failure adds ``window / limit`` seconds of debt that drains in real
time, so ``limit`` failures in a burst close the name for one ``window / limit``, and a steady
guesser gets one try per ``window / limit``. Unlike :class:`~bots.state.ratelimit.RateLimiter`,
checking does not reserve anything: only failures count, so honest callers never pay for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class AttemptLimit:
    limit: int
    window_seconds: float

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window_seconds <= 0:
            raise ValueError("a limit is at least 1 failure in a positive window")

    @property
    def interval(self) -> float:
        return self.window_seconds / self.limit


class FailedAttempts(Protocol):
    async def retry_after(self, name: str, limit: AttemptLimit) -> float:
        """Seconds until ``name`` may try again; 0.0 when it may now."""
        ...

    async def record_failure(self, name: str, limit: AttemptLimit) -> None: ...

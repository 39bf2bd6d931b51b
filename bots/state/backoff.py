from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential back-off with jitter, so retries of many failing items do not arrive in lockstep."""

    initial: float = 0.2
    maximum: float = 30.0
    factor: float = 2.0

    def delay(self, attempt: int) -> float:
        try:
            grown = self.initial * self.factor ** max(0, attempt - 1)
        except OverflowError:  # the 1,025th attempt at a factor of 2: long past the maximum
            grown = self.maximum
        ceiling = min(self.maximum, grown)
        return random.uniform(ceiling / 2, ceiling)

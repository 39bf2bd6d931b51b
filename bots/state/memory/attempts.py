"""Failed-attempt buckets in this process's memory."""

from __future__ import annotations

import time

from bots.state.attempts import AttemptLimit


class MemoryFailedAttempts:
    def __init__(self, *, max_names: int = 100_000) -> None:
        self._max_names = max_names
        self._debt_until: dict[str, float] = {}

    async def retry_after(self, name: str, limit: AttemptLimit) -> float:
        debt_until = self._debt_until.get(name)
        if debt_until is None:
            return 0.0
        # The difference first: ``now + x - x - now`` is not 0.0 for every clock reading (CI saw
        # 2.3e-13, a 429 for an honest first login).
        return max(0.0, (debt_until - time.monotonic()) + (limit.interval - limit.window_seconds))

    async def record_failure(self, name: str, limit: AttemptLimit) -> None:
        now = time.monotonic()
        if name not in self._debt_until and len(self._debt_until) >= self._max_names:
            self._forget_settled(now)
        self._debt_until[name] = max(self._debt_until.get(name, now), now) + limit.interval

    def _forget_settled(self, now: float) -> None:
        for name in [name for name, until in self._debt_until.items() if until <= now]:
            del self._debt_until[name]

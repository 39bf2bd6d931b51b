"""GCRA rate-limit buckets in this process's memory."""

from __future__ import annotations

import time
from collections.abc import Sequence

from bots.state.ratelimit import Bucket, check_rate


class MemoryRateLimiter:
    def __init__(self, *, max_buckets: int = 10_000) -> None:
        self._max_buckets = max_buckets
        self._theoretical_arrival: dict[str, float] = {}

    async def acquire(self, bucket: str, *, rate: float, burst: int) -> float:
        check_rate(rate, burst)
        now = time.monotonic()
        interval = 1.0 / rate
        arrival = max(self._theoretical_arrival.get(bucket, now), now) + interval
        if bucket not in self._theoretical_arrival and len(self._theoretical_arrival) >= self._max_buckets:
            self._forget_idle(now)
        self._theoretical_arrival[bucket] = arrival
        return max(0.0, arrival - burst * interval - now)

    async def acquire_each(self, buckets: Sequence[Bucket]) -> float:
        for bucket in buckets:
            check_rate(bucket.rate, bucket.burst)
        waits = [await self.acquire(bucket.name, rate=bucket.rate, burst=bucket.burst) for bucket in buckets]
        return max(waits, default=0.0)

    def _forget_idle(self, now: float) -> None:
        for name in [name for name, arrival in self._theoretical_arrival.items() if arrival <= now]:
            del self._theoretical_arrival[name]

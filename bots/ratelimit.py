"""Outbound rate limits: one GCRA bucket per name (e.g. per channel), shared by every process.

``acquire`` always reserves a slot and says how long to wait for it, so callers sleep instead
of polling, and a burst of callers is spread out 1/rate apart.
"""

from __future__ import annotations

import math
import time
from typing import Protocol

from redis.asyncio import Redis


class RateLimiter(Protocol):
    async def acquire(self, bucket: str, *, rate: float, burst: int) -> float:
        """Reserve one send; the seconds the caller must wait before it (0.0 if none)."""
        ...


def _check(rate: float, burst: int) -> None:
    if rate <= 0 or burst < 1:
        raise ValueError("rate must be positive and burst at least 1")


class MemoryRateLimiter:
    def __init__(self, *, max_buckets: int = 10_000) -> None:
        self._max_buckets = max_buckets
        self._theoretical_arrival: dict[str, float] = {}

    async def acquire(self, bucket: str, *, rate: float, burst: int) -> float:
        _check(rate, burst)
        now = time.monotonic()
        interval = 1.0 / rate
        arrival = max(self._theoretical_arrival.get(bucket, now), now) + interval
        if bucket not in self._theoretical_arrival and len(self._theoretical_arrival) >= self._max_buckets:
            self._forget_idle(now)
        self._theoretical_arrival[bucket] = arrival
        return max(0.0, arrival - burst * interval - now)

    def _forget_idle(self, now: float) -> None:
        for name in [name for name, arrival in self._theoretical_arrival.items() if arrival <= now]:
            del self._theoretical_arrival[name]


# Times in microseconds of the Redis server's clock, so processes with skewed clocks agree.
_GCRA = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local arrival = tonumber(redis.call('GET', KEYS[1]) or now)
if arrival < now then arrival = now end
arrival = arrival + interval
redis.call('SET', KEYS[1], string.format('%.0f', arrival), 'PX', math.ceil((arrival - now) / 1000) + 1)
local wait = arrival - burst * interval - now
if wait < 0 then wait = 0 end
return string.format('%.0f', wait)
"""


class RedisRateLimiter:
    def __init__(self, redis: Redis) -> None:
        self._gcra = redis.register_script(_GCRA)

    async def acquire(self, bucket: str, *, rate: float, burst: int) -> float:
        _check(rate, burst)
        interval_us = max(1, math.ceil(1_000_000 / rate))
        wait_us = await self._gcra(keys=[f"omnicab:rate:{bucket}"], args=[interval_us, burst])
        return int(wait_us) / 1_000_000

"""GCRA rate-limit buckets in Redis, shared by every process."""

from __future__ import annotations

import math
from collections.abc import Sequence

from redis.asyncio import Redis

from bots.state.ratelimit import Bucket, check_rate
from bots.state.redis.keys import KeySpace
from bots.state.redis.round_trips import RoundTrips

# One slot in each bucket (KEYS[i], interval ARGV[2i-1], burst ARGV[2i]); the longest wait.
# Times in microseconds of the Redis server's clock, so processes with skewed clocks agree.
_GCRA_EACH = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local longest = 0
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local arrival = tonumber(redis.call('GET', key) or now)
  if arrival < now then arrival = now end
  arrival = arrival + interval
  redis.call('SET', key, string.format('%.0f', arrival), 'PX', math.ceil((arrival - now) / 1000) + 1)
  local wait = arrival - burst * interval - now
  if wait > longest then longest = wait end
end
return string.format('%.0f', longest)
"""


class RedisRateLimiter:
    def __init__(self, redis: Redis, keys: KeySpace, *, round_trips: RoundTrips | None = None) -> None:
        self._gcra_each = redis.register_script(_GCRA_EACH)
        self._round_trips = round_trips or RoundTrips(redis)
        self._keys = keys

    async def acquire(self, bucket: str, *, rate: float, burst: int) -> float:
        return await self.acquire_each([Bucket(bucket, rate, burst)])

    async def acquire_each(self, buckets: Sequence[Bucket]) -> float:
        args: list[int] = []
        for bucket in buckets:
            check_rate(bucket.rate, bucket.burst)
            args += [max(1, math.ceil(1_000_000 / bucket.rate)), bucket.burst]
        keys = [self._keys.key("rate", bucket.name) for bucket in buckets]
        wait_us = await self._round_trips.script(self._gcra_each, keys, args)
        return int(wait_us) / 1_000_000

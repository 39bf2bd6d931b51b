"""GCRA rate-limit buckets in Redis, shared by every process."""

from __future__ import annotations

import math

from redis.asyncio import Redis

from bots.state.ratelimit import check_rate
from bots.state.redis.keys import KeySpace

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
    def __init__(self, redis: Redis, keys: KeySpace) -> None:
        self._gcra = redis.register_script(_GCRA)
        self._keys = keys

    async def acquire(self, bucket: str, *, rate: float, burst: int) -> float:
        check_rate(rate, burst)
        interval_us = max(1, math.ceil(1_000_000 / rate))
        wait_us = await self._gcra(keys=[self._keys.key("rate", bucket)], args=[interval_us, burst])
        return int(wait_us) / 1_000_000

"""Failed-attempt buckets in Redis, shared by every process (times from the Redis server's clock)."""

from __future__ import annotations

import math

from redis.asyncio import Redis

from bots.state.attempts import AttemptLimit
from bots.state.redis.keys import KeySpace

_NOW_US = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
"""

_RETRY_AFTER = (
    _NOW_US
    + """
local interval = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local debt_until = tonumber(redis.call('GET', KEYS[1]) or now)
local wait = debt_until + interval - window - now
if wait < 0 then wait = 0 end
return string.format('%.0f', wait)
"""
)

_RECORD = (
    _NOW_US
    + """
local interval = tonumber(ARGV[1])
local debt_until = tonumber(redis.call('GET', KEYS[1]) or now)
if debt_until < now then debt_until = now end
debt_until = debt_until + interval
redis.call('SET', KEYS[1], string.format('%.0f', debt_until), 'PX', math.ceil((debt_until - now) / 1000) + 1)
return 1
"""
)


class RedisFailedAttempts:
    def __init__(self, redis: Redis, keys: KeySpace) -> None:
        self._retry_after = redis.register_script(_RETRY_AFTER)
        self._record = redis.register_script(_RECORD)
        self._keys = keys

    async def retry_after(self, name: str, limit: AttemptLimit) -> float:
        wait_us = await self._retry_after(
            keys=[self._keys.key("failures", name)], args=[_us(limit.interval), _us(limit.window_seconds)]
        )
        return int(wait_us) / 1_000_000

    async def record_failure(self, name: str, limit: AttemptLimit) -> None:
        await self._record(keys=[self._keys.key("failures", name)], args=[_us(limit.interval)])


def _us(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1_000_000))

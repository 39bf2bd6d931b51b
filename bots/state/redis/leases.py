"""Shard leases: each shard of a queue is consumed by at most one process at a time.

Every process renews its leases and its membership in one Lua round trip per heartbeat. The
script also counts the live consumers and hands free shards to a process until it holds its
fair share, ceil(shards / consumers); a process holding more than that releases the extras,
so N processes split the shards between them. A process that dies stops renewing, and its
leases and membership expire after the lease TTL.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import cast

from redis.asyncio import Redis

_HEARTBEAT = """
local me = ARGV[1]
local ttl = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
redis.call('ZADD', KEYS[1], now + ttl, me)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], ttl * 3)
local fair = math.ceil((#KEYS - 1) / redis.call('ZCARD', KEYS[1]))
local held = {}
local free = {}
for i = 2, #KEYS do
  local owner = redis.call('GET', KEYS[i])
  if owner == me then
    redis.call('PEXPIRE', KEYS[i], ttl)
    held[#held + 1] = i - 2
  elseif not owner then
    free[#free + 1] = i
  end
end
for _, i in ipairs(free) do
  if #held >= fair then break end
  redis.call('SET', KEYS[i], me, 'PX', ttl)
  held[#held + 1] = i - 2
end
return {fair, held}
"""

_RELEASE = """
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end
end
if ARGV[2] == '1' then redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
"""


@dataclass(frozen=True, slots=True)
class LeaseState:
    fair_share: int
    held: frozenset[int]
    valid_until: float
    """``time.monotonic()`` before which the held leases are certainly still ours."""


class ShardLeases:
    def __init__(
        self, redis: Redis, *, members_key: str, lease_keys: list[str], consumer: str, ttl_ms: int
    ) -> None:
        if ttl_ms < 100:
            raise ValueError("lease ttl must be at least 100 ms")
        self._members_key = members_key
        self._lease_keys = lease_keys
        self._consumer = consumer
        self._ttl_ms = ttl_ms
        self._heartbeat = redis.register_script(_HEARTBEAT)
        self._release = redis.register_script(_RELEASE)

    @property
    def ttl(self) -> float:
        return self._ttl_ms / 1000

    async def heartbeat(self) -> LeaseState:
        sent_at = time.monotonic()
        fair, held = await self._heartbeat(
            keys=[self._members_key, *self._lease_keys], args=[self._consumer, self._ttl_ms]
        )
        shards = frozenset(int(shard) for shard in cast("list[int]", held))
        return LeaseState(int(fair), shards, sent_at + 0.9 * self.ttl)

    async def release(self, shard: int) -> None:
        await self._release(keys=[self._members_key, self._lease_keys[shard]], args=[self._consumer, 0])

    async def leave(self) -> None:
        """Release every lease still ours and drop out of the membership, in one round trip."""
        await self._release(keys=[self._members_key, *self._lease_keys], args=[self._consumer, 1])

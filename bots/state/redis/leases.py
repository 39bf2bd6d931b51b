"""Shard leases: each shard of a queue is consumed by at most one process at a time.

Every process renews its leases and its membership in one Lua round trip per heartbeat. The
script also counts the live consumers and hands free shards to a process until it holds its
fair share, ceil(shards / consumers); a process holding more than that releases the extras,
so N processes split the shards between them. A process that dies stops renewing, and its
leases and membership expire after the lease TTL.

A Redis that comes back empty forgets the leases while their holders are still mid-item, so a
second process could take a conversation at once and overtake the first. The same heartbeat
therefore keeps a fence (:class:`DataLossFence`), shared by every queue of the key space:

- a *generation* key, written once and never expiring, that every process remembers. A heartbeat
  that finds it gone or changed tells its process that Redis lost its data; the process drops its
  shards, finishes what it has in hand, and says so (a *draining* set, renewed each beat);
- while anyone drains, and for one lease TTL after the last detection (every holder of the old
  generation heartbeats within a third of that and so detects it too), no shard is granted;
- then one process is told to *recover* (re-queue from the database what Redis forgot, in order)
  and no shard is granted until it reports done. A process whose recovery failed gives its claim
  back, so the next heartbeat (its own or another's) asks again; the claim of a process that died
  lapses after three lease TTLs. The database's claims and the queue's dedupe make a second
  recovery harmless.

Why this fence rather than a fencing token checked at each write: the writes that matter (history,
sends, sessions) happen in several stores, and a token would have to travel with each of them; the
pause instead costs nothing while Redis keeps its data (one GET per heartbeat), and after an empty
restart it costs one lease TTL plus the longest item in hand. A process started after the data was
lost has no generation to compare: it adopts the new one, and is held by the fence only if an older
process has detected the loss.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import cast

from redis.asyncio import Redis

from bots.state.redis.keys import KeySpace

_HEARTBEAT = """
local me = ARGV[1]
local ttl = tonumber(ARGV[2])
local known = ARGV[3]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local generation = redis.call('GET', KEYS[2])
if not generation then
  generation = ARGV[4]
  redis.call('SET', KEYS[2], generation)
end
local lost = 0
if known ~= '' and generation ~= known then
  lost = 1
  redis.call('SET', KEYS[3], '1', 'PX', ttl)
  redis.call('SET', KEYS[5], '1')
end
redis.call('ZADD', KEYS[1], now + ttl, me)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], ttl * 3)
if lost == 1 or ARGV[5] == '1' then
  redis.call('ZADD', KEYS[4], now + ttl, me)
else
  redis.call('ZREM', KEYS[4], me)
end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
local fenced = lost == 1 or redis.call('EXISTS', KEYS[3]) == 1 or redis.call('ZCARD', KEYS[4]) > 0
local recover = 0
if not fenced and redis.call('EXISTS', KEYS[5]) == 1 then
  fenced = true
  if redis.call('SET', KEYS[6], me, 'NX', 'PX', ttl * 3) then recover = 1 end
end
local fair = math.ceil((#KEYS - 6) / redis.call('ZCARD', KEYS[1]))
local held = {}
local free = {}
for i = 7, #KEYS do
  local owner = redis.call('GET', KEYS[i])
  if owner == me then
    if fenced then
      redis.call('DEL', KEYS[i])
    else
      redis.call('PEXPIRE', KEYS[i], ttl)
      held[#held + 1] = i - 7
    end
  elseif not owner and not fenced then
    free[#free + 1] = i
  end
end
for _, i in ipairs(free) do
  if #held >= fair then break end
  redis.call('SET', KEYS[i], me, 'PX', ttl)
  held[#held + 1] = i - 7
end
return {fair, held, generation, lost, recover}
"""

_RELEASE = """
for i = 2, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end
end
if ARGV[2] == '1' then redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
"""

_RECOVERED = """
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 1
end
return 0
"""

_RECOVERY_FAILED = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
"""


@dataclass(frozen=True, slots=True)
class DataLossFence:
    """The keys of the fence every queue of one key space shares (see the module docstring)."""

    generation: str
    quiet: str
    draining: str
    pending_recovery: str
    recovering: str

    @classmethod
    def of(cls, keys: KeySpace) -> DataLossFence:
        return cls(
            generation=keys.key("fence", "generation"),
            quiet=keys.key("fence", "quiet"),
            draining=keys.key("fence", "draining"),
            pending_recovery=keys.key("fence", "pending-recovery"),
            recovering=keys.key("fence", "recovering"),
        )


@dataclass(frozen=True, slots=True)
class LeaseState:
    fair_share: int
    held: frozenset[int]
    valid_until: float
    """``time.monotonic()`` before which the held leases are certainly still ours."""
    data_lost: bool = False
    """Redis lost its data since the last heartbeat: drop every shard, finish what is in hand."""
    recover: bool = False
    """This process is to re-queue what Redis forgot, then call :meth:`ShardLeases.recovered`."""


class ShardLeases:
    def __init__(
        self,
        redis: Redis,
        *,
        members_key: str,
        lease_keys: list[str],
        fence: DataLossFence,
        consumer: str,
        ttl_ms: int,
    ) -> None:
        if ttl_ms < 100:
            raise ValueError("lease ttl must be at least 100 ms")
        self._members_key = members_key
        self._lease_keys = lease_keys
        self._fence = fence
        self._consumer = consumer
        self._ttl_ms = ttl_ms
        self._generation = ""
        self._heartbeat = redis.register_script(_HEARTBEAT)
        self._release = redis.register_script(_RELEASE)
        self._recovered = redis.register_script(_RECOVERED)
        self._recovery_failed = redis.register_script(_RECOVERY_FAILED)

    @property
    def ttl(self) -> float:
        return self._ttl_ms / 1000

    async def heartbeat(self, *, draining: bool = False) -> LeaseState:
        """``draining``: this process still finishes items taken before Redis lost its data."""
        sent_at = time.monotonic()
        fence = self._fence
        keys = [
            self._members_key,
            fence.generation,
            fence.quiet,
            fence.draining,
            fence.pending_recovery,
            fence.recovering,
            *self._lease_keys,
        ]
        args: list[str | int] = [
            self._consumer,
            self._ttl_ms,
            self._generation,
            uuid.uuid4().hex,
            int(draining),
        ]
        fair, held, generation, lost, recover = await self._heartbeat(keys=keys, args=args)
        self._generation = generation.decode() if isinstance(generation, bytes) else str(generation)
        shards = frozenset(int(shard) for shard in cast("list[int]", held))
        return LeaseState(int(fair), shards, sent_at + 0.9 * self.ttl, bool(lost), bool(recover))

    async def recovered(self) -> None:
        """What Redis forgot is queued again: shards may be granted once more."""
        await self._recovered(
            keys=[self._fence.pending_recovery, self._fence.recovering], args=[self._consumer]
        )

    async def recovery_failed(self) -> None:
        """Gives the claim to recover back: the next heartbeat asks a process again."""
        await self._recovery_failed(keys=[self._fence.recovering], args=[self._consumer])

    async def release(self, shard: int) -> None:
        await self._release(keys=[self._members_key, self._lease_keys[shard]], args=[self._consumer, 0])

    async def leave(self) -> None:
        """Release every lease still ours and drop out of the membership, in one round trip."""
        await self._release(keys=[self._members_key, *self._lease_keys], args=[self._consumer, 1])

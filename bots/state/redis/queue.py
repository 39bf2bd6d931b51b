"""The production work queue: Redis streams, one consumer group, shards leased to processes.

An item goes to stream ``<prefix>:{name}:{shard}``, the shard chosen by a stable hash of its
key, so one key's items share a stream and keep their order. Each shard is read by at most
one process at a time (see ``leases``); inside the process a ``KeyedDispatcher`` keeps the
per-key order. An entry is XACKed and XDELed after the handler returns, so the stream holds
exactly the unacknowledged items. Puts and acknowledgements of concurrent items share round trips
(``round_trips``). A process taking over a shard first claims (XAUTOCLAIM)
the entries its previous owner read but never acknowledged, in stream order, then reads new
ones.

Take-over is fenced: an entry is acknowledged only while it is still pending for this process
(checked in the same script as the XACK), so a process that lost its lease never acknowledges
an entry its successor has claimed; and a process that regains a shard it lost
first lets the entries it took under the lost lease settle, so they are claimed again in
stream order instead of overtaking. A graceful stop hands every lease back at once.

A Redis that came back empty is fenced (``leases.DataLossFence``): every process drops its shards
and finishes what it has in hand, one of them runs the queue's :attr:`RedisWorkQueue.recovery`
(what the database knows Redis forgot is queued again, in order), and only then are shards granted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Collection, Coroutine, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from bots.state.backoff import Backoff
from bots.state.dispatch import KeyedDispatcher
from bots.state.queue import Handler, QueueUnavailable, shard_of
from bots.state.redis.keys import KeySpace
from bots.state.redis.leases import DataLossFence, LeaseState, ShardLeases
from bots.state.redis.round_trips import RoundTrips

log = logging.getLogger(__name__)

GROUP = "omnicab"
_SWEEP_EVERY_BEATS = 3
_CLAIM_BATCH = 100
_IDLE_POLL = 0.05

# The dedupe mark keeps the entry's id, so that a recovery can move the entry (``_REQUEUE_AT_END``).
_ENQUEUE_ONCE = """
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local id = redis.call('XADD', KEYS[1], '*', 'k', ARGV[2], 'v', ARGV[3])
redis.call('SET', KEYS[2], id, 'EX', ARGV[1])
return 1
"""

# A mark left by an older version holds '1', not an id: XDEL refuses it, and the copy stays.
_REQUEUE_AT_END = """
local queued = redis.call('GET', KEYS[2])
if queued then redis.pcall('XDEL', KEYS[1], queued) end
local id = redis.call('XADD', KEYS[1], '*', 'k', ARGV[2], 'v', ARGV[3])
redis.call('SET', KEYS[2], id, 'EX', ARGV[1])
return 1
"""

# Creates the group if needed and forgets consumers with nothing pending (each process start
# adds one). Atomic, so no consumer can read an entry between the check and the deletion.
_PREPARE_SHARD = """
local created = redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
if type(created) == 'table' and created.err and not string.find(created.err, 'BUSYGROUP') then
  return redis.error_reply(created.err)
end
for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local name, pending
  for i = 1, #consumer, 2 do
    if consumer[i] == 'name' then name = consumer[i + 1] end
    if consumer[i] == 'pending' then pending = consumer[i + 1] end
  end
  if name ~= ARGV[2] and pending == 0 then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], name)
  end
end
return 0
"""


# Fencing: the entry is acknowledged only by the consumer it is pending for; a successor that
# claimed it (XAUTOCLAIM moves it to the successor) settles it instead. A Redis that came back
# empty has no group (NOGROUP): nothing is pending any more, so there is nothing to acknowledge.
_ACK_IF_OWNER = """
local pending = redis.pcall('XPENDING', KEYS[1], ARGV[2], ARGV[3], ARGV[3], 1, ARGV[1])
if type(pending) == 'table' and pending.err then
  if string.find(pending.err, 'NOGROUP') then return 0 end
  return redis.error_reply(pending.err)
end
if #pending == 0 then return 0 end
redis.call('XACK', KEYS[1], ARGV[2], ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[3])
return 1
"""


@dataclass(frozen=True, slots=True)
class _Layout:
    """What a consumption of one queue needs to know about it."""

    redis: Redis
    name: str
    consumer: str
    streams: list[str]
    leases: ShardLeases
    prepare_shard: AsyncScript
    ack_if_owner: AsyncScript
    acknowledgements: RoundTrips
    max_in_flight: int
    block_ms: int
    backoff: Backoff
    recover: Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class _Entry:
    shard: int
    epoch: int
    entry_id: bytes
    payload: bytes


def _default_consumer() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def _shard_of_stream(stream: bytes | str) -> int:
    name = stream.decode() if isinstance(stream, bytes) else stream
    return int(name.rsplit(":", 1)[1])


def _stream_batches(response: Any) -> Iterable[tuple[bytes, Sequence[Any]]]:
    """XREADGROUP's reply as (stream, entries) pairs, whichever protocol the client speaks."""
    if not response:
        return []
    if isinstance(response, dict):
        return [
            (stream, entries[0] if entries and isinstance(entries[0], list) else entries)
            for stream, entries in response.items()
        ]
    return [(stream, entries) for stream, entries in response]


class RedisWorkQueue:
    """Needs a client with ``decode_responses=False``: items are bytes."""

    def __init__(
        self,
        redis: Redis,
        keys: KeySpace,
        name: str,
        *,
        shards: int = 8,
        dedupe_ttl: int,
        consumer: str | None = None,
        lease_ttl_ms: int = 10_000,
        max_in_flight: int = 64,
        block_ms: int = 1000,
        backoff: Backoff | None = None,
        round_trips: RoundTrips | None = None,
    ) -> None:
        if redis.connection_pool.connection_kwargs.get("decode_responses"):
            raise ValueError("RedisWorkQueue needs a Redis client with decode_responses=False")
        if shards < 1 or dedupe_ttl < 1:
            raise ValueError("shards and dedupe_ttl must be positive")
        self.name = name
        self.consumer = consumer or _default_consumer()
        self._redis = redis
        self._shards = shards
        self._dedupe_ttl = dedupe_ttl
        self._keys = keys
        self._streams = [keys.key(name, str(shard)) for shard in range(shards)]
        leases = ShardLeases(
            redis,
            members_key=keys.key(name, "consumers"),
            lease_keys=[f"{stream}:lease" for stream in self._streams],
            fence=DataLossFence.of(keys),
            consumer=self.consumer,
            ttl_ms=lease_ttl_ms,
        )
        self._enqueue_once = redis.register_script(_ENQUEUE_ONCE)
        self._requeue_at_end = redis.register_script(_REQUEUE_AT_END)
        self._puts = round_trips or RoundTrips(redis)
        self._layout = _Layout(
            redis=redis,
            name=name,
            consumer=self.consumer,
            streams=self._streams,
            leases=leases,
            prepare_shard=redis.register_script(_PREPARE_SHARD),
            ack_if_owner=redis.register_script(_ACK_IF_OWNER),
            acknowledgements=self._puts,
            max_in_flight=max_in_flight,
            block_ms=block_ms,
            backoff=backoff or Backoff(),
            recover=self._recover,
        )
        self.recovery: Callable[[], Awaitable[None]] | None = None
        """Queues again what the database knows Redis forgot (every queue's, in order), when this
        process is the one the fence asks to after Redis lost its data; shared by the process's queues."""
        self._running = False
        self._closed = False

    async def put(self, key: str, item: bytes, *, dedupe_id: str | None = None) -> bool:
        if self._closed:
            raise RuntimeError(f"work queue {self.name} is closed")
        stream = self._streams[shard_of(key, self._shards)]
        try:
            if dedupe_id is None:
                await self._puts.command("XADD", stream, "*", "k", key, "v", item)
                return True
            seen_key = self._keys.key(self.name, "seen", dedupe_id)
            added = await self._puts.script(
                self._enqueue_once, [stream, seen_key], [self._dedupe_ttl, key, item]
            )
        except (RedisError, OSError) as error:
            raise QueueUnavailable(f"{self.name}: Redis unreachable ({type(error).__name__})") from error
        return bool(added)

    async def requeue(self, key: str, item: bytes, *, dedupe_id: str) -> None:
        """Queue ``item`` at the end of its stream, removing the copy still queued under ``dedupe_id``.

        Only for the recovery after Redis lost its data, while the fence holds every consumer: a
        turn that was in hand at the loss may have queued its reply into the empty Redis ahead of
        the earlier replies the recovery brings back, and moving every unfinished reply to the end,
        in the history's order, restores the conversation's order. A copy a consumer had already
        taken would run twice."""
        stream = self._streams[shard_of(key, self._shards)]
        seen_key = self._keys.key(self.name, "seen", dedupe_id)
        try:
            await self._puts.script(self._requeue_at_end, [stream, seen_key], [self._dedupe_ttl, key, item])
        except (RedisError, OSError) as error:
            raise QueueUnavailable(f"{self.name}: Redis unreachable ({type(error).__name__})") from error

    async def run(self, handler: Handler, *, stop: asyncio.Event) -> None:
        if self._closed:
            raise RuntimeError(f"work queue {self.name} is closed")
        if self._running:
            raise RuntimeError(f"work queue {self.name} is already running")
        self._running = True
        try:
            await _Consumption(self._layout, handler).run(stop)
        finally:
            self._running = False

    async def close(self) -> None:
        self._closed = True

    async def _recover(self) -> None:
        if self.recovery is not None:
            await self.recovery()

    async def depth(self) -> int:
        async with self._redis.pipeline(transaction=False) as pipe:
            for stream in self._streams:
                pipe.xlen(stream)
            lengths = await pipe.execute()
        return sum(int(length) for length in lengths)


class _Consumption:
    """The state of one ``run``: which shards this process owns and what it has taken from them."""

    def __init__(self, layout: _Layout, handler: Handler) -> None:
        self._layout = layout
        self._handler = handler
        self._prefetch = 2 * layout.max_in_flight
        self._owned: dict[int, int] = {}
        self._readable: set[int] = set()
        self._releasing: set[int] = set()
        self._outstanding: dict[int, set[bytes]] = {}
        self._sweep_cursors: dict[int, bytes] = {}
        self._claims: dict[int, int] = {}
        self._settled_while_claiming: dict[int, set[bytes]] = {}
        self._epochs = 0
        self._valid_until = 0.0
        self._draining_since: float | None = None
        self._held_since: float | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._tasks: asyncio.TaskGroup | None = None
        self._progress = asyncio.Event()
        self._dispatcher: KeyedDispatcher[_Entry] = KeyedDispatcher(
            layout.name,
            handle=self._handle,
            acknowledge=self._acknowledge,
            max_in_flight=layout.max_in_flight,
            backoff=layout.backoff,
            is_current=lambda entry: self._owned.get(entry.shard) == entry.epoch,
            on_settled=self._settled,
        )

    def _settled(self, entry: _Entry) -> None:
        self._outstanding.get(entry.shard, set()).discard(entry.entry_id)
        if self._claims.get(entry.shard):
            self._settled_while_claiming.setdefault(entry.shard, set()).add(entry.entry_id)
        self._progress.set()

    @contextlib.contextmanager
    def _claiming(self, shards: Sequence[int]) -> Iterator[dict[int, set[bytes]]]:
        """While a claim is on its way, entries settled meanwhile are remembered: the claim's reply
        may still list them (taken before their acknowledgement), and they must not run twice."""
        for shard in shards:
            self._claims[shard] = self._claims.get(shard, 0) + 1
            self._settled_while_claiming.setdefault(shard, set())
        try:
            yield self._settled_while_claiming
        finally:
            for shard in shards:
                self._claims[shard] -= 1
                if not self._claims[shard]:
                    del self._claims[shard]
                    self._settled_while_claiming.pop(shard, None)

    async def run(self, stop: asyncio.Event) -> None:
        try:
            async with asyncio.TaskGroup() as tasks:
                self._tasks = tasks
                self._spawn(self._beat())
                self._spawn(self._read(stop))
                await self._dispatcher.run(stop)
                # Whatever is unacknowledged now stays pending in Redis for the next owner.
                for task in list(self._background):
                    task.cancel()
        finally:
            # Also when cancelled: the next owner should not wait for the leases to expire.
            await asyncio.shield(self._leave())

    async def _leave(self) -> None:
        try:
            await self._layout.leases.leave()
        except (RedisError, OSError) as error:
            log.warning("%s: could not release shard leases (%s)", self._layout.name, type(error).__name__)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        if self._tasks is None:
            raise RuntimeError("spawned outside run")
        task = self._tasks.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _handle(self, entry: _Entry) -> None:
        await self._handler(entry.payload)

    async def _acknowledge(self, entry: _Entry) -> None:
        acknowledged = await self._layout.acknowledgements.script(
            self._layout.ack_if_owner,
            [self._layout.streams[entry.shard]],
            [self._layout.consumer, GROUP, entry.entry_id],
        )
        if not acknowledged:
            log.warning(
                "%s: shard %d changed hands while an entry was handled; its new owner settles it",
                self._layout.name,
                entry.shard,
            )
            self._stop_reading({entry.shard: entry.epoch})

    def _submit(
        self, shard: int, epoch: int, entries: Sequence[Any], settled: Collection[bytes] = ()
    ) -> None:
        outstanding = self._outstanding.setdefault(shard, set())
        for entry_id, fields in entries:
            if fields is None or entry_id in outstanding or entry_id in settled:
                continue
            if b"k" not in fields or b"v" not in fields:
                log.error("%s: malformed entry in shard %d left pending", self._layout.name, shard)
                continue
            outstanding.add(entry_id)
            self._dispatcher.submit(fields[b"k"].decode(), _Entry(shard, epoch, entry_id, fields[b"v"]))

    async def _beat(self) -> None:
        beats = 0
        while True:
            try:
                self._apply(await self._layout.leases.heartbeat(draining=self._draining_since is not None))
                beats += 1
                if beats % _SWEEP_EVERY_BEATS == 0:
                    await self._sweep()
            except (RedisError, OSError) as error:
                log.warning("%s: lease heartbeat failed (%s)", self._layout.name, type(error).__name__)
                self._stop_reading(dict(self._owned))
            await asyncio.sleep(self._layout.leases.ttl / 3)

    def _apply(self, state: LeaseState) -> None:
        self._valid_until = state.valid_until
        if state.data_lost:
            log.warning(
                "%s: Redis lost its data; shards dropped until every process has finished what it holds",
                self._layout.name,
            )
            self._draining_since = self._held_since = time.monotonic()
        if self._held_since is not None and state.held:
            log.warning(
                "%s: shards granted again %.2fs after the loss of Redis's data was seen",
                self._layout.name,
                time.monotonic() - self._held_since,
            )
            self._held_since = None
        if self._draining_since is not None and not any(self._outstanding.values()):
            log.warning(
                "%s: items in hand when Redis lost its data finished in %.2fs",
                self._layout.name,
                time.monotonic() - self._draining_since,
            )
            self._draining_since = None
        if state.recover:
            self._spawn(self._recover())
        for shard in list(self._owned):
            if shard not in state.held:
                self._lose(shard)
        self._releasing &= state.held
        for shard in sorted(state.held - self._owned.keys() - self._releasing):
            self._epochs += 1
            self._owned[shard] = self._epochs
            self._spawn(self._take_over(shard, self._epochs))
        surplus = len(self._owned) - state.fair_share
        for shard in sorted(self._owned, reverse=True)[: max(0, surplus)]:
            self._owned.pop(shard)
            self._readable.discard(shard)
            self._releasing.add(shard)
            self._spawn(self._release(shard))

    async def _recover(self) -> None:
        """Queue again what Redis forgot, then let the fence grant shards; a failure gives the claim
        back, and the next heartbeat asks again (if even that fails, the claim lapses)."""
        started = time.monotonic()
        try:
            await self._layout.recover()
            await self._layout.leases.recovered()
        except Exception:
            log.exception(
                "%s: recovery after Redis lost its data failed; it will be asked again", self._layout.name
            )
            with contextlib.suppress(RedisError, OSError):
                await self._layout.leases.recovery_failed()
            return
        log.warning(
            "%s: recovery after Redis lost its data took %.2fs", self._layout.name, time.monotonic() - started
        )

    def _lose(self, shard: int) -> None:
        log.warning("%s: lost the lease on shard %d", self._layout.name, shard)
        self._owned.pop(shard, None)
        self._readable.discard(shard)

    async def _take_over(self, shard: int, epoch: int) -> None:
        stream = self._layout.streams[shard]
        await self._settle_earlier_epochs(shard)
        attempt = 0
        while self._owned.get(shard) == epoch:
            try:
                await self._prepare(shard)
                cursor: bytes = b"0-0"
                while True:
                    await self._dispatcher.wait_for_room(self._prefetch)
                    if self._owned.get(shard) != epoch:
                        return
                    with self._claiming([shard]) as settled:
                        reply = await self._layout.redis.xautoclaim(
                            stream, GROUP, self._layout.consumer, 0, cursor, count=_CLAIM_BATCH
                        )
                        cursor = reply[0]
                        self._submit(shard, epoch, reply[1], settled[shard])
                    if cursor in (b"0-0", "0-0"):
                        break
                if self._owned.get(shard) == epoch:
                    self._readable.add(shard)
                return
            except (RedisError, OSError) as error:
                attempt += 1
                log.warning(
                    "%s: taking over shard %d failed (%s)", self._layout.name, shard, type(error).__name__
                )
                await asyncio.sleep(self._layout.backoff.delay(attempt))

    async def _settle_earlier_epochs(self, shard: int) -> None:
        """Entries taken under a lease this process lost are dropped (or finish) before the shard is
        claimed again, so they come back in stream order rather than behind newer entries."""
        while self._outstanding.get(shard):
            self._progress.clear()
            await self._progress.wait()

    async def _release(self, shard: int) -> None:
        """Hand a surplus shard back once the entries already taken from it are settled."""
        while self._outstanding.get(shard):
            self._progress.clear()
            await self._progress.wait()
        attempt = 0
        while shard in self._releasing:
            try:
                await self._layout.leases.release(shard)
                self._releasing.discard(shard)
            except (RedisError, OSError) as error:
                attempt += 1
                log.warning(
                    "%s: releasing shard %d failed (%s)", self._layout.name, shard, type(error).__name__
                )
                await asyncio.sleep(self._layout.backoff.delay(attempt))

    async def _read(self, stop: asyncio.Event) -> None:
        attempt = 0
        while not stop.is_set():
            await self._dispatcher.wait_for_room(self._prefetch)
            lease_valid = time.monotonic() < self._valid_until
            epochs = {shard: self._owned[shard] for shard in self._readable if shard in self._owned}
            if not lease_valid:
                epochs = {}
            if not epochs:
                await asyncio.sleep(_IDLE_POLL)
                continue
            streams = {self._layout.streams[shard]: ">" for shard in sorted(epochs)}
            try:
                response = await self._layout.redis.xreadgroup(
                    GROUP,
                    self._layout.consumer,
                    streams,  # type: ignore[arg-type]
                    count=self._prefetch - self._dispatcher.buffered,
                    block=self._layout.block_ms,
                )
                attempt = 0
            except (RedisError, OSError) as error:
                attempt += 1
                log.warning("%s: reading failed (%s)", self._layout.name, type(error).__name__)
                self._stop_reading(epochs)
                await asyncio.sleep(self._layout.backoff.delay(attempt))
                continue
            for stream, entries in _stream_batches(response):
                shard = _shard_of_stream(stream)
                if self._owned.get(shard) == epochs.get(shard):
                    self._submit(shard, epochs[shard], entries)

    async def _prepare(self, shard: int) -> None:
        await self._layout.prepare_shard(
            keys=[self._layout.streams[shard]], args=[GROUP, self._layout.consumer]
        )

    def _stop_reading(self, epochs: dict[int, int]) -> None:
        """Redis failed a read or a heartbeat, or an entry was no longer pending for us: Redis may have
        lost its data, which the next successful heartbeat says (the fence). Handling on until then
        what was read before (the in-memory buffer) or reads now would let a new item overtake one
        Redis forgot, so the shards are dropped here, and the items not yet begun with them; if the
        leases are still ours, the heartbeat takes the shards over anew, claiming those items again
        in stream order (the take-over also recreates a lost group)."""
        for shard, epoch in epochs.items():
            if self._owned.get(shard) == epoch:
                self._lose(shard)

    async def _sweep(self) -> None:
        """Claim entries stuck unacknowledged in a shard we own, e.g. read by a former owner after
        its lease had already expired; our own outstanding entries are skipped by id."""
        shards = sorted(self._readable)
        if not shards:
            return
        min_idle = 2 * int(self._layout.leases.ttl * 1000)
        with self._claiming(shards) as settled:
            async with self._layout.redis.pipeline(transaction=False) as pipe:
                for shard in shards:
                    cursor = self._sweep_cursors.get(shard, b"0-0")
                    pipe.xautoclaim(
                        self._layout.streams[shard],
                        GROUP,
                        self._layout.consumer,
                        min_idle,
                        cursor,
                        _CLAIM_BATCH,
                    )
                replies = await pipe.execute()
            for shard, reply in zip(shards, replies, strict=True):
                self._sweep_cursors[shard] = reply[0]
                epoch = self._owned.get(shard)
                if epoch is not None and shard in self._readable:
                    self._submit(shard, epoch, reply[1], settled[shard])

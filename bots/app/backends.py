"""State backends chosen by settings: Redis when ``OMNICAB_REDIS_URL`` is set, else in-process,
with the inbox, the outbox and the dialog sessions durable in ``<data_dir>/queues.db``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from redis.asyncio import BlockingConnectionPool, Redis

from bots.app.data_key import data_cipher
from bots.app.sealed_sessions import SealedSessionStore
from bots.app.settings import Settings
from bots.state import (
    FailedAttempts,
    PubSub,
    RateLimiter,
    Requeueing,
    SessionStore,
    TokenStore,
    WorkQueue,
)
from bots.state.memory import (
    MemoryFailedAttempts,
    MemoryPubSub,
    MemoryRateLimiter,
    MemoryTokenStore,
)
from bots.state.redis import (
    KeySpace,
    RedisFailedAttempts,
    RedisPubSub,
    RedisRateLimiter,
    RedisSessionStore,
    RedisTokenStore,
    RedisWorkQueue,
    RoundTrips,
)
from bots.state.sqlite import SqliteQueueFile, SqliteSessionStore, SqliteWorkQueue
from cabinet_api.actions.refunds import SENSITIVE_SLOTS

TOKEN_TTL_SECONDS = 30 * 24 * 3600


@dataclass
class Backends:
    sessions: SessionStore
    tokens: TokenStore
    limiter: RateLimiter
    inbox: WorkQueue
    outbox: WorkQueue
    pubsub: PubSub
    failed_attempts: FailedAttempts = field(default_factory=MemoryFailedAttempts)
    redis: Redis | None = None
    queue_file: SqliteQueueFile | None = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def ping(self) -> bool:
        if self.redis is None:
            return True
        try:
            return bool(await self.redis.ping())
        except Exception:
            return False

    def recover_with(self, recovery: Callable[[Requeueing], Awaitable[object]]) -> None:
        """What runs, given the outbox, once Redis lost its data and every worker is held
        (``RedisWorkQueue.recovery``)."""
        outbox = self.outbox
        if not isinstance(outbox, RedisWorkQueue):
            return

        async def recover() -> None:
            await recovery(outbox)

        for queue in (self.inbox, outbox):
            if isinstance(queue, RedisWorkQueue):
                queue.recovery = recover

    async def close(self) -> None:
        self.stop.set()
        await self.inbox.close()
        await self.outbox.close()
        await self.sessions.close()
        if self.queue_file is not None:
            await self.queue_file.close()
        if self.redis is not None:
            await self.redis.aclose(close_connection_pool=True)


async def open_backends(settings: Settings) -> Backends:
    if settings.redis_url is None:
        queue_file = await SqliteQueueFile.open(settings.data_dir / "queues.db")
        return Backends(
            sessions=sealed_sessions(settings, SqliteSessionStore(queue_file, settings.session_ttl_seconds)),
            tokens=MemoryTokenStore(TOKEN_TTL_SECONDS),
            limiter=MemoryRateLimiter(),
            inbox=SqliteWorkQueue(queue_file, "inbox", dedupe_ttl=settings.dedupe_ttl_seconds),
            outbox=SqliteWorkQueue(queue_file, "outbox", dedupe_ttl=settings.dedupe_ttl_seconds),
            pubsub=MemoryPubSub(),
            queue_file=queue_file,
        )
    pool = BlockingConnectionPool.from_url(
        settings.redis_url, max_connections=settings.redis_max_connections, timeout=10
    )
    redis = Redis(connection_pool=pool)
    keys = KeySpace(settings.redis_prefix)
    secret = settings.secret_key.get_secret_value().encode()
    # One for the whole process: the commands of the webhook, the inbox and the outbox share trips.
    trips = RoundTrips(redis)
    dedupe_ttl = settings.dedupe_ttl_seconds
    return Backends(
        sessions=sealed_sessions(
            settings, RedisSessionStore(redis, keys, settings.session_ttl_seconds, round_trips=trips)
        ),
        tokens=RedisTokenStore(redis, keys, TOKEN_TTL_SECONDS, secret),
        limiter=RedisRateLimiter(redis, keys, round_trips=trips),
        inbox=RedisWorkQueue(
            redis, keys, "inbox", shards=settings.inbox_shards, dedupe_ttl=dedupe_ttl, round_trips=trips
        ),
        outbox=RedisWorkQueue(
            redis, keys, "outbox", shards=settings.inbox_shards, dedupe_ttl=dedupe_ttl, round_trips=trips
        ),
        pubsub=RedisPubSub(redis, keys),
        failed_attempts=RedisFailedAttempts(redis, keys),
        redis=redis,
    )


def sealed_sessions(settings: Settings, store: SessionStore) -> SessionStore:
    """Refund payout slots encrypted, any other card or account number masked."""
    return SealedSessionStore(store, data_cipher(settings), SENSITIVE_SLOTS)

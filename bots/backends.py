"""State backends chosen by settings: Redis when ``OMNICAB_REDIS_URL`` is set, else in-process."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from redis.asyncio import BlockingConnectionPool, Redis

from bots.queues import MemoryWorkQueue, RedisWorkQueue, WorkQueue
from bots.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from bots.settings import Settings
from bots.tokens import MemoryTokenStore, RedisTokenStore, TokenStore
from dialogs.session import SessionStore
from dialogs.stores import MemorySessionStore, RedisSessionStore

TOKEN_TTL_SECONDS = 30 * 24 * 3600


@dataclass
class Backends:
    sessions: SessionStore
    tokens: TokenStore
    limiter: RateLimiter
    inbox: WorkQueue
    outbox: WorkQueue
    redis: Redis | None = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def ping(self) -> bool:
        if self.redis is None:
            return True
        try:
            return bool(await self.redis.ping())
        except Exception:
            return False

    async def close(self) -> None:
        self.stop.set()
        await self.inbox.close()
        await self.outbox.close()
        await self.sessions.close()
        if self.redis is not None:
            await self.redis.aclose(close_connection_pool=True)


async def open_backends(settings: Settings) -> Backends:
    if settings.redis_url is None:
        return Backends(
            sessions=MemorySessionStore(settings.session_ttl_seconds),
            tokens=MemoryTokenStore(TOKEN_TTL_SECONDS),
            limiter=MemoryRateLimiter(),
            inbox=MemoryWorkQueue("inbox", dedupe_ttl=settings.dedupe_ttl_seconds),
            outbox=MemoryWorkQueue("outbox", dedupe_ttl=settings.dedupe_ttl_seconds),
        )
    pool = BlockingConnectionPool.from_url(
        settings.redis_url, max_connections=settings.redis_max_connections, timeout=10
    )
    redis = Redis(connection_pool=pool)
    await redis.ping()
    secret = settings.secret_key.get_secret_value().encode()
    return Backends(
        sessions=RedisSessionStore(redis, settings.session_ttl_seconds),
        tokens=RedisTokenStore(redis, TOKEN_TTL_SECONDS, secret),
        limiter=RedisRateLimiter(redis),
        inbox=RedisWorkQueue(
            redis, "inbox", shards=settings.inbox_shards, dedupe_ttl=settings.dedupe_ttl_seconds
        ),
        outbox=RedisWorkQueue(
            redis, "outbox", shards=settings.inbox_shards, dedupe_ttl=settings.dedupe_ttl_seconds
        ),
        redis=redis,
    )

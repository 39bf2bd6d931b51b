"""Session stores: in-process for one process, Redis for many. Both keep the same bytes."""

from __future__ import annotations

import time
from collections.abc import Callable

from redis.asyncio import Redis

from dialogs.session import SessionState


class MemorySessionStore:
    """Sessions in this process's memory; expired entries are dropped when touched."""

    def __init__(self, ttl_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._entries: dict[str, tuple[float, bytes]] = {}

    async def load(self, key: str) -> SessionState | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, raw = entry
        if self._clock() >= expires_at:
            del self._entries[key]
            return None
        return SessionState.loads(raw)

    async def save(self, key: str, state: SessionState) -> None:
        self._entries[key] = (self._clock() + self._ttl, state.dumps())

    async def delete(self, key: str) -> None:
        self._entries.pop(key, None)

    async def close(self) -> None:
        self._entries.clear()


class RedisSessionStore:
    """One ``GET`` per load and one ``SET PX`` per save; Redis expires idle sessions itself."""

    def __init__(self, redis: Redis, ttl_seconds: float, prefix: str = "omnicab:session:") -> None:
        self._redis = redis
        self._ttl_ms = max(1, round(ttl_seconds * 1000))
        self._prefix = prefix

    async def load(self, key: str) -> SessionState | None:
        raw = await self._redis.get(self._prefix + key)
        return SessionState.loads(raw) if raw is not None else None

    async def save(self, key: str, state: SessionState) -> None:
        await self._redis.set(self._prefix + key, state.dumps(), px=self._ttl_ms)

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)

    async def close(self) -> None:
        """The Redis client is shared and owned by whoever created it."""

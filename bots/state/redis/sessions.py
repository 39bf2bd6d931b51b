"""Dialog sessions in Redis, shared by every process; the same bytes as the in-process store."""

from __future__ import annotations

from redis.asyncio import Redis

from bots.state.redis.keys import KeySpace
from bots.state.redis.round_trips import RoundTrips
from dialogs.session import SessionState


class RedisSessionStore:
    """One ``GET`` per load and one ``SET PX`` per save, the loads and saves of concurrent turns
    sharing round trips; Redis expires idle sessions itself."""

    def __init__(
        self, redis: Redis, keys: KeySpace, ttl_seconds: float, *, round_trips: RoundTrips | None = None
    ) -> None:
        self._redis = redis
        self._round_trips = round_trips or RoundTrips(redis)
        self._ttl_ms = max(1, round(ttl_seconds * 1000))
        self._prefix = keys.key("session", "")

    async def load(self, key: str) -> SessionState | None:
        raw = await self._round_trips.command("GET", self._prefix + key)
        return SessionState.loads(raw) if raw is not None else None

    async def save(self, key: str, state: SessionState) -> None:
        await self._round_trips.command("SET", self._prefix + key, state.dumps(), "PX", self._ttl_ms)

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)

    async def close(self) -> None:
        """The Redis client is shared and owned by whoever created it."""

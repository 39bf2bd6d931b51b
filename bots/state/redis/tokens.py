"""Payload tokens in Redis, shared by every process."""

from __future__ import annotations

from redis.asyncio import Redis

from bots.state.redis.keys import KeySpace
from bots.state.tokens import is_token, token_body, token_for


class RedisTokenStore:
    """Shared by every process; ``secret`` must be the same in all of them."""

    def __init__(self, redis: Redis, keys: KeySpace, ttl: float, secret: bytes) -> None:
        if ttl <= 0 or not secret:
            raise ValueError("ttl must be positive and secret non-empty")
        self._redis = redis
        self._keys = keys
        self._ttl_ms = max(1, int(ttl * 1000))
        self._secret = secret

    async def shorten(self, payload: str) -> str:
        token = token_for(self._secret, payload)
        await self._redis.set(self._key(token), payload.encode(), px=self._ttl_ms)
        return token

    async def resolve(self, token: str) -> str | None:
        if not is_token(token):
            return None
        stored = await self._redis.get(self._key(token))
        if stored is None:
            return None
        return stored.decode() if isinstance(stored, bytes) else str(stored)

    def _key(self, token: str) -> str:
        return self._keys.key("token", token_body(token))

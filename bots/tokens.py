"""Short server-side tokens for payloads too long for a platform (Telegram callback_data: 64 bytes).

A token is derived from the payload with an HMAC, so rendering the same button twice gives the
same token, and one payload is stored once however often it is rendered.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from typing import Protocol

from redis.asyncio import Redis

from bots.queues.expiring import ExpiringMap

TOKEN_PREFIX = "~"
_TOKEN_CHARS = 12
_ALPHABET = frozenset("abcdefghijklmnopqrstuvwxyz234567")


class TokenStore(Protocol):
    async def shorten(self, payload: str) -> str:
        """``"~"`` + 12 characters; the same payload gives the same token while it is stored."""
        ...

    async def resolve(self, token: str) -> str | None:
        """The payload, or None if the token is unknown or expired."""
        ...


def is_token(value: str) -> bool:
    body = value[len(TOKEN_PREFIX) :]
    return value.startswith(TOKEN_PREFIX) and len(body) == _TOKEN_CHARS and set(body) <= _ALPHABET


def _token_for(secret: bytes, payload: str) -> str:
    digest = hmac.new(secret, payload.encode(), hashlib.sha256).digest()
    return TOKEN_PREFIX + base64.b32encode(digest).decode().lower()[:_TOKEN_CHARS]


class MemoryTokenStore:
    def __init__(self, ttl: float, *, secret: bytes | None = None, max_entries: int = 100_000) -> None:
        self._secret = secret or os.urandom(32)
        self._payloads: ExpiringMap[str] = ExpiringMap(ttl, max_entries=max_entries)

    async def shorten(self, payload: str) -> str:
        token = _token_for(self._secret, payload)
        self._payloads.set(token, payload)
        return token

    async def resolve(self, token: str) -> str | None:
        return self._payloads.get(token) if is_token(token) else None


class RedisTokenStore:
    """Shared by every process; ``secret`` must be the same in all of them."""

    def __init__(self, redis: Redis, ttl: float, secret: bytes) -> None:
        if ttl <= 0 or not secret:
            raise ValueError("ttl must be positive and secret non-empty")
        self._redis = redis
        self._ttl_ms = max(1, int(ttl * 1000))
        self._secret = secret

    async def shorten(self, payload: str) -> str:
        token = _token_for(self._secret, payload)
        await self._redis.set(self._key(token), payload.encode(), px=self._ttl_ms)
        return token

    async def resolve(self, token: str) -> str | None:
        if not is_token(token):
            return None
        stored = await self._redis.get(self._key(token))
        if stored is None:
            return None
        return stored.decode() if isinstance(stored, bytes) else str(stored)

    @staticmethod
    def _key(token: str) -> str:
        return f"omnicab:token:{token[len(TOKEN_PREFIX) :]}"

"""Payload tokens in this process's memory (one process)."""

from __future__ import annotations

import os

from bots.state.expiring import ExpiringMap
from bots.state.tokens import is_token, token_for


class MemoryTokenStore:
    def __init__(self, ttl: float, *, secret: bytes | None = None, max_entries: int = 100_000) -> None:
        self._secret = secret or os.urandom(32)
        self._payloads: ExpiringMap[str] = ExpiringMap(ttl, max_entries=max_entries)

    async def shorten(self, payload: str) -> str:
        token = token_for(self._secret, payload)
        self._payloads.set(token, payload)
        return token

    async def resolve(self, token: str) -> str | None:
        return self._payloads.get(token) if is_token(token) else None

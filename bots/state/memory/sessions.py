"""Dialog sessions in this process's memory (one process)."""

from __future__ import annotations

import time
from collections.abc import Callable

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

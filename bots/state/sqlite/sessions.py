"""Dialog sessions of the embedded default, in the queue file: they outlive a kill -9.

Reads come from memory: a session is read from the file once, the first time its conversation
speaks after a start, and kept with the time it expires at. A save updates memory and commits
before it returns, in the file's group commit, so it shares an fsync with the puts and
acknowledgements around it. The file serves requests in order, so a turn's save is on the disk
before the acknowledgement of its inbox item: after a crash the item is handled again against
the session it left, or against the one before it (and the replay produces the same reply ids).
"""

from __future__ import annotations

from bots.state.sqlite.file import SqliteQueueFile
from dialogs.session import SessionState


class SqliteSessionStore:
    """Expired sessions are dropped when touched and pruned with the file's dedupe marks."""

    def __init__(self, file: SqliteQueueFile, ttl_seconds: float) -> None:
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        self._file = file
        self._ttl = ttl_seconds
        self._cache: dict[str, tuple[float, bytes]] = {}

    async def load(self, key: str) -> SessionState | None:
        entry = self._cache.get(key)
        if entry is None:
            stored = await self._file.load_session(key)
            if stored is None:
                return None
            raw, expires_at = stored
            entry = self._cache[key] = (expires_at, raw)
        expires_at, raw = entry
        if self._file.now() >= expires_at:
            del self._cache[key]
            return None
        return SessionState.loads(raw)

    async def save(self, key: str, state: SessionState) -> None:
        raw = state.dumps()
        expires_at = self._file.now() + self._ttl
        await self._file.save_session(key, raw, expires_at)
        self._cache[key] = (expires_at, raw)

    async def delete(self, key: str) -> None:
        await self._file.delete_session(key)
        self._cache.pop(key, None)

    async def close(self) -> None:
        """The file is closed by whoever opened it."""
        self._cache.clear()

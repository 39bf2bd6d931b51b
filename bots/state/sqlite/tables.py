"""The queue file's tables and statements; synchronous, used only from the file's own thread.

``items`` holds every unacknowledged item of every queue, in put order: ``id`` is an
AUTOINCREMENT rowid, so ids are never reused and ordering by id is ordering by commit.
``marks`` holds the dedupe marks, each with the wall-clock time it expires at (wall clock,
not monotonic, because marks outlive the process). ``sessions`` holds the dialog sessions, each
with the wall-clock time it expires at.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Synchronous = Literal["NORMAL", "FULL"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    key TEXT NOT NULL,
    payload BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS items_by_queue ON items (queue, id);
CREATE TABLE IF NOT EXISTS marks (
    queue TEXT NOT NULL,
    dedupe_id TEXT NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (queue, dedupe_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS marks_by_expiry ON marks (expires_at);
CREATE TABLE IF NOT EXISTS sessions (
    key TEXT PRIMARY KEY,
    state BLOB NOT NULL,
    expires_at REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions (expires_at);
"""

# A mark that exists and has not expired refuses the item; an expired one is taken over.
_MARK = """
INSERT INTO marks (queue, dedupe_id, expires_at) VALUES (?, ?, ?)
ON CONFLICT (queue, dedupe_id) DO UPDATE SET expires_at = excluded.expires_at
WHERE marks.expires_at <= ?
"""

_SAVE_SESSION = """
INSERT INTO sessions (key, state, expires_at) VALUES (?, ?, ?)
ON CONFLICT (key) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at
"""

_PRUNE_SESSIONS = """
DELETE FROM sessions WHERE key IN (
    SELECT key FROM sessions WHERE expires_at <= ? ORDER BY expires_at LIMIT ?
)
"""

_PRUNE = """
DELETE FROM marks WHERE (queue, dedupe_id) IN (
    SELECT queue, dedupe_id FROM marks WHERE expires_at <= ? ORDER BY expires_at LIMIT ?
)
"""


class QueueFileBusy(RuntimeError):
    """Another process holds the queue file: the SQLite queues serve one process."""


@dataclass(frozen=True, slots=True)
class StoredItem:
    id: int
    key: str
    payload: bytes


class QueueTables:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    @classmethod
    def open(cls, path: Path, *, synchronous: Synchronous, lock_timeout: float) -> QueueTables:
        """Opens (creating if needed) and locks the file for this connection until it is closed.

        ``locking_mode=EXCLUSIVE`` keeps a second process out (it would consume the same items)
        and spares WAL its shared-memory index.
        """
        if synchronous not in ("NORMAL", "FULL"):
            raise ValueError("synchronous must be NORMAL or FULL")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            connection = sqlite3.connect(
                path, timeout=lock_timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.OperationalError as error:
            raise sqlite3.OperationalError(f"queue file {path}: {error}") from error
        try:
            connection.execute("PRAGMA locking_mode=EXCLUSIVE")
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(f"PRAGMA synchronous={synchronous}")
            connection.execute("PRAGMA journal_size_limit=16777216")
            connection.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} COMMIT;")  # the lock stays held
        except sqlite3.OperationalError as error:
            connection.close()
            if "locked" in str(error):
                raise QueueFileBusy(
                    f"{path} is in use by another process; run several processes with OMNICAB_REDIS_URL"
                ) from error
            raise sqlite3.OperationalError(f"queue file {path}: {error}") from error
        except BaseException:
            connection.close()
            raise
        return cls(connection)

    def close(self) -> None:
        self._db.close()

    def begin(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self._db.execute("COMMIT")

    def rollback(self) -> None:
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    def insert(
        self, queue: str, key: str, payload: bytes, dedupe_id: str | None, now: float, ttl: float
    ) -> int | None:
        """The new item's id; None (and nothing stored) if ``dedupe_id`` holds an unexpired mark."""
        if dedupe_id is not None:
            marked = self._db.execute(_MARK, (queue, dedupe_id, now + ttl, now))
            if marked.rowcount != 1:
                return None
        inserted = self._db.execute(
            "INSERT INTO items (queue, key, payload) VALUES (?, ?, ?)", (queue, key, payload)
        )
        assert inserted.lastrowid is not None
        return inserted.lastrowid

    def delete(self, item_id: int) -> None:
        self._db.execute("DELETE FROM items WHERE id = ?", (item_id,))

    def after(self, queue: str, item_id: int, limit: int) -> list[StoredItem]:
        rows = self._db.execute(
            "SELECT id, key, payload FROM items WHERE queue = ? AND id > ? ORDER BY id LIMIT ?",
            (queue, item_id, limit),
        )
        return [StoredItem(row[0], row[1], row[2]) for row in rows]

    def count_items(self, queue: str) -> int:
        return int(self._db.execute("SELECT count(*) FROM items WHERE queue = ?", (queue,)).fetchone()[0])

    def count_marks(self, queue: str) -> int:
        return int(self._db.execute("SELECT count(*) FROM marks WHERE queue = ?", (queue,)).fetchone()[0])

    def prune_marks(self, now: float, limit: int) -> int:
        """Deletes up to ``limit`` expired marks and as many expired sessions, oldest first; the larger
        of the two counts."""
        marks = self._db.execute(_PRUNE, (now, limit)).rowcount
        return max(marks, self._db.execute(_PRUNE_SESSIONS, (now, limit)).rowcount)

    def load_session(self, key: str, now: float) -> tuple[bytes, float] | None:
        row = self._db.execute(
            "SELECT state, expires_at FROM sessions WHERE key = ? AND expires_at > ?", (key, now)
        ).fetchone()
        return (bytes(row[0]), float(row[1])) if row is not None else None

    def save_session(self, key: str, state: bytes, expires_at: float) -> None:
        self._db.execute(_SAVE_SESSION, (key, state, expires_at))

    def delete_session(self, key: str) -> None:
        self._db.execute("DELETE FROM sessions WHERE key = ?", (key,))

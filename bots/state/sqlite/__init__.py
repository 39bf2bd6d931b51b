"""The work queues and dialog sessions of the embedded default: durable in one SQLite file, for one
process."""

from __future__ import annotations

from bots.state.sqlite.file import SqliteQueueFile
from bots.state.sqlite.queue import SqliteWorkQueue
from bots.state.sqlite.sessions import SqliteSessionStore
from bots.state.sqlite.tables import QueueFileBusy

__all__ = ["QueueFileBusy", "SqliteQueueFile", "SqliteSessionStore", "SqliteWorkQueue"]

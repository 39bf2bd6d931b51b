"""Every shared-state interface for one process, in memory: the embedded default for all but the
work queues, which it keeps on disk (``bots.state.sqlite``)."""

from __future__ import annotations

from bots.state.memory.attempts import MemoryFailedAttempts
from bots.state.memory.pubsub import MemoryPubSub
from bots.state.memory.queue import MemoryWorkQueue
from bots.state.memory.ratelimit import MemoryRateLimiter
from bots.state.memory.sessions import MemorySessionStore
from bots.state.memory.tokens import MemoryTokenStore

__all__ = [
    "MemoryFailedAttempts",
    "MemoryPubSub",
    "MemoryRateLimiter",
    "MemorySessionStore",
    "MemoryTokenStore",
    "MemoryWorkQueue",
]

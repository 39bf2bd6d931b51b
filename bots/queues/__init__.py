"""Durable work queues with per-key order: in-process (embedded default) and Redis (N processes)."""

from __future__ import annotations

from bots.queues.backoff import Backoff
from bots.queues.base import Handler, WorkQueue, shard_of
from bots.queues.memory import MemoryWorkQueue
from bots.queues.redis import RedisWorkQueue

__all__ = ["Backoff", "Handler", "MemoryWorkQueue", "RedisWorkQueue", "WorkQueue", "shard_of"]

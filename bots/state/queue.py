"""The work-queue contract shared by the in-process and the Redis backend."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Awaitable, Callable
from typing import Protocol

Handler = Callable[[bytes], Awaitable[None]]


class QueueUnavailable(Exception):
    """The queue's store cannot be reached: nothing was enqueued, and the caller may try again later."""


class WorkQueue(Protocol):
    """Durable, at-least-once work queue: strict order per key, different keys concurrently."""

    async def put(self, key: str, item: bytes, *, dedupe_id: str | None = None) -> bool:
        """Enqueue ``item``; False (and nothing enqueued) if ``dedupe_id`` was seen within the dedupe TTL.

        Raises :class:`QueueUnavailable` when the store cannot be reached.
        """
        ...

    async def run(self, handler: Handler, *, stop: asyncio.Event) -> None:
        """Consume until ``stop`` is set; an item is acknowledged only after ``handler`` returns.

        A raising handler gets the same item again after a back-off: deciding that a failure is
        permanent (and dead-lettering) is the handler's job.
        """
        ...

    async def close(self) -> None: ...

    async def depth(self) -> int:
        """Items enqueued and not yet acknowledged."""
        ...


class Requeueing(Protocol):
    """A queue that a recovery may reorder, while nothing consumes it."""

    async def requeue(self, key: str, item: bytes, *, dedupe_id: str) -> None:
        """Queue ``item`` at the end, removing a copy still queued under ``dedupe_id``."""
        ...


def shard_of(key: str, shards: int) -> int:
    """Stable across processes and restarts (unlike ``hash``)."""
    return zlib.crc32(key.encode()) % shards

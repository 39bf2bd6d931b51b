"""Pub/sub inside one process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

_MAX_BACKLOG = 10_000


class _Subscriber:
    def __init__(self, topics: frozenset[str]) -> None:
        self.topics = topics
        self.queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(_MAX_BACKLOG)

    def __aiter__(self) -> AsyncIterator[tuple[str, bytes]]:
        return self._messages()

    async def _messages(self) -> AsyncIterator[tuple[str, bytes]]:
        while True:
            yield await self.queue.get()


class MemoryPubSub:
    """A subscriber that falls ``_MAX_BACKLOG`` messages behind misses the newest ones, as a
    slow Redis subscriber would; it catches up from the source of truth."""

    def __init__(self) -> None:
        self._subscribers: set[_Subscriber] = set()

    async def publish(self, topic: str, message: bytes) -> None:
        for subscriber in list(self._subscribers):
            if topic in subscriber.topics and not subscriber.queue.full():
                subscriber.queue.put_nowait((topic, message))

    @asynccontextmanager
    async def subscribe(self, *topics: str) -> AsyncIterator[_Subscriber]:
        subscriber = _Subscriber(frozenset(topics))
        self._subscribers.add(subscriber)
        try:
            yield subscriber
        finally:
            self._subscribers.discard(subscriber)

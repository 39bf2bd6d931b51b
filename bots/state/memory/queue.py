"""A work queue in memory: one process, items kept until acknowledged but lost with the process.

For tests and tools that need no file; the embedded default uses ``bots.state.sqlite``."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

from bots.state.backoff import Backoff
from bots.state.dispatch import KeyedDispatcher
from bots.state.expiring import ExpiringMap
from bots.state.queue import Handler


@dataclass(eq=False, slots=True)
class _Item:
    key: str
    payload: bytes


class MemoryWorkQueue:
    """Survives ``stop`` and a later ``run`` on the same object; not a process restart."""

    def __init__(
        self,
        name: str,
        *,
        dedupe_ttl: float,
        max_in_flight: int = 64,
        max_dedupe_entries: int = 100_000,
        backoff: Backoff | None = None,
    ) -> None:
        self.name = name
        self._max_in_flight = max_in_flight
        self._backoff = backoff or Backoff()
        self._seen: ExpiringMap[bool] = ExpiringMap(dedupe_ttl, max_entries=max_dedupe_entries)
        self._waiting: dict[str, deque[_Item]] = {}
        self._dispatcher: KeyedDispatcher[_Item] | None = None
        self._closed = False

    async def put(self, key: str, item: bytes, *, dedupe_id: str | None = None) -> bool:
        if self._closed:
            raise RuntimeError(f"work queue {self.name} is closed")
        if dedupe_id is not None and not self._seen.add(dedupe_id, True):
            return False
        entry = _Item(key, item)
        self._waiting.setdefault(key, deque()).append(entry)
        if self._dispatcher is not None:
            self._dispatcher.submit(key, entry)
        return True

    async def run(self, handler: Handler, *, stop: asyncio.Event) -> None:
        if self._closed:
            raise RuntimeError(f"work queue {self.name} is closed")
        if self._dispatcher is not None:
            raise RuntimeError(f"work queue {self.name} is already running")

        async def handle(entry: _Item) -> None:
            await handler(entry.payload)

        dispatcher = KeyedDispatcher(
            self.name,
            handle=handle,
            acknowledge=self._acknowledge,
            max_in_flight=self._max_in_flight,
            backoff=self._backoff,
        )
        for key, lane in self._waiting.items():
            for entry in lane:
                dispatcher.submit(key, entry)
        self._dispatcher = dispatcher
        try:
            await dispatcher.run(stop)
        finally:
            self._dispatcher = None

    async def close(self) -> None:
        self._closed = True

    async def depth(self) -> int:
        return sum(len(lane) for lane in self._waiting.values())

    async def _acknowledge(self, entry: _Item) -> None:
        lane = self._waiting[entry.key]
        if lane[0] is not entry:
            raise RuntimeError("acknowledged out of order")
        lane.popleft()
        if not lane:
            del self._waiting[entry.key]

"""The embedded work queue: durable in an SQLite file, consumed by one process.

``put`` returns once the item (and its dedupe mark) is committed. ``run`` reads the queue's
items in id order, a bounded page at a time, into a ``KeyedDispatcher`` that keeps the order
per key; once it has caught up, it takes items committed later from memory
(:mod:`bots.state.sqlite.tail`) and wakes on their commit, not on a timer. An item is deleted
only after its handler returned. Whatever is not deleted when the
process stops or dies is read again, in the same order, by the next ``run``.
"""

from __future__ import annotations

import asyncio
import logging

from bots.state.backoff import Backoff
from bots.state.dispatch import KeyedDispatcher, sleep_or_stop
from bots.state.queue import Handler
from bots.state.sqlite.file import SqliteQueueFile
from bots.state.sqlite.tables import StoredItem
from bots.state.sqlite.tail import CommittedTail

log = logging.getLogger(__name__)


class SqliteWorkQueue:
    """Any number of these may share one :class:`SqliteQueueFile`; one ``run`` per queue name."""

    def __init__(
        self,
        file: SqliteQueueFile,
        name: str,
        *,
        dedupe_ttl: float,
        max_in_flight: int = 64,
        prefetch: int = 1024,
        backoff: Backoff | None = None,
    ) -> None:
        if dedupe_ttl <= 0 or prefetch < 1:
            raise ValueError("dedupe_ttl and prefetch must be positive")
        self.name = name
        self._file = file
        self._dedupe_ttl = dedupe_ttl
        self._max_in_flight = max_in_flight
        self._prefetch = prefetch
        self._backoff = backoff or Backoff()
        self._closed = False

    async def put(self, key: str, item: bytes, *, dedupe_id: str | None = None) -> bool:
        if self._closed:
            raise RuntimeError(f"work queue {self.name} is closed")
        return await self._file.insert(self.name, key, item, dedupe_id, self._dedupe_ttl)

    async def run(self, handler: Handler, *, stop: asyncio.Event) -> None:
        if self._closed:
            raise RuntimeError(f"work queue {self.name} is closed")
        tail = self._file.claim(self.name, keep=self._prefetch)
        try:
            await self._consume(handler, stop, tail)
        finally:
            self._file.release(self.name)

    async def close(self) -> None:
        """Refuses further items; the file is closed by whoever opened it."""
        self._closed = True

    async def depth(self) -> int:
        return await self._file.count_items(self.name)

    async def dedupe_marks(self) -> int:
        """Dedupe marks kept on disk, expired ones not yet pruned included."""
        return await self._file.count_marks(self.name)

    async def _consume(self, handler: Handler, stop: asyncio.Event, tail: CommittedTail) -> None:
        async def handle(item: StoredItem) -> None:
            await handler(item.payload)

        async def acknowledge(item: StoredItem) -> None:
            await self._file.delete(item.id)

        dispatcher = KeyedDispatcher(
            self.name,
            handle=handle,
            acknowledge=acknowledge,
            max_in_flight=self._max_in_flight,
            backoff=self._backoff,
        )
        async with asyncio.TaskGroup() as tasks:
            reader = tasks.create_task(self._read(dispatcher, stop, tail))
            await dispatcher.run(stop)
            reader.cancel()

    async def _read(
        self, dispatcher: KeyedDispatcher[StoredItem], stop: asyncio.Event, tail: CommittedTail
    ) -> None:
        """Feeds the dispatcher in id order; ``cursor`` is the last id handed over in this run.

        Once a read of the file has found every item there (fewer than it asked for), whatever is
        committed later is in ``tail`` too, and is taken from there while the tail still holds
        every item after ``cursor``.
        """
        arrival = self._file.arrival(self.name)
        cursor = 0
        attempt = 0
        caught_up = False
        while not stop.is_set():
            await dispatcher.wait_for_room(self._prefetch)
            arrival.clear()
            room = self._prefetch - dispatcher.buffered
            items = tail.after(cursor, room) if caught_up else None
            if items is None:
                try:
                    items = await self._file.after(self.name, cursor, room)
                    attempt = 0
                except Exception as error:
                    attempt += 1
                    log.warning("%s: reading failed (%s)", self.name, type(error).__name__)
                    await sleep_or_stop(self._backoff.delay(attempt), stop)
                    continue
                caught_up = len(items) < room
            for item in items:
                dispatcher.submit(item.key, item)
                cursor = item.id
            if len(items) < room:
                await arrival.wait()

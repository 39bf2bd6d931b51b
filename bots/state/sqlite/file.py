"""One SQLite file holding the work queues (and the dialog sessions) of one process, written with
group commit.

Every operation (put, acknowledgement, read, count) is a request appended to one list; a
writer task hands the whole list to the file's own thread, which runs the writes in one
transaction, commits, then runs the reads, and the requests are answered. Requests that
arrive while a batch is on disk form the next batch, so under load one commit (one fsync)
serves many puts and acknowledgements, and a lone put is committed at once. Requests are
taken strictly in arrival order, so a read sees every write requested before it.

Durability: WAL with ``synchronous=FULL`` by default. A put is answered only after its
transaction committed, and FULL syncs the WAL to the disk on every commit: an item whose
put returned True survives a kill -9 of the process and a power loss or kernel crash. With
``synchronous=NORMAL`` a commit reaches the operating system but is synced only at
checkpoints: it survives a kill -9, while a power loss can roll back the last commits.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from bots.state.sqlite.tables import QueueTables, StoredItem, Synchronous
from bots.state.sqlite.tail import CommittedTail

T = TypeVar("T")

log = logging.getLogger(__name__)

_MAX_BATCH = 4096


@dataclass(eq=False, slots=True)
class _Request(Generic[T]):
    work: Callable[[QueueTables], T]
    writes: bool
    future: asyncio.Future[T] | None
    then: Callable[[T], None] | None = None
    result: Any = None
    error: BaseException | None = None

    def run(self, tables: QueueTables) -> None:
        self.result = self.work(tables)

    def settle(self) -> None:
        if self.error is None and self.then is not None:
            self.then(self.result)
        if self.future is None:
            if self.error is not None:
                log.warning("queue file: pruning dedupe marks failed (%s)", type(self.error).__name__)
            return
        if self.future.done():
            return
        if self.error is not None:
            self.future.set_exception(self.error)
        else:
            self.future.set_result(self.result)


def _apply(tables: QueueTables, batch: list[_Request[Any]]) -> None:
    """Runs in the file's thread: the batch's writes in one transaction, then its reads.

    If that transaction fails, each write is tried again in a transaction of its own, so a
    request that cannot be written fails alone and the others still go to the disk.
    """
    writes = [request for request in batch if request.writes]
    if writes and not _write(tables, writes) and len(writes) > 1:
        for request in writes:
            request.error = None
            _write(tables, [request])
    for request in batch:
        if not request.writes:
            try:
                request.run(tables)
            except Exception as error:
                request.error = error


def _write(tables: QueueTables, writes: list[_Request[Any]]) -> bool:
    """One transaction; False, and every request failed with the error, if it was rolled back."""
    try:
        tables.begin()
        for request in writes:
            request.run(tables)
        tables.commit()
    except Exception as error:
        tables.rollback()
        for request in writes:
            request.error = error
        return False
    return True


class SqliteQueueFile:
    """Open with :meth:`open`; shared by every :class:`SqliteWorkQueue` of the process."""

    def __init__(
        self,
        path: Path,
        tables: QueueTables,
        executor: ThreadPoolExecutor,
        *,
        clock: Callable[[], float],
        prune_every: float,
        prune_batch: int,
    ) -> None:
        self.path = path
        self._tables = tables
        self._executor = executor
        self._clock = clock
        self._prune_every = prune_every
        self._prune_batch = prune_batch
        self._next_prune = 0.0
        self._pending: list[_Request[Any]] = []
        self._wake = asyncio.Event()
        self._arrivals: dict[str, asyncio.Event] = {}
        self._running: set[str] = set()
        self._tails: dict[str, CommittedTail] = {}
        self.item_reads = 0
        """Reads of queued items from the file so far (a caught-up consumer takes new items from memory)."""
        self._closing = False
        self._writer = asyncio.create_task(self._write(), name=f"queues:{path.name}")

    @classmethod
    async def open(
        cls,
        path: Path,
        *,
        synchronous: Synchronous = "FULL",
        lock_timeout: float = 5.0,
        prune_every: float = 60.0,
        prune_batch: int = 1000,
        clock: Callable[[], float] = time.time,
    ) -> SqliteQueueFile:
        """Raises :class:`QueueFileBusy` when another process holds the file.

        Expired dedupe marks are deleted ``prune_batch`` at a time, every ``prune_every`` seconds
        of ``clock`` (sooner while there are more), as part of a batch of writes.
        """
        if prune_every <= 0 or prune_batch < 1:
            raise ValueError("prune_every and prune_batch must be positive")
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="omnicab-queues")
        try:
            tables = await asyncio.get_running_loop().run_in_executor(
                executor, lambda: QueueTables.open(path, synchronous=synchronous, lock_timeout=lock_timeout)
            )
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(path, tables, executor, clock=clock, prune_every=prune_every, prune_batch=prune_batch)

    async def insert(self, queue: str, key: str, payload: bytes, dedupe_id: str | None, ttl: float) -> bool:
        now = self._clock()

        def arrived(item_id: int | None) -> None:
            if item_id is None:
                return
            tail = self._tails.get(queue)
            if tail is not None:
                tail.add(StoredItem(item_id, key, payload))
            self.arrival(queue).set()

        item_id = await self._request(
            lambda tables: tables.insert(queue, key, payload, dedupe_id, now, ttl), writes=True, then=arrived
        )
        return item_id is not None

    async def delete(self, item_id: int) -> None:
        await self._request(lambda tables: tables.delete(item_id), writes=True)

    async def after(self, queue: str, item_id: int, limit: int) -> list[StoredItem]:
        self.item_reads += 1
        return await self._request(lambda tables: tables.after(queue, item_id, limit), writes=False)

    async def count_items(self, queue: str) -> int:
        return await self._request(lambda tables: tables.count_items(queue), writes=False)

    async def count_marks(self, queue: str) -> int:
        return await self._request(lambda tables: tables.count_marks(queue), writes=False)

    async def load_session(self, key: str) -> tuple[bytes, float] | None:
        """The stored state and the wall-clock time it expires at, unless it has expired."""
        now = self._clock()
        return await self._request(lambda tables: tables.load_session(key, now), writes=False)

    async def save_session(self, key: str, state: bytes, expires_at: float) -> None:
        await self._request(lambda tables: tables.save_session(key, state, expires_at), writes=True)

    async def delete_session(self, key: str) -> None:
        await self._request(lambda tables: tables.delete_session(key), writes=True)

    def now(self) -> float:
        """The file's wall clock (expiry times are stored in it)."""
        return self._clock()

    def arrival(self, queue: str) -> asyncio.Event:
        """Set whenever an item of ``queue`` was committed; its consumer clears it before reading."""
        return self._arrivals.setdefault(queue, asyncio.Event())

    def claim(self, queue: str, *, keep: int) -> CommittedTail:
        """One consumer per queue: a second ``run`` of the same queue would deliver items twice.

        Items of ``queue`` committed from now on are also kept in the returned tail, ``keep`` at most,
        until :meth:`release`.
        """
        if queue in self._running:
            raise RuntimeError(f"work queue {queue} is already running")
        self._running.add(queue)
        tail = self._tails[queue] = CommittedTail(keep)
        return tail

    def release(self, queue: str) -> None:
        self._running.discard(queue)
        self._tails.pop(queue, None)

    async def close(self) -> None:
        """Commits every request made so far, then closes the file and releases its lock."""
        if self._closing:
            return
        self._closing = True
        self._wake.set()
        await self._writer
        await asyncio.get_running_loop().run_in_executor(self._executor, self._tables.close)
        self._executor.shutdown(wait=False)

    async def _request(
        self, work: Callable[[QueueTables], T], *, writes: bool, then: Callable[[T], None] | None = None
    ) -> T:
        if self._closing:
            raise RuntimeError(f"queue file {self.path} is closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append(_Request(work, writes, future, then))
        self._wake.set()
        return await future

    async def _write(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._pending:
                if self._closing:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            batch = self._pending[:_MAX_BATCH]
            del self._pending[:_MAX_BATCH]
            if self._clock() >= self._next_prune and any(request.writes for request in batch):
                batch.append(self._prune_request())
            try:
                await loop.run_in_executor(self._executor, _apply, self._tables, batch)
            except Exception as error:  # the thread itself failed: nothing in the batch ran
                for request in batch:
                    request.error = error
            for request in batch:
                request.settle()

    def _prune_request(self) -> _Request[int]:
        """Expired marks go in bounded batches: again at once while a full batch was deleted."""
        now = self._clock()
        self._next_prune = now + self._prune_every

        def pruned(count: int) -> None:
            if count >= self._prune_batch:
                self._next_prune = now

        return _Request(lambda tables: tables.prune_marks(now, self._prune_batch), True, None, pruned)

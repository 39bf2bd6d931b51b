"""Group commit: the short writes of many conversations at once share one transaction.

Every message writes a few rows (its history entry, its send journal, its status), each in a
transaction of its own. Under load most of the cost of such a transaction is not the statement
but what surrounds it: a pooled connection, BEGIN, COMMIT (a WAL flush on PostgreSQL) and, on
SQLite, a hop to the driver's thread for each. :class:`GroupCommit` queues these units of work
and runs whatever queued while the previous group ran as one transaction; each caller's await
returns only after that transaction committed, so a caller never acts on a write that could
still be lost.

A unit that fails fails the group: the group is rolled back and each unit then runs in a
transaction of its own, so every caller gets exactly its own outcome (a unit must therefore be
safe to run again after a rollback, which a unit of plain statements is).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

T = TypeVar("T")
Unit = Callable[[AsyncConnection], Awaitable[T]]
Together = Callable[[Sequence[Unit[Any]]], Awaitable[list[Any] | None]]

MAX_GROUP = 256


@dataclass(slots=True)
class _Queued(Generic[T]):
    unit: Unit[T]
    done: asyncio.Future[T]


@dataclass
class GroupCommit:
    engine: AsyncEngine
    lanes: int = 1
    """How many groups may run at once: 1 where the database takes one writer (SQLite)."""
    together: Together | None = None
    """Runs a group in one transaction its own way (:mod:`cabinet_api.sqlite_groups`), or None if it
    cannot; then the group runs statement by statement on a pooled connection."""
    _queue: list[_Queued[Any]] = field(default_factory=list)
    _active: int = 0
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _loop: asyncio.AbstractEventLoop | None = None

    async def run(self, unit: Unit[T]) -> T:
        """Run ``unit`` in a transaction shared with the units queued beside it; its result once committed."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            # Lanes of a loop that is gone (one asyncio.run after another) will never finish.
            self._loop, self._queue, self._active, self._tasks = loop, [], 0, set()
        done: asyncio.Future[T] = loop.create_future()
        self._queue.append(_Queued(unit, done))
        if self._active < self.lanes:
            self._active += 1
            lane = asyncio.create_task(self._drain())
            self._tasks.add(lane)
            lane.add_done_callback(self._tasks.discard)
        return await done

    async def _drain(self) -> None:
        try:
            await self._drain_queue()
        finally:
            # No await between the queue found empty and this: a unit queued later starts a lane.
            self._active -= 1

    async def _drain_queue(self) -> None:
        while self._queue:
            group, self._queue = self._queue[:MAX_GROUP], self._queue[MAX_GROUP:]
            try:
                await self._together(group)
            except asyncio.CancelledError:
                for queued in group:
                    queued.done.cancel()
                raise
            except Exception as error:
                if len(group) == 1:
                    _settle(group[0], error=error)
                    continue
                log.debug("a group of %d writes failed (%s): each alone", len(group), type(error).__name__)
                for queued in group:
                    await self._alone(queued)

    async def _together(self, group: list[_Queued[Any]]) -> None:
        results = await self.together([queued.unit for queued in group]) if self.together else None
        if results is None:
            results = []
            async with self.engine.begin() as connection:
                for queued in group:
                    results.append(await queued.unit(connection))
        for queued, result in zip(group, results, strict=True):
            _settle(queued, result=result)

    async def _alone(self, queued: _Queued[Any]) -> None:
        try:
            async with self.engine.begin() as connection:
                result = await queued.unit(connection)
        except Exception as error:
            _settle(queued, error=error)
            return
        _settle(queued, result=result)


def _settle(queued: _Queued[Any], *, result: Any = None, error: BaseException | None = None) -> None:
    """Hand the outcome to a caller still waiting (one who gave up has nothing to hear)."""
    if queued.done.done():
        return
    if error is not None:
        queued.done.set_exception(error)
    else:
        queued.done.set_result(result)

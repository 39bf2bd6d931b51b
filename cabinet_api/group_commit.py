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
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

T = TypeVar("T")
Unit = Callable[[AsyncConnection], Awaitable[T]]
Together = Callable[[Sequence[Unit[Any]]], Awaitable[list[Any] | None]]
Direct = Callable[[Any, Sequence[Unit[Any]]], Awaitable[list[Any] | None]]

MAX_GROUP = 256
GROUPS_PER_CHECKOUT = 1000
IDLE_SECONDS = 5.0


@dataclass(slots=True)
class _Queued(Generic[T]):
    unit: Unit[T]
    done: asyncio.Future[T]


@dataclass
class GroupCommit:
    engine: AsyncEngine
    lanes: int = 1
    """How many groups may run at once: 1 where the database takes one writer (SQLite)."""
    keep_connection: bool = False
    """Whether a lane keeps its pooled connection, and waits ``IDLE_SECONDS`` for more work before it
    ends; not where the pool has one connection to share (SQLite). Each check-out pings the server
    (``BEGIN``, an empty statement, ``ROLLBACK``): three round trips that, at a moderate rate, a lane
    giving its connection back between messages paid for every group."""
    together: Together | None = None
    """Runs a group in one transaction its own way (:mod:`cabinet_api.sqlite_groups`), or None if it
    cannot; then the group runs statement by statement on the lane's connection."""
    direct: Direct | None = None
    """Runs a group on the driver's connection under the lane's kept one, its own way
    (:mod:`cabinet_api.direct_groups`), or None if it cannot; then the group runs the usual way on
    the same connection."""
    transactions: int = 0
    """Transactions committed so far, shared by a group or a unit's own after its group failed."""
    _queue: list[_Queued[Any]] = field(default_factory=list)
    _active: int = 0
    _idle: list[asyncio.Future[bool]] = field(default_factory=list)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _loop: asyncio.AbstractEventLoop | None = None

    async def run(self, unit: Unit[T]) -> T:
        """Run ``unit`` in a transaction shared with the units queued beside it; its result once committed."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            # Lanes of a loop that is gone (one asyncio.run after another) will never finish.
            self._loop, self._queue, self._active, self._idle, self._tasks = loop, [], 0, [], set()
        done: asyncio.Future[T] = loop.create_future()
        self._queue.append(_Queued(unit, done))
        if not self._wake_idle_lane() and self._active < self.lanes:
            self._active += 1
            lane = asyncio.create_task(self._drain())
            self._tasks.add(lane)
            lane.add_done_callback(self._tasks.discard)
        return await done

    async def close(self) -> None:
        """Ends the idle lanes (their connections go back to the pool) and waits for every lane."""
        while self._idle:
            _resolve(self._idle.pop(), False)
        if self._tasks and self._loop is asyncio.get_running_loop():
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _wake_idle_lane(self) -> bool:
        while self._idle:
            wake = self._idle.pop()
            if not wake.done():
                wake.set_result(True)
                return True
        return False

    async def _drain(self) -> None:
        held = _Held(self.engine, self.keep_connection)
        try:
            while True:
                await self._drain_queue(held)
                if self._queue:
                    continue
                if not self.keep_connection or not await self._work_arrives():
                    if self._queue:
                        continue
                    break
        finally:
            # No await between the queue found empty and this: a unit queued later starts a lane.
            self._active -= 1
            await held.discard()

    async def _work_arrives(self) -> bool:
        """Waits, idle, for a unit to be queued; False after ``IDLE_SECONDS`` without one."""
        assert self._loop is not None
        wake: asyncio.Future[bool] = self._loop.create_future()
        timer = self._loop.call_later(IDLE_SECONDS, _resolve, wake, False)
        self._idle.append(wake)
        try:
            return await wake
        finally:
            timer.cancel()
            if wake in self._idle:
                self._idle.remove(wake)

    async def _drain_queue(self, held: _Held) -> None:
        while self._queue:
            group, self._queue = self._queue[:MAX_GROUP], self._queue[MAX_GROUP:]
            try:
                await self._together(held, group)
            except asyncio.CancelledError:
                for queued in group:
                    queued.done.cancel()
                raise
            except Exception as error:
                await held.discard()
                if len(group) == 1:
                    _settle(group[0], error=error)
                    continue
                log.debug("a group of %d writes failed (%s): each alone", len(group), type(error).__name__)
                for queued in group:
                    await self._alone(queued)

    async def _together(self, held: _Held, group: list[_Queued[Any]]) -> None:
        units = [queued.unit for queued in group]
        results = await self.together(units) if self.together else None
        if results is None and self.direct is not None and self.keep_connection:
            results = await self.direct(await held.driver(), units)
        if results is None:
            results = []
            async with held.transaction() as connection:
                for queued in group:
                    results.append(await queued.unit(connection))
        self.transactions += 1
        for queued, result in zip(group, results, strict=True):
            _settle(queued, result=result)

    async def _alone(self, queued: _Queued[Any]) -> None:
        try:
            async with self.engine.begin() as connection:
                result = await queued.unit(connection)
        except Exception as error:
            _settle(queued, error=error)
            return
        self.transactions += 1
        _settle(queued, result=result)


class _Held:
    """A lane's connection, checked out for its first group and kept for up to ``GROUPS_PER_CHECKOUT``
    (a failed group drops it: it may be broken)."""

    def __init__(self, engine: AsyncEngine, keep: bool) -> None:
        self._engine = engine
        self._keep = keep
        self._connection: AsyncConnection | None = None
        self._driver: Any = None
        self._groups = 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        if not self._keep:
            async with self._engine.begin() as connection:
                yield connection
            return
        connection = await self.kept()
        async with connection.begin():
            yield connection

    async def kept(self) -> AsyncConnection:
        """The lane's connection for one more group: checked out anew after ``GROUPS_PER_CHECKOUT``."""
        if self._connection is None or self._groups >= GROUPS_PER_CHECKOUT:
            await self.discard()
            self._connection = await self._engine.connect()
        self._groups += 1
        return self._connection

    async def driver(self) -> Any:
        """:meth:`kept`'s driver connection, looked up once per check-out (each look-up is a
        greenlet of SQLAlchemy's asyncio layer)."""
        connection = await self.kept()
        if self._driver is None:
            self._driver = (await connection.get_raw_connection()).driver_connection
        return self._driver

    async def discard(self) -> None:
        connection, self._connection, self._groups, self._driver = self._connection, None, 0, None
        if connection is None:
            return
        try:
            await connection.close()
        except Exception as error:
            log.debug("closing a group's connection failed (%s)", type(error).__name__)


def _resolve(wake: asyncio.Future[bool], value: bool) -> None:
    if not wake.done():
        wake.set_result(value)


def _settle(queued: _Queued[Any], *, result: Any = None, error: BaseException | None = None) -> None:
    """Hand the outcome to a caller still waiting (one who gave up has nothing to hear)."""
    if queued.done.done():
        return
    if error is not None:
        queued.done.set_exception(error)
    else:
        queued.done.set_result(result)

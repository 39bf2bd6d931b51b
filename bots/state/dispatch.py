"""Per-key ordered, bounded-concurrency delivery of entries to a handler, with retries.

Both queue backends feed one of these: entries of one key form a lane handled strictly one
after the other; lanes are served round-robin by ``max_in_flight`` workers, so one busy key
cannot starve the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from bots.state.backoff import Backoff

E = TypeVar("E")

log = logging.getLogger(__name__)


def _always_current(_entry: object) -> bool:
    return True


def _nothing(_entry: object) -> None:
    return None


async def sleep_or_stop(delay: float, stop: asyncio.Event) -> bool:
    """Sleep ``delay`` seconds; True if ``stop`` was set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=delay)
    return stop.is_set()


class KeyedDispatcher(Generic[E]):
    def __init__(
        self,
        name: str,
        *,
        handle: Callable[[E], Awaitable[None]],
        acknowledge: Callable[[E], Awaitable[None]],
        max_in_flight: int,
        backoff: Backoff,
        is_current: Callable[[E], bool] = _always_current,
        on_settled: Callable[[E], None] = _nothing,
    ) -> None:
        """``is_current`` is asked before every attempt: an entry that is no longer current (its shard
        moved to another process) is dropped unacknowledged. ``on_settled`` runs once per entry that
        was acknowledged or dropped."""
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self._name = name
        self._handle = handle
        self._acknowledge = acknowledge
        self._is_current = is_current
        self._on_settled = on_settled
        self._max_in_flight = max_in_flight
        self._backoff = backoff
        self._lanes: dict[str, deque[E]] = {}
        self._ready: asyncio.Queue[str | None] = asyncio.Queue()
        self._buffered = 0
        self._settled = asyncio.Event()

    @property
    def buffered(self) -> int:
        """Entries submitted and neither acknowledged nor dropped."""
        return self._buffered

    def submit(self, key: str, entry: E) -> None:
        self._buffered += 1
        lane = self._lanes.get(key)
        if lane is not None:
            lane.append(entry)
            return
        self._lanes[key] = deque([entry])
        self._ready.put_nowait(key)

    async def wait_for_room(self, limit: int) -> None:
        while self._buffered >= limit:
            self._settled.clear()
            await self._settled.wait()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set; a handler call already running is let finish.

        The workers are released in ``finally``: a cancelled run must not leave a worker waiting
        for work forever, which happens when a library under a handler swallows the cancellation
        (SQLAlchemy's pool does while closing a connection) and the worker loops back for more.
        """
        async with asyncio.TaskGroup() as tasks:
            for _ in range(self._max_in_flight):
                tasks.create_task(self._work(stop))
            try:
                await stop.wait()
            finally:
                for _ in range(self._max_in_flight):
                    self._ready.put_nowait(None)

    async def _work(self, stop: asyncio.Event) -> None:
        while True:
            key = await self._ready.get()
            if key is None or stop.is_set():
                return
            lane = self._lanes[key]
            if not await self._deliver(lane[0], stop):
                return
            lane.popleft()
            if lane:
                self._ready.put_nowait(key)
            else:
                del self._lanes[key]

    async def _deliver(self, entry: E, stop: asyncio.Event) -> bool:
        """True once the entry is settled (acknowledged or dropped); False if stopped before."""
        attempt = 0
        while True:
            if not self._is_current(entry):
                self._settle(entry)
                return True
            try:
                await self._handle(entry)
                break
            except Exception as error:
                attempt += 1
                log.warning("%s: handler failed (%s), attempt %d", self._name, type(error).__name__, attempt)
                if await sleep_or_stop(self._backoff.delay(attempt), stop):
                    return False
        attempt = 0
        while True:
            try:
                await self._acknowledge(entry)
                self._settle(entry)
                return True
            except Exception as error:
                attempt += 1
                log.warning(
                    "%s: acknowledge failed (%s), attempt %d", self._name, type(error).__name__, attempt
                )
                if await sleep_or_stop(self._backoff.delay(attempt), stop):
                    return False

    def _settle(self, entry: E) -> None:
        self._buffered -= 1
        self._settled.set()
        self._on_settled(entry)

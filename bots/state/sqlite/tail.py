"""The newest items committed to one queue, kept in memory for its running consumer.

A committed put hands its item here as well as to the file, so a consumer that has caught up
takes the item straight from memory instead of reading it back from the file: one trip to the
file's thread fewer per item, and that trip waited behind whatever batch (and fsync) was on
disk. The file stays the only record: an item is acknowledged by deleting it there, and a
consumer that falls behind, or starts anew, reads the file.
"""

from __future__ import annotations

from collections import deque

from bots.state.sqlite.tables import StoredItem


class CommittedTail:
    """Items in id order (commit order); at most ``limit``, the oldest fall off first."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be positive")
        self._limit = limit
        self._items: deque[StoredItem] = deque()
        self._dropped_through = 0

    def add(self, item: StoredItem) -> None:
        self._items.append(item)
        if len(self._items) > self._limit:
            self._dropped_through = self._items.popleft().id

    def after(self, cursor: int, limit: int) -> list[StoredItem] | None:
        """Up to ``limit`` items with ids above ``cursor``; None if any of them fell off.

        The caller must know that every item above ``cursor`` was committed after the tail was
        made (a read of the file that found nothing more says so); items up to ``cursor`` are
        forgotten.
        """
        if self._dropped_through > cursor:
            return None
        while self._items and self._items[0].id <= cursor:
            self._items.popleft()
        count = min(limit, len(self._items))
        return [self._items[index] for index in range(count)]

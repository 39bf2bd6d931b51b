"""A bounded in-process map whose entries expire a fixed time after they were last written."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Generic, TypeVar

V = TypeVar("V")


class ExpiringMap(Generic[V]):
    def __init__(self, ttl: float, *, max_entries: int = 100_000) -> None:
        if ttl <= 0 or max_entries < 1:
            raise ValueError("ttl and max_entries must be positive")
        self._ttl = ttl
        self._max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, V]] = OrderedDict()

    def get(self, key: str) -> V | None:
        self._evict(time.monotonic())
        found = self._entries.get(key)
        return None if found is None else found[1]

    def set(self, key: str, value: V) -> None:
        now = time.monotonic()
        self._evict(now)
        self._entries[key] = (now + self._ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def add(self, key: str, value: V) -> bool:
        """Set ``key`` only if it is absent; True if it was set."""
        if self.get(key) is not None:
            return False
        self.set(key, value)
        return True

    def __len__(self) -> int:
        self._evict(time.monotonic())
        return len(self._entries)

    def _evict(self, now: float) -> None:
        # Every entry lives for the same ttl, so insertion order is expiry order.
        while self._entries:
            expires_at, _ = next(iter(self._entries.values()))
            if expires_at > now:
                return
            self._entries.popitem(last=False)

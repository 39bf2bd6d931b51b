"""One key prefix per deployment (``OMNICAB_REDIS_PREFIX``), so deployments and test runs can
share a Redis without touching each other's keys.

Keys that belong to one conversation carry it in a hash tag (``{...}``), so the keys a script
touches together land in one Redis Cluster slot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PREFIX = re.compile(r"[A-Za-z0-9_.-]{1,64}")


@dataclass(frozen=True, slots=True)
class KeySpace:
    prefix: str = "omnicab"

    def __post_init__(self) -> None:
        if not _PREFIX.fullmatch(self.prefix):
            raise ValueError("a Redis key prefix is 1-64 characters of A-Z, a-z, 0-9, '_', '.' and '-'")

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    @property
    def pattern(self) -> str:
        """A SCAN pattern that matches every key of this key space (and only those)."""
        return f"{self.prefix}:*"

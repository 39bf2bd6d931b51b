"""Guessing API keys is slowed down: after too many wrong keys, per key and per address, 429."""

from __future__ import annotations

from typing import Protocol


class KeyThrottle(Protocol):
    async def retry_after(self, key: str, address: str) -> float:
        """Seconds until this key from this address may be tried again; 0.0 when it may now."""
        ...

    async def failed(self, key: str, address: str) -> None:
        """Count a wrong key against the key and against the address it came from."""
        ...

"""The REST API's defence against key guessing, on the shared failed-attempt buckets."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from bots.app.settings import Settings
from bots.state import AttemptLimit, FailedAttempts


class ApiKeyThrottle:
    """Wrong keys count against the key tried and against the address; either one over its limit
    refuses that caller before the key is even looked at, so a right guess no longer helps.

    ``attempts`` is resolved per request: the buckets live in the backends opened at start-up.
    """

    def __init__(self, attempts: Callable[[], FailedAttempts], settings: Settings) -> None:
        self._attempts = attempts
        window = float(settings.auth_failure_window_seconds)
        self._per_key = AttemptLimit(settings.auth_failures_per_key, window)
        self._per_address = AttemptLimit(settings.auth_failures_per_address, window)

    async def retry_after(self, key: str, address: str) -> float:
        attempts = self._attempts()
        by_key = await attempts.retry_after(_key_name(key), self._per_key)
        by_address = await attempts.retry_after(_address_name(address), self._per_address)
        return max(by_key, by_address)

    async def failed(self, key: str, address: str) -> None:
        attempts = self._attempts()
        await attempts.record_failure(_key_name(key), self._per_key)
        await attempts.record_failure(_address_name(address), self._per_address)


def _key_name(key: str) -> str:
    return "api-key:" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _address_name(address: str) -> str:
    return "api-address:" + address

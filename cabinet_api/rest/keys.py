"""API keys for integrations: hashed at rest, each with the scopes it may use."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

READ = "read"
REQUESTS_WRITE = "requests:write"
RECORDINGS_WRITE = "recordings:write"
REFUNDS_WRITE = "refunds:write"
TASKS_WRITE = "tasks:write"
ALL_SCOPES = frozenset({READ, REQUESTS_WRITE, RECORDINGS_WRITE, REFUNDS_WRITE, TASKS_WRITE})

DEMO_API_KEY = "omnicab-demo-api-key"
MIN_KEY_LENGTH = 16


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


@dataclass(frozen=True, slots=True)
class ApiKey:
    name: str
    scopes: frozenset[str]


class ApiKeyStore:
    """Keys are kept only as SHA-256 digests: they are long random strings, so no salt or stretching."""

    def __init__(self) -> None:
        self._keys: dict[bytes, ApiKey] = {}

    def add(self, name: str, scopes: Iterable[str], key: str) -> None:
        checked = frozenset(scopes)
        unknown = checked - ALL_SCOPES
        if unknown:
            raise ValueError(f"API key {name}: unknown scopes {', '.join(sorted(unknown))}")
        if len(key) < MIN_KEY_LENGTH and key != DEMO_API_KEY:
            raise ValueError(f"API key {name}: a key has at least {MIN_KEY_LENGTH} characters")
        self._keys[_digest(key)] = ApiKey(name=name, scopes=checked)

    def authenticate(self, key: str) -> ApiKey | None:
        return self._keys.get(_digest(key))

    def __len__(self) -> int:
        return len(self._keys)

    @classmethod
    def parse(cls, spec: str | None, *, demo: bool = False) -> ApiKeyStore:
        """Keys from ``name:scope1,scope2:key;...`` (``OMNICAB_API_KEYS``), plus the demo key in demo mode.

        Scopes contain colons themselves (``requests:write``), so the key is what follows the last one.
        """
        store = cls()
        for entry in (spec or "").split(";"):
            if not entry.strip():
                continue
            name, _, rest = entry.partition(":")
            scopes, _, key = rest.rpartition(":")
            name, scopes, key = name.strip(), scopes.strip(), key.strip()
            if not name or not key:
                raise ValueError("OMNICAB_API_KEYS entries are name:scope1,scope2:key")
            store.add(name, (scope.strip() for scope in scopes.split(",") if scope.strip()), key)
        if demo:
            store.add("demo", ALL_SCOPES, DEMO_API_KEY)
        return store

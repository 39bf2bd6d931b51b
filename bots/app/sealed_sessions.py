"""Dialog sessions keep no card, account or document number in the clear.

Sessions live in Redis (or memory) for weeks, and a refund application is collected over
several turns, so the slots it needs in full until it is filed are encrypted with the data key;
any other slot text is masked as it is saved (a card number in a request's description is kept
as ``**** 1111``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from adapters.redaction import mask_sensitive_data
from cabinet_api.crypto import DataCipher
from dialogs.session import SessionState, SessionStore


class SealedSessionStore:
    def __init__(self, inner: SessionStore, cipher: DataCipher, sealed_slots: Iterable[str]) -> None:
        self._inner = inner
        self._cipher = cipher
        self._sealed_slots = frozenset(sealed_slots)

    async def load(self, key: str) -> SessionState | None:
        state = await self._inner.load(key)
        if state is None or self._sealed_slots.isdisjoint(state.slots):
            return state
        opened = {name: self._open(name, value) for name, value in state.slots.items()}
        return state.model_copy(update={"slots": opened})

    async def save(self, key: str, state: SessionState) -> None:
        sealed = {name: self._seal(name, value) for name, value in state.slots.items()}
        await self._inner.save(key, state.model_copy(update={"slots": sealed}))

    async def delete(self, key: str) -> None:
        await self._inner.delete(key)

    async def close(self) -> None:
        await self._inner.close()

    def _seal(self, name: str, value: Any) -> Any:
        if name in self._sealed_slots and isinstance(value, str):
            return self._cipher.seal(value)
        return mask_sensitive_data(value)

    def _open(self, name: str, value: Any) -> Any:
        if name in self._sealed_slots and isinstance(value, str):
            return self._cipher.open(value)
        return value

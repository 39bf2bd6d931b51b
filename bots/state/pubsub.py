"""Fire-and-forget fan-out of small messages to every subscribed process (the console's live updates).

Delivery is at most once and only to subscribers present at publish time; whoever needs every
event (a console tab that reconnects) catches up from the database and uses these messages only
as a prompt to look.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Protocol


class Subscription(Protocol):
    def __aiter__(self) -> AsyncIterator[tuple[str, bytes]]:
        """(topic, message) pairs, in the order they were published."""
        ...


class PubSub(Protocol):
    async def publish(self, topic: str, message: bytes) -> None: ...

    def subscribe(self, *topics: str) -> AbstractAsyncContextManager[Subscription]:
        """Messages published to ``topics`` from the moment the context is entered until it exits."""
        ...

"""What handoff needs from the running system, as protocols the wiring (``bots.app``) implements.

Handoff never builds a platform payload and never imports ``bots``: it hands ``Outbound`` messages to
an outlet (the same outbox as the bot's), publishes prompts through the pub/sub of ``bots.state``, and
reads the bot's dialog state through a narrow reader.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from adapters.types import ConversationRef, Outbound


class Outlet(Protocol):
    """Records an outgoing message in the client's history and queues it in the outbox."""

    async def send(
        self, client_id: int, outbound: Outbound, *, author: str, person_id: int | None = None
    ) -> None: ...


class Subscription(Protocol):
    def __aiter__(self) -> AsyncIterator[tuple[str, bytes]]: ...


class Prompts(Protocol):
    """Fire-and-forget fan-out to every process (``bots.state.PubSub``)."""

    async def publish(self, topic: str, message: bytes) -> None: ...

    def subscribe(self, *topics: str) -> AbstractAsyncContextManager[Subscription]: ...


@dataclass(frozen=True, slots=True)
class DialogSnapshot:
    """Where the bot's dialog with the client stands: its slots and the flow step it stopped at."""

    slots: Mapping[str, Any] = field(default_factory=dict)
    flow: str | None = None
    step: int | None = None
    waiting: bool = False


class DialogStates(Protocol):
    async def snapshot(self, conversation: ConversationRef) -> DialogSnapshot | None: ...

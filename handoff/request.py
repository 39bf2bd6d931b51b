"""What the bot asks of people when it hands a client over."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.types import ConversationRef


@dataclass(frozen=True, slots=True)
class HandoffRequest:
    """The client of ``conversation`` is to talk to people of ``queue`` for ``reason``; ``note`` says more."""

    client_id: int
    conversation: ConversationRef
    queue: str
    reason: str
    note: str | None = None

"""What the handoff services return: people, conversations, their events and the console's history rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adapters.types import ConversationRef


@dataclass(frozen=True, slots=True)
class PersonView:
    id: int
    login: str
    name: str
    role: str
    queues: tuple[str, ...]
    max_chats: int
    status: str
    status_changed_at: datetime
    last_seen_at: datetime | None
    locale: str
    active: bool


@dataclass(frozen=True, slots=True)
class Credentials:
    """A person with their password hash, for the one place that checks passwords."""

    person: PersonView
    password_hash: str


@dataclass(frozen=True, slots=True)
class SessionView:
    person: PersonView
    csrf: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class PersonRef:
    id: int
    login: str
    name: str


@dataclass(frozen=True, slots=True)
class ConversationView:
    id: int
    client_id: int
    client_public_id: str
    client_name: str | None
    state: str
    queue: str
    priority: int
    reason: str
    note: str | None
    channel: str
    bot: str
    reply_to: ConversationRef
    created_at: datetime
    queued_at: datetime
    assigned_at: datetime | None
    first_response_at: datetime | None
    closed_at: datetime | None
    closed_reason: str | None
    assignee: PersonRef | None
    last_assignee_id: int | None
    version: int
    waiting_for: str
    unread_count: int
    last_client_message_at: datetime | None
    position_told: int | None
    position_told_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.state != "closed"


@dataclass(frozen=True, slots=True)
class ConversationEventView:
    id: int
    conversation_id: int
    kind: str
    actor: str
    text: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class ConsoleMessage:
    """One message of a client's history as the console shows it: who wrote it, and its delivery."""

    id: int
    direction: str
    author: str
    person: PersonRef | None
    channel: str
    bot: str
    kind: str
    text: str | None
    payload: Mapping[str, Any] | None
    status: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ListPreview:
    """What a conversation list shows of one client's history: the newest messages of their kinds."""

    newest: ConsoleMessage
    """Anyone's, the handoff desk's notices included."""
    client: ConsoleMessage | None
    """The client's own: words (a text or a file's caption) or a file; never a button press."""
    said: ConsoleMessage | None
    """The client's, the bot's or a person's words or file: not a notice of the handoff desk."""
    pressed: ConsoleMessage | None = None
    """The client's newest press of a button (``kind`` "button"), which carries the button's payload only."""
    offer: ConsoleMessage | None = None
    """The newest message before ``pressed`` that offered its button: where the button's title is read."""


@dataclass(frozen=True, slots=True)
class CannedView:
    id: int
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class FigureRow:
    """One conversation as the SLA figures need it, with its conversation rating if any."""

    id: int
    channel: str
    queue: str
    assignee_login: str | None
    state: str
    queued_at: datetime
    assigned_at: datetime | None
    first_response_at: datetime | None
    closed_at: datetime | None
    csat: int | None
    client_id: int = 0
    reason: str = ""

"""What the cabinet's services return: frozen plain data, safe to hand to any other package."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class ClientProfile:
    """A client as seen through one channel identity (the one an event came from)."""

    client_id: int
    public_id: str
    identity_id: int
    first_name: str | None
    locale: str
    phone: str | None
    phone_verified: bool
    always_human: bool
    unsubscribed: bool


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: int
    direction: str
    channel: str
    bot: str
    kind: str
    text: str | None
    payload: Mapping[str, Any] | None
    status: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RequestView:
    id: int
    public_id: str
    number: int
    client_id: int
    topic: str
    description: str
    answer_format: str
    urgency: str
    status: str
    due_at: datetime
    channel: str
    attachments: tuple[Mapping[str, Any], ...]
    created_at: datetime

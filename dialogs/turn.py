"""What one dialog turn takes and gives back: plain data, no I/O beyond actions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adapters.types import Inbound, Reply
from dialogs.session import SessionState


@dataclass(frozen=True, slots=True)
class ClientView:
    """What the dialog may know about the client, as plain data for templates and conditions."""

    id: str
    first_name: str | None = None
    locale: str = "ru"
    phone_verified: bool = False
    channel: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def as_template_data(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "first_name": self.first_name,
            "locale": self.locale,
            "phone_verified": self.phone_verified,
            "channel": self.channel,
            **dict(self.extra),
        }


@dataclass(frozen=True, slots=True)
class HandoffRequest:
    queue: str
    reason: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class DialogEvent:
    """Something that happened in the dialog that the rest of the system may act on."""

    name: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TurnResult:
    replies: tuple[Reply, ...]
    session: SessionState
    slot_changes: Mapping[str, Any] = field(default_factory=dict)
    events: tuple[DialogEvent, ...] = ()
    handoff: HandoffRequest | None = None
    ended: bool = False
    not_understood: int = 0
    """Turns in a row, this one included, whose input the bot did not understand (0: it understood)."""


__all__ = ["ClientView", "DialogEvent", "HandoffRequest", "Inbound", "TurnResult"]

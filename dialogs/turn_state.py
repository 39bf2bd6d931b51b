"""What one turn accumulates while it runs; discarded once the turn returns its result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from adapters.types import Button, Inbound, Reply
from dialogs.schema import SystemTexts
from dialogs.session import SessionState
from dialogs.templates import TextCatalog, format_text
from dialogs.turn import ClientView, DialogEvent, HandoffRequest


@dataclass(frozen=True, slots=True)
class Offer:
    """A button the client may press next: ``payload`` travels, ``button_id`` is what it means."""

    payload: str
    button_id: str
    title: str
    description: str | None = None

    def button(self) -> Button:
        return Button(title=self.title, payload=self.payload, description=self.description)


@dataclass(slots=True)
class TurnState:
    event: Inbound
    client: ClientView
    state: SessionState
    locale: str
    catalog: TextCatalog
    texts: SystemTexts
    first_contact: bool = False
    """No session yet: the client's very first message (or the first after the session expired)."""
    replies: list[Reply] = field(default_factory=list)
    slot_changes: dict[str, Any] = field(default_factory=dict)
    events: list[DialogEvent] = field(default_factory=list)
    handoff: HandoffRequest | None = None
    ended: bool = False
    not_understood: bool = False
    """The client's message was not understood; N such turns in a row hand the client to a person."""
    offered: list[Offer] = field(default_factory=list)
    """Buttons actions offered in their messages this turn, answerable by the next ask."""

    def context(self, **extra: Any) -> dict[str, Any]:
        return {
            "t": self.catalog,
            "client": self.client.as_template_data(),
            "slots": dict(self.state.slots),
            **extra,
        }

    def set_slot(self, name: str, value: Any) -> None:
        self.state.slots[name] = value
        self.slot_changes[name] = value

    def forget_slots(self) -> None:
        for name in list(self.state.slots):
            del self.state.slots[name]
            self.slot_changes[name] = None

    def text(self, key: str, params: dict[str, Any] | None = None) -> str:
        found = self.catalog.entry(key) or ""
        return format_text(found, **params) if params else str(found)

    def say(
        self,
        key: str,
        params: dict[str, Any] | None = None,
        *,
        numbered_key: str | None = None,
        typed_contact_key: str | None = None,
    ) -> None:
        """``numbered_key``: the words instead where the choices that follow come numbered in the text;
        ``typed_contact_key``: where the channel has no share-phone button."""
        numbered = self.text(numbered_key, params) if numbered_key is not None else None
        typed = self.text(typed_contact_key, params) if typed_contact_key is not None else None
        self.replies.append(
            Reply(
                text=self.text(key, params), numbered_text=numbered or None, typed_contact_text=typed or None
            )
        )

    def report(self, name: str, **data: Any) -> None:
        self.events.append(DialogEvent(name, data))

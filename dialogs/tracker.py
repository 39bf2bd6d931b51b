"""The rasa-sdk view of a dialog: a ``Tracker`` and a domain built from the session."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rasa_sdk import Tracker

from adapters.action_protocol import PAGE_SLOT, PER_PAGE_SLOT, PageRequest
from adapters.types import ButtonPress, Inbound, TextBody
from dialogs.turn import ClientView

SYSTEM_SLOTS = frozenset({"client_id", "channel", "locale", "phone_verified", PAGE_SLOT, PER_PAGE_SLOT})
"""Slots the engine fills for every action and no action may set."""


def build_tracker(
    event: Inbound,
    slots: Mapping[str, Any],
    client: ClientView,
    locale: str,
    page: PageRequest | None = None,
) -> Tracker:
    """``page`` is the page a list ask wants (its slots are empty for any other action)."""
    system: dict[str, Any] = {
        "client_id": client.id,
        "channel": event.channel.value,
        "locale": locale,
        "phone_verified": client.phone_verified,
        PAGE_SLOT: None,
        PER_PAGE_SLOT: None,
    }
    if page is not None:
        system.update(page.as_slots())
    metadata: dict[str, Any] = {
        "channel": event.channel.value,
        "bot": event.bot,
        "event_id": event.event_id,
        "message_key": event.message_key,
        "user_id": event.conversation.user_id,
        "body": event.body.kind,
    }
    if isinstance(event.body, ButtonPress):
        metadata["payload"] = event.body.payload
    text = event.body.text if isinstance(event.body, TextBody) else None
    return Tracker(
        sender_id=client.id,
        slots={**dict(slots), **system},
        latest_message={"text": text, "intent": {}, "entities": [], "metadata": metadata},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name=None,
    )


def build_domain(slot_names: Iterable[str], actions: Iterable[str]) -> dict[str, Any]:
    return {
        "version": "3.1",
        "intents": [],
        "entities": [],
        "slots": {name: {"type": "any", "mappings": []} for name in sorted({*slot_names, *SYSTEM_SLOTS})},
        "responses": {},
        "actions": sorted(actions),
        "forms": {},
        "session_config": {"session_expiration_time": 0, "carry_over_slots_to_new_session": True},
    }

"""Conversations, history entries and the context packet as the console API writes them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from cabinet_api.services import (
    ConsoleMessage,
    ConversationEventView,
    ConversationView,
    ListPreview,
    PersonRef,
    PersonView,
)
from handoff.console.pressed import pressed_titles

SENSITIVE_SLOTS = ("account", "card", "bik", "holder", "payout")


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def person_json(person: PersonView) -> dict[str, Any]:
    return {
        "login": person.login,
        "name": person.name,
        "role": person.role,
        "queues": list(person.queues),
        "status": person.status,
        "max_chats": person.max_chats,
        "locale": person.locale,
    }


def _ref(person: PersonRef | None) -> dict[str, str] | None:
    return None if person is None else {"login": person.login, "name": person.name}


def waiting_since(conversation: ConversationView) -> datetime | None:
    if conversation.state == "queued":
        return conversation.queued_at
    if conversation.state == "assigned" and conversation.waiting_for == "person":
        return conversation.last_client_message_at
    return None


def shown_message(conversation: ConversationView, preview: ListPreview) -> ConsoleMessage | None:
    """The line a list shows under the client's name.

    In the queue: what the client wrote themselves, else the button they pressed last; never the bot's
    words or the desk's «your place in the queue» notice, which every waiting client has. Otherwise: the
    newest message of the talk, the desk's notices («… joined», «rate us») passed over while anyone has
    said something.
    """
    if conversation.state == "queued":
        return preview.client or preview.pressed
    return preview.said or preview.newest


def _message_json(message: ConsoleMessage | None, *, pressed: str | None = None) -> dict[str, Any] | None:
    """``pressed``: the title of the button a press carried the payload of (``handoff.console.pressed``)."""
    if message is None:
        return None
    return {
        "at": iso(message.created_at),
        "text": message.text or pressed,
        "kind": message.kind,
        "author": message.author,
        "person": _ref(message.person),
    }


def _preview_json(conversation: ConversationView, preview: ListPreview) -> dict[str, Any] | None:
    shown = shown_message(conversation, preview)
    if shown is None:
        return None
    offers = [preview.offer] if preview.offer is not None else []
    return _message_json(shown, pressed=pressed_titles([shown], offers).get(shown.id))


def item_json(
    conversation: ConversationView,
    *,
    position: int | None = None,
    preview: ListPreview | None = None,
) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "state": conversation.state,
        "queue": conversation.queue,
        "priority": conversation.priority,
        "reason": conversation.reason,
        "channel": conversation.channel,
        "client": {"id": conversation.client_public_id, "name": conversation.client_name},
        "assignee": _ref(conversation.assignee),
        "waiting_since": iso(waiting_since(conversation)),
        "unread": conversation.unread_count,
        "last_message": _message_json(preview.newest if preview else None),
        "client_message": _message_json(preview.client if preview else None),
        "preview": _preview_json(conversation, preview) if preview else None,
        "position": position,
        "waiting_for": conversation.waiting_for,
        "note": conversation.note,
        "queued_at": iso(conversation.queued_at),
        "assigned_at": iso(conversation.assigned_at),
        "closed_at": iso(conversation.closed_at),
        "closed_reason": conversation.closed_reason,
    }


def positions(waiting: Iterable[ConversationView]) -> dict[int, int]:
    """Each queued conversation's place in its queue (``waiting`` in queue order)."""
    places: dict[int, int] = {}
    counts: dict[str, int] = {}
    for conversation in waiting:
        counts[conversation.queue] = counts.get(conversation.queue, 0) + 1
        places[conversation.id] = counts[conversation.queue]
    return places


def _attachment(payload: Mapping[str, Any] | None, link: Any) -> dict[str, Any] | None:
    if not payload:
        return None
    spec = payload.get("attachment") if isinstance(payload.get("attachment"), dict) else None
    if spec is not None:
        source = spec.get("source") or {}
        key = source.get("storage_key") if isinstance(source, dict) else None
        return {
            "name": spec.get("file_name"),
            "mime": spec.get("mime_type"),
            "url": link(key) if key else None,
        }
    if payload.get("kind") == "file":
        return {"name": payload.get("file_name"), "mime": payload.get("mime_type"), "url": None}
    return None


def message_entry(message: ConsoleMessage, link: Any, *, pressed: str | None = None) -> dict[str, Any]:
    """``pressed``: the title of the button a press (``kind`` "button") carried the payload of."""
    return {
        "id": f"m{message.id}",
        "at": iso(message.created_at),
        "author": message.author,
        "channel": message.channel,
        "text": message.text or pressed,
        "kind": message.kind,
        "person": _ref(message.person),
        "attachment": _attachment(message.payload, link),
        "status": message.status,
        "private": False,
        "event": None,
        "broadcast": _broadcast(message.payload) if message.kind == "broadcast" else None,
    }


def _broadcast(payload: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Which broadcast a message of the history was, and its buttons."""
    found = (payload or {}).get("broadcast")
    if not isinstance(found, Mapping):
        return None
    buttons = (payload or {}).get("buttons") or []
    return {"id": found.get("id"), "title": found.get("title"), "buttons": [b.get("title") for b in buttons]}


def event_entry(
    event: ConversationEventView, channel: str | None, names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """``names`` gives people's names by login, so a note is signed the way replies are."""
    note = event.kind == "note"
    name = (names or {}).get(event.actor, event.actor)
    return {
        "id": f"e{event.id}",
        "at": iso(event.at),
        "author": "person" if note else "system",
        "channel": channel,
        "text": event.text,
        "kind": "note" if note else "event",
        "person": {"login": event.actor, "name": name} if note else None,
        "attachment": None,
        "status": None,
        "private": note,
        "event": None if note else event.kind,
        "actor": event.actor,
        "broadcast": None,
    }


def event_json(event: ConversationEventView) -> dict[str, Any]:
    return {
        "id": f"e{event.id}",
        "kind": event.kind,
        "actor": event.actor,
        "text": event.text,
        "at": iso(event.at),
    }


def merged(
    messages: Sequence[ConsoleMessage],
    events: Sequence[ConversationEventView],
    *,
    link: Any,
    channel_of: Mapping[int, str],
    names: Mapping[str, str] | None = None,
    pressed: Mapping[int, str] | None = None,
) -> list[dict[str, Any]]:
    """``pressed``: the titles of the buttons presses carried, by message id (``handoff.console.pressed``)."""
    titles = pressed or {}
    entries = [
        (message.created_at, 0, message.id, message_entry(message, link, pressed=titles.get(message.id)))
        for message in messages
    ]
    entries += [
        (event.at, 1, event.id, event_entry(event, channel_of.get(event.conversation_id), names))
        for event in events
    ]
    return [entry for *_, entry in sorted(entries, key=lambda item: item[:3])]


def cursor(
    messages: Sequence[ConsoleMessage], events: Sequence[ConversationEventView], after: tuple[int, int]
) -> str:
    last_message = max((message.id for message in messages), default=after[0])
    last_event = max((event.id for event in events), default=after[1])
    return f"{last_message}:{last_event}"


def parse_cursor(raw: str | None) -> tuple[int, int]:
    """``"<message id>:<event id>"``; a bare number is a message id. Anything else is a ValueError."""
    if not raw:
        return 0, 0
    message, _, event = raw.partition(":")
    if not message.isdigit() or (event and not event.isdigit()) or len(raw) > 40:
        raise ValueError("after must be a cursor such as 9911:17")
    return int(message), int(event or 0)


def masked_slots(slots: Mapping[str, Any]) -> dict[str, Any]:
    """The bot's slots for the console, payout details shown by their last four characters only."""
    shown: dict[str, Any] = {}
    for name, value in slots.items():
        if any(part in name for part in SENSITIVE_SLOTS) and value is not None:
            text = str(value)
            shown[name] = "••••" + text[-4:] if len(text) > 4 else "••••"
        else:
            shown[name] = value
    return shown

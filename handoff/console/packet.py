"""The context packet: everything a person needs to answer without making the client repeat anything."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from cabinet_api.services import ConsoleMessage, ConversationEventView, ConversationView, NotFound, PersonView
from handoff.console.context import ConsoleContext
from handoff.console.pressed import pressed_titles, unnamed_presses
from handoff.console.views import (
    cursor,
    event_json,
    iso,
    item_json,
    masked_slots,
    merged,
)

HISTORY_LIMIT = 300
CATCH_UP_LIMIT = 500
LIST_LIMIT = 20
OFFERS_LOOKBACK = 20


def file_link(console: ConsoleContext) -> Callable[[str], str]:
    def link(key: str) -> str:
        signed = console.cabinet.files.link(key, secret=console.secret, lifetime=console.link_lifetime)
        return f"/console/api/files/{signed.token}"

    return link


async def note_authors(console: ConsoleContext, events: Sequence[ConversationEventView]) -> list[PersonView]:
    """The people who wrote notes among ``events`` (none asked when there is no note)."""
    if not any(event.kind == "note" for event in events):
        return []
    return list(await console.cabinet.people.people())


async def history_after(
    console: ConsoleContext,
    conversation: ConversationView,
    after: tuple[int, int],
    *,
    limit: int = CATCH_UP_LIMIT,
) -> tuple[list[dict[str, Any]], str]:
    conversations = console.cabinet.conversations
    messages = await conversations.console_history(conversation.client_id, after_id=after[0], limit=limit)
    events = await conversations.events_of_client(conversation.client_id, after_id=after[1])
    channel_of = {event.conversation_id: conversation.channel for event in events}
    names = {person.login: person.name for person in await note_authors(console, events)}
    pressed = await _pressed(console, conversation, messages)
    entries = merged(
        messages, events, link=file_link(console), channel_of=channel_of, names=names, pressed=pressed
    )
    return entries, cursor(messages, events, after)


async def _pressed(
    console: ConsoleContext, conversation: ConversationView, messages: Sequence[ConsoleMessage]
) -> dict[int, str]:
    """The titles of the buttons pressed among ``messages``; the bot's messages just before them are read
    only when a press there is not explained by the messages themselves (a catch-up after a cursor)."""
    titles = pressed_titles(messages)
    unnamed = [press for press in unnamed_presses(messages) if press.id not in titles]
    if not unnamed:
        return titles
    earlier = await console.cabinet.conversations.console_history(
        conversation.client_id, before_id=messages[0].id, limit=OFFERS_LOOKBACK
    )
    return pressed_titles(messages, earlier)


async def packet(
    console: ConsoleContext, conversation: ConversationView, position: int | None
) -> dict[str, Any]:
    cabinet = console.cabinet
    client_id = conversation.client_id
    previews = await cabinet.conversations.list_previews([client_id])
    body = item_json(conversation, position=position, preview=previews.get(client_id))
    history, next_cursor = await history_after(console, conversation, (0, 0), limit=HISTORY_LIMIT)
    events = await cabinet.conversations.events_of_client(client_id)
    snapshot = await console.dialogs.snapshot(conversation.reply_to) if console.dialogs is not None else None
    body |= {
        "history": history,
        "cursor": next_cursor,
        "slots": masked_slots(snapshot.slots) if snapshot is not None else {},
        "flow": (
            {"flow": snapshot.flow, "step": snapshot.step, "waiting": snapshot.waiting}
            if snapshot is not None and snapshot.flow is not None
            else None
        ),
        "requests": await _requests(console, client_id),
        "recordings": await _recordings(console, client_id),
        "refunds": [
            {
                "id": refund.public_id,
                "number": refund.number,
                "contract": refund.contract_title,
                "amount": str(refund.amount),
                "status": refund.status,
                "created_at": iso(refund.created_at),
            }
            for refund in await cabinet.payments.list_refunds(client_id)
        ],
        "ratings": [
            {
                "subject": rating.subject,
                "subject_id": rating.subject_id,
                "scale": rating.scale,
                "score": rating.score,
                "channel": rating.channel,
                "comment": rating.comment,
                "at": iso(rating.created_at),
            }
            for rating in (await cabinet.ratings.list_ratings(client_id=client_id))[:LIST_LIMIT]
        ],
        "broadcasts": [
            {
                "id": sent.public_id,
                "title": sent.title,
                "text": sent.text,
                "channel": sent.channel,
                "status": sent.status,
                "sent_at": iso(sent.sent_at),
                "answer": sent.answer,
                "answered_at": iso(sent.answered_at),
            }
            for sent in await cabinet.broadcasts.for_client(client_id, limit=LIST_LIMIT)
        ],
        "events": [event_json(event) for event in events if event.kind != "note"],
        "notes": [event_json(event) for event in events if event.kind == "note"],
    }
    body |= await _profile(console, conversation)
    return body


async def _requests(console: ConsoleContext, client_id: int) -> list[dict[str, Any]]:
    page = await console.cabinet.requests.list_requests(client_id, page=0, per_page=LIST_LIMIT)
    open_first = sorted(page.items, key=lambda request: request.status in ("answered", "closed"))
    return [
        {
            "id": request.public_id,
            "number": request.number,
            "topic": request.topic,
            "status": request.status,
            "urgency": request.urgency,
            "answer_format": request.answer_format,
            "due_at": iso(request.due_at),
            "created_at": iso(request.created_at),
            "channel": request.channel,
        }
        for request in open_first
    ]


async def _recordings(console: ConsoleContext, client_id: int) -> list[dict[str, Any]]:
    recordings = console.cabinet.recordings
    page = await recordings.list_recordings(client_id, page=0, per_page=LIST_LIMIT)
    link = file_link(console)
    found = []
    for recording in page.items:
        stored = await recordings.recording_file(client_id, recording.public_id)
        found.append(
            {
                "id": recording.public_id,
                "lawyer": recording.lawyer,
                "started_at": iso(recording.started_at),
                "duration": recording.duration,
                "direction": recording.direction,
                "url": link(stored.key),
            }
        )
    return found


async def _profile(console: ConsoleContext, conversation: ConversationView) -> dict[str, Any]:
    try:
        detail = await console.cabinet.clients.get_client(conversation.client_public_id)
    except NotFound:
        return {"channels": [], "profile": None}
    return {
        "channels": [
            {
                "channel": identity.channel,
                "bot": identity.bot,
                "name": identity.display_name,
                "username": identity.username,
                "unsubscribed": identity.unsubscribed,
                "last_seen_at": iso(identity.last_seen_at),
                "last_inbound_at": iso(identity.last_inbound_at),
            }
            for identity in detail.identities
        ],
        "profile": {
            "first_name": detail.first_name,
            "last_name": detail.last_name,
            "phone": detail.phone,
            "phone_verified": detail.phone_verified,
            "locale": detail.locale,
            "always_human": detail.always_human,
            "broadcast_opt_out": detail.broadcast_opt_out,
            "preferred_channel": detail.preferred_channel,
        },
    }

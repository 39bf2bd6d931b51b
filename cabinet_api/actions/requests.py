"""Requests (обращения) in the chat: create, list, open, comment, listen to an audio answer."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from adapters.action_protocol import custom_payload
from adapters.render import cut
from adapters.types import FileRef, MediaKind
from cabinet_api.actions.base import (
    CabinetAction,
    Events,
    Rejected,
    channel_of,
    optional_text_slot,
    text_slot,
)
from cabinet_api.actions.formatting import format_due, format_short
from cabinet_api.actions.paging import page_records, requested_page
from cabinet_api.models import RequestStatus
from cabinet_api.services.errors import RequestClosed
from cabinet_api.services.views import RequestDetail, RequestEventView, RequestView

logger = logging.getLogger("cabinet_api.actions")

TOPIC_FROM_DESCRIPTION_LENGTH = 80
CARD_EVENTS = 10
CARD_TEXT_LENGTH = 300
CARD_DESCRIPTION_LENGTH = 500
OPEN_STATUSES = frozenset({RequestStatus.NEW.value, RequestStatus.IN_WORK.value})


@dataclass(frozen=True, slots=True)
class NewRequest:
    topic: str
    description: str
    answer_format: str
    urgency: str
    channel: str
    attachments: tuple[FileRef, ...]

    @classmethod
    def from_tracker(cls, tracker: Tracker) -> NewRequest:
        """ValueError when a required slot is missing; the values themselves are checked by the cabinet.

        Without a ``topic`` slot the topic is the beginning of the description.
        """
        description = text_slot(tracker, "description")
        answer_format = text_slot(tracker, "answer_format")
        channel = channel_of(tracker)
        topic = optional_text_slot(tracker, "topic") or cut(
            description.splitlines()[0], TOPIC_FROM_DESCRIPTION_LENGTH
        )
        return cls(
            topic=topic,
            description=description,
            answer_format=answer_format,
            urgency=optional_text_slot(tracker, "urgency") or "normal",
            channel=channel,
            attachments=attachments(tracker.get_slot("attachment"), channel),
        )


def received_file(value: object, channel: str) -> FileRef:
    """A file the dialog keeps in a slot (a :class:`FileRef`'s JSON); ValueError for anything else.

    A platform file id without a channel is one of this conversation's channel.
    """
    if not isinstance(value, Mapping):
        raise ValueError("not a file")
    return FileRef.model_validate({"channel": channel, **value})


def attachments(value: object, channel: str) -> tuple[FileRef, ...]:
    if value is None:
        return ()
    return tuple(received_file(item, channel) for item in (value if isinstance(value, list) else [value]))


class CreateRequestAction(CabinetAction):
    """Create a request from the dialog's slots; sets ``request_number``, ``request_due``, ``request_id``.

    Open to every client: a new request needs no verified phone.
    """

    requires_verified_phone = False

    sets_slots = frozenset({"request_number", "request_due", "request_id"})

    def name(self) -> str:
        return "create_request"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, client_id: int) -> Events:
        new = NewRequest.from_tracker(tracker)
        request = await self.cabinet.requests.create_request(
            client_id,
            topic=new.topic,
            description=new.description,
            answer_format=new.answer_format,
            urgency=new.urgency,
            channel=new.channel,
            attachments=new.attachments,
            source_event=_source_event(tracker),
        )
        return [
            SlotSet("request_number", request.number),
            SlotSet("request_due", format_due(request.due_at)),
            SlotSet("request_id", request.public_id),
        ]


def _source_event(tracker: Tracker) -> str | None:
    """The chat message behind this turn, so that a replayed turn does not file a second request.

    Its durable identity, not the platform's event id: update ids restart and are reused, and a
    request keyed by one would be confirmed to a later, different message.
    """
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    parts = [metadata.get(key) for key in ("channel", "bot", "message_key")]
    texts = [part for part in parts if isinstance(part, str) and part]
    return ":".join(texts) if len(texts) == len(parts) else None


def _request_record(request: RequestView) -> dict[str, Any]:
    return {
        "id": request.public_id,
        "number": request.number,
        "topic": request.topic,
        "status": request.status,
        "due": format_short(request.due_at),
    }


class ListRequestsAction(CabinetAction):
    """The page of the client's requests, newest first, that the list ask asks for, as records
    (``id`` is the request's public id; ``number``, ``topic``, ``status``, ``due``)."""

    def name(self) -> str:
        return "list_requests"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, client_id: int) -> Events:
        wanted = requested_page(tracker)
        page = await self.cabinet.requests.list_requests(client_id, page=wanted.number, per_page=wanted.size)
        dispatcher.utter_message(json_message=page_records(page, _request_record))
        return []


def _file(ref: FileRef) -> dict[str, Any]:
    """A file in the card: its ``kind``, and its ``name`` when it has one."""
    return {"kind": ref.kind.value} | ({"name": ref.file_name} if ref.file_name else {})


def _event(event: RequestEventView) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "author": event.author,
        "channel": event.channel,
        "text": _shorten(event.text, CARD_TEXT_LENGTH),
        "file": None if event.file is None else _file(event.file),
        "at": format_short(event.created_at),
    }


def _shorten(text: str | None, limit: int) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def card(request: RequestDetail, *, rate_now: bool) -> dict[str, Any]:
    """The request as plain data for the card the flow renders (texts come from the bot's catalog)."""
    answer = request.answer
    shown = request.events[-CARD_EVENTS:]
    return {
        "id": request.public_id,
        "number": request.number,
        "topic": request.topic,
        "description": _shorten(request.description, CARD_DESCRIPTION_LENGTH),
        "status": request.status,
        "open": request.status in OPEN_STATUSES,
        "answer_format": request.answer_format,
        "due": format_due(request.due_at),
        "created": format_due(request.created_at),
        "lawyer": request.lawyer,
        "files": [_file(ref) for ref in request.attachments],
        "events": [_event(event) for event in shown],
        "earlier_events": len(request.events) - len(shown),
        "answer": None
        if answer is None
        else {
            "text": answer.text,
            "audio": answer.audio is not None,
            "lawyer": answer.lawyer,
            "at": format_due(answer.created_at),
        },
        "rate_now": rate_now,
    }


class OpenRequestAction(CabinetAction):
    """Open the request in ``request_choice``: sets ``request`` (the card's data) and ``open_request_id``.

    ``request.rate_now`` is true when the request has an answer the client has not rated yet (and the
    client has not asked us to stop asking for ratings).
    """

    sets_slots = frozenset({"request", "open_request_id"})

    def name(self) -> str:
        return "open_request"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, client_id: int) -> Events:
        public_id = text_slot(tracker, "request_choice")
        request = await self.cabinet.requests.get_request(client_id, public_id)
        rate_now = (
            request.answer is not None
            and not await self._rated(client_id, public_id)
            and not await self.cabinet.rating_requests.opted_out(client_id)
        )
        return [SlotSet("request", card(request, rate_now=rate_now)), SlotSet("open_request_id", public_id)]

    async def _rated(self, client_id: int, public_id: str) -> bool:
        ratings = await self.cabinet.ratings.list_ratings(
            client_id=client_id, subject="request", subject_id=public_id
        )
        return bool(ratings)


class AddRequestCommentAction(CabinetAction):
    """Add the ``request_comment`` slot (text or a file from the messenger) to the open request."""

    sets_slots = frozenset({"request_comment"})

    def name(self) -> str:
        return "add_request_comment"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, client_id: int) -> Events:
        public_id = text_slot(tracker, "open_request_id")
        channel = channel_of(tracker)
        comment = tracker.get_slot("request_comment")
        text: str | None = None
        file: FileRef | None = None
        if isinstance(comment, str):
            text = comment
        elif isinstance(comment, Mapping) and comment.get("file_id"):
            file = received_file(comment, channel)
        else:
            raise Rejected("requests.comment_unsupported")
        try:
            await self.cabinet.request_events.add_comment(
                client_id, public_id, text=text, file=file, channel=channel
            )
        except RequestClosed as closed:
            raise Rejected("requests.closed") from closed
        return [SlotSet("request_comment", None)]


class SendAnswerAudioAction(CabinetAction):
    """Send the lawyer's audio answer to the open request as an audio message."""

    def name(self) -> str:
        return "send_answer_audio"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, client_id: int) -> Events:
        request = await self.cabinet.requests.get_request(client_id, text_slot(tracker, "open_request_id"))
        if request.answer is None or request.answer.audio is None:
            raise Rejected("requests.no_audio")
        dispatcher.utter_message(
            response="requests.audio_caption",
            number=request.number,
            lawyer=request.answer.lawyer,
            json_message=custom_payload(attachment=request.answer.audio.ref(MediaKind.AUDIO)),
        )
        return []

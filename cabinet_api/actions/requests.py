"""Requests (обращения) in the chat: create, list, open, comment, listen to an audio answer."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from adapters.render import cut
from cabinet_api.actions.base import (
    CabinetAction,
    Events,
    Rejected,
    channel_of,
    optional_text_slot,
    text_slot,
)
from cabinet_api.actions.formatting import format_due, format_short
from cabinet_api.actions.paging import (
    PER_PAGE,
    last_page_number,
    navigation_buttons,
    page_count,
    requested_page,
)
from cabinet_api.models import RequestStatus
from cabinet_api.services.errors import RequestClosed
from cabinet_api.services.views import RequestDetail, RequestEventView, RequestView
from cabinet_api.storage import StoredFile

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
    attachments: tuple[dict[str, Any], ...]

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


def file_ref(item: object, channel: str) -> dict[str, Any]:
    """A dialog file (file_id, mime_type, size, file_name) as the cabinet's file reference."""
    if not isinstance(item, Mapping):
        raise ValueError("not a file")
    return {
        "channel": channel,
        "file_id": item.get("file_id"),
        "name": item.get("file_name"),
        "mime": item.get("mime_type"),
        "size": item.get("size"),
    }


def attachments(value: object, channel: str) -> tuple[dict[str, Any], ...]:
    if value is None:
        return ()
    return tuple(file_ref(item, channel) for item in (value if isinstance(value, list) else [value]))


class CreateRequestAction(CabinetAction):
    """Create a request from the dialog's slots; sets ``request_number``, ``request_due``, ``request_id``.

    Open to every client: a new request needs no verified phone.
    """

    requires_verified_phone = False

    def name(self) -> str:
        return "create_request"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, client_id: int) -> Events:
        new = NewRequest.from_tracker(tracker)
        request = await self.cabinet.create_request(
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


def _request_button(request: RequestView) -> dict[str, Any]:
    return {
        "response": f"requests.item.{request.status}",
        "title": f"№{request.number}",
        "payload": request.public_id,
        "number": request.number,
        "due": format_short(request.due_at),
    }


class ListRequestsAction(CabinetAction):
    """One page of the client's requests, newest first: a button per request (its payload is the
    request's public id) and page buttons. The page comes from the ``request_choice`` slot."""

    def name(self) -> str:
        return "list_requests"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, client_id: int) -> Events:
        number = requested_page(tracker.get_slot("request_choice"))
        page = await self.cabinet.list_requests(client_id, page=number, per_page=PER_PAGE)
        if page.total == 0:
            raise Rejected("requests.empty")
        if not page.items:
            last = last_page_number(page.total, PER_PAGE)
            page = await self.cabinet.list_requests(client_id, page=last, per_page=PER_PAGE)
        dispatcher.utter_message(
            response="requests.list",
            page=page.page + 1,
            pages=page_count(page),
            total=page.total,
            buttons=[_request_button(request) for request in page.items] + navigation_buttons(page),
        )
        return []


def _event(event: RequestEventView) -> dict[str, Any]:
    file = event.file or {}
    return {
        "kind": event.kind,
        "author": event.author,
        "channel": event.channel,
        "text": _shorten(event.text, CARD_TEXT_LENGTH),
        "file": file.get("name") or file.get("file_name"),
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

    ``request.rate_now`` is true when the request has an answer the client has not rated yet.
    """

    def name(self) -> str:
        return "open_request"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, client_id: int) -> Events:
        public_id = text_slot(tracker, "request_choice")
        request = await self.cabinet.get_request(client_id, public_id)
        rate_now = request.answer is not None and not await self._rated(client_id, public_id)
        return [SlotSet("request", card(request, rate_now=rate_now)), SlotSet("open_request_id", public_id)]

    async def _rated(self, client_id: int, public_id: str) -> bool:
        ratings = await self.cabinet.list_ratings(
            client_id=client_id, subject="request", subject_id=public_id
        )
        return bool(ratings)


class AddRequestCommentAction(CabinetAction):
    """Add the ``request_comment`` slot (text or a file from the messenger) to the open request."""

    def name(self) -> str:
        return "add_request_comment"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, client_id: int) -> Events:
        public_id = text_slot(tracker, "open_request_id")
        channel = channel_of(tracker)
        comment = tracker.get_slot("request_comment")
        text: str | None = None
        file: dict[str, Any] | None = None
        if isinstance(comment, str):
            text = comment
        elif isinstance(comment, Mapping) and comment.get("file_id"):
            file = file_ref(comment, channel)
        else:
            raise Rejected("requests.comment_unsupported")
        try:
            await self.cabinet.add_comment(client_id, public_id, text=text, file=file, channel=channel)
        except RequestClosed as closed:
            raise Rejected("requests.closed") from closed
        return [SlotSet("request_comment", None)]


class SendAnswerAudioAction(CabinetAction):
    """Send the lawyer's audio answer to the open request as an audio message."""

    def name(self) -> str:
        return "send_answer_audio"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, client_id: int) -> Events:
        request = await self.cabinet.get_request(client_id, text_slot(tracker, "open_request_id"))
        if request.answer is None or request.answer.audio is None:
            raise Rejected("requests.no_audio")
        dispatcher.utter_message(
            response="requests.audio_caption",
            number=request.number,
            lawyer=request.answer.lawyer,
            custom=audio_attachment(request.answer.audio),
        )
        return []


def audio_attachment(file: StoredFile, *, duration: int | None = None) -> dict[str, Any]:
    """The ``custom`` payload the dialog engine turns into an audio attachment from the cabinet's storage."""
    spec: dict[str, Any] = {"kind": "audio", "storage_key": file.key, "mime": file.mime, "name": file.name}
    if duration is not None:
        spec["duration"] = duration
    return {"attachment": spec}

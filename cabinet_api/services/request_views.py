"""Rows of requests, their events and answers as the frozen views the services return."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adapters.types import FileRef
from cabinet_api.models import Answer, Request, RequestEvent
from cabinet_api.services.views import AnswerView, RequestDetail, RequestEventView, RequestView
from cabinet_api.storage import StoredFile


def request_view(request: Request) -> RequestView:
    return RequestView(
        id=request.id,
        public_id=request.public_id,
        number=request.number,
        client_id=request.client_id,
        topic=request.topic,
        description=request.description,
        answer_format=request.answer_format,
        urgency=request.urgency,
        status=request.status,
        due_at=request.due_at,
        channel=request.channel,
        attachments=_files(request.attachments),
        created_at=request.created_at,
        lawyer=request.lawyer,
    )


def request_detail(
    request: Request, *, events: Sequence[RequestEventView], answer: AnswerView | None
) -> RequestDetail:
    return RequestDetail(
        id=request.id,
        public_id=request.public_id,
        number=request.number,
        client_id=request.client_id,
        topic=request.topic,
        description=request.description,
        answer_format=request.answer_format,
        urgency=request.urgency,
        status=request.status,
        due_at=request.due_at,
        channel=request.channel,
        attachments=_files(request.attachments),
        created_at=request.created_at,
        lawyer=request.lawyer,
        events=tuple(events),
        answer=answer,
    )


def event_view(event: RequestEvent) -> RequestEventView:
    return RequestEventView(
        public_id=event.public_id,
        kind=event.kind,
        author=event.author,
        channel=event.channel,
        text=event.text,
        file=None if event.file is None else FileRef.model_validate(event.file),
        created_at=event.created_at,
    )


def answer_view(answer: Answer, request: Request) -> AnswerView:
    return AnswerView(
        public_id=answer.public_id,
        request_public_id=request.public_id,
        request_number=request.number,
        client_id=request.client_id,
        lawyer=answer.lawyer,
        text=answer.text,
        audio=None if answer.audio is None else StoredFile.of_ref(FileRef.model_validate(answer.audio)),
        created_at=answer.created_at,
    )


def _files(stored: list[dict[str, Any]]) -> tuple[FileRef, ...]:
    return tuple(FileRef.model_validate(ref) for ref in stored)

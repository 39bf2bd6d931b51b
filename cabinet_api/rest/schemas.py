"""Request bodies, query strings and responses of the REST API; the OpenAPI document is built from them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from adapters.types import FileRef
from cabinet_api.services import (
    AnswerView,
    ClientDetail,
    Page,
    RatingView,
    RecordingView,
    RefundView,
    RequestDetail,
    RequestEventView,
    RequestView,
    StoredFile,
    TaskView,
)

ItemT = TypeVar("ItemT", bound=BaseModel)

RequestStatusName = Literal["new", "in_work", "answered", "closed"]
RefundStatusName = Literal["submitted", "in_review", "approved", "rejected", "paid"]
Channel = Literal["telegram", "viber", "whatsapp", "web", "phone", "api"]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# -- bodies and queries


class RequestCreate(Body):
    client_id: str = Field(min_length=1, max_length=32, description="The client's public id")
    topic: str = Field(min_length=1, max_length=255)
    description: str = Field(min_length=1, max_length=10_000)
    answer_format: Literal["oral", "written"]
    urgency: Literal["normal", "emergency"] = "normal"
    channel: Channel = "api"


class CommentCreate(Body):
    text: str = Field(min_length=1, max_length=4000)
    channel: Channel = "web"


class StatusChange(Body):
    status: RequestStatusName
    actor: Literal["lawyer", "system"] = "lawyer"


class RefundStatusChange(Body):
    status: RefundStatusName


class TaskClose(Body):
    note: str | None = Field(default=None, max_length=2000)


class AnswerForm(Body):
    """multipart/form-data: the text fields; the optional audio file goes in the part ``audio``."""

    lawyer: str = Field(min_length=1, max_length=255)
    text: str | None = Field(default=None, max_length=20_000)


class RecordingForm(Body):
    """multipart/form-data: the metadata; the audio file goes in the part ``audio``."""

    client_phone: str = Field(min_length=5, max_length=32)
    lawyer: str = Field(min_length=1, max_length=255)
    started_at: datetime
    duration: int = Field(ge=0, le=24 * 3600, description="seconds")
    direction: Literal["incoming", "outgoing"]
    source: Literal["pbx", "telegram_call"]


class PageQuery(Body):
    page: int = Field(default=0, ge=0)
    per_page: int = Field(default=5, ge=1, le=50)


class RatingQuery(Body):
    client_id: str | None = Field(default=None, description="The client's public id")
    subject: Literal["request", "handoff"] | None = None
    subject_id: str | None = None


class TaskQuery(Body):
    status: Literal["open", "closed"] | None = None


# -- responses


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail


class IdentityOut(BaseModel):
    channel: str
    bot: str
    display_name: str | None
    username: str | None
    unsubscribed: bool
    last_seen_at: datetime
    last_inbound_at: datetime | None


class ClientOut(BaseModel):
    public_id: str
    first_name: str | None
    last_name: str | None
    phone: str | None
    phone_verified: bool
    email: str | None
    locale: str
    preferred_channel: str | None
    always_human: bool
    broadcast_opt_out: bool
    created_at: datetime
    identities: list[IdentityOut]

    @classmethod
    def of(cls, view: ClientDetail) -> ClientOut:
        identities = [
            IdentityOut.model_validate(identity, from_attributes=True) for identity in view.identities
        ]
        return cls.model_validate({**_fields(view, exclude={"id", "identities"}), "identities": identities})


class FileOut(BaseModel):
    mime: str
    name: str
    size: int

    @classmethod
    def of(cls, stored: StoredFile) -> FileOut:
        return cls(mime=stored.mime, name=stored.name, size=stored.size)


class RequestOut(BaseModel):
    public_id: str
    number: int
    topic: str
    description: str
    answer_format: str
    urgency: str
    status: str
    due_at: datetime
    channel: str
    lawyer: str | None
    attachments: list[FileRef]
    created_at: datetime

    @classmethod
    def of(cls, view: RequestView) -> RequestOut:
        return cls.model_validate(_request_fields(view))


class EventOut(BaseModel):
    public_id: str
    kind: str
    author: str
    channel: str | None
    text: str | None
    file: FileRef | None
    created_at: datetime

    @classmethod
    def of(cls, view: RequestEventView) -> EventOut:
        return cls.model_validate(_fields(view))


class AnswerOut(BaseModel):
    public_id: str
    request_id: str
    number: int
    lawyer: str
    text: str | None
    audio: FileOut | None
    created_at: datetime
    notified: bool | None = Field(default=None, description="Set when the answer was just posted")

    @classmethod
    def of(cls, view: AnswerView, *, notified: bool | None = None) -> AnswerOut:
        return cls(
            public_id=view.public_id,
            request_id=view.request_public_id,
            number=view.request_number,
            lawyer=view.lawyer,
            text=view.text,
            audio=None if view.audio is None else FileOut.of(view.audio),
            created_at=view.created_at,
            notified=notified,
        )


class RequestDetailOut(RequestOut):
    events: list[EventOut]
    answer: AnswerOut | None

    @classmethod
    def of_detail(cls, view: RequestDetail) -> RequestDetailOut:
        return cls.model_validate(
            {
                **_request_fields(view),
                "events": [EventOut.of(event) for event in view.events],
                "answer": None if view.answer is None else AnswerOut.of(view.answer),
            }
        )


class RefundOut(BaseModel):
    public_id: str
    number: str
    payment_id: str
    contract_title: str
    amount: Decimal
    reason: str
    payout_kind: str
    payout_masked: str
    status: str
    channel: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: RefundView) -> RefundOut:
        fields = _fields(view, exclude={"client_id", "payment_public_id"})
        return cls.model_validate({**fields, "payment_id": view.payment_public_id})


class RecordingOut(BaseModel):
    public_id: str
    matched: bool = Field(description="Whether a client with this verified phone was found")
    lawyer: str
    started_at: datetime
    duration: int
    direction: str
    source: str
    mime: str
    size: int

    @classmethod
    def of(cls, view: RecordingView) -> RecordingOut:
        fields = _fields(view, exclude={"client_id", "name"})
        return cls.model_validate({**fields, "matched": view.client_id is not None})


class LinkOut(BaseModel):
    url: str
    expires_at: datetime


class RatingOut(BaseModel):
    public_id: str
    subject: str
    subject_id: str
    scale: str
    score: int
    channel: str
    comment: str | None
    created_at: datetime

    @classmethod
    def of(cls, view: RatingView) -> RatingOut:
        return cls.model_validate(_fields(view, exclude={"client_id"}))


class TaskOut(BaseModel):
    public_id: str
    client_id: str = Field(description="The client's public id")
    rating_id: str
    subject: str
    subject_id: str
    score: int
    comment: str | None
    status: str
    due_at: datetime
    note: str | None
    created_at: datetime
    closed_at: datetime | None

    @classmethod
    def of(cls, view: TaskView) -> TaskOut:
        fields = _fields(view, exclude={"client_id", "client_public_id"})
        return cls.model_validate({**fields, "client_id": view.client_public_id})


class PageOut(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    page: int
    per_page: int
    total: int
    has_next: bool


def page_out(page: Page[Any], items: list[ItemT]) -> dict[str, Any]:
    return {
        "items": [item.model_dump(mode="json") for item in items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "has_next": page.has_next,
    }


def _fields(view: Any, *, exclude: Collection[str] = ()) -> dict[str, Any]:
    """A view dataclass's fields, shallow (nested views stay objects for their own models)."""
    return {field.name: getattr(view, field.name) for field in fields(view) if field.name not in exclude}


_INTERNAL_REQUEST_FIELDS = {"id", "client_id", "events", "answer"}


def _request_fields(view: RequestView) -> dict[str, Any]:
    return _fields(view, exclude=_INTERNAL_REQUEST_FIELDS)

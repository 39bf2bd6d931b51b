"""What the cabinet's services return: frozen plain data, safe to hand to any other package."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from adapters.types import ConversationRef, FileRef
from cabinet_api.storage import StoredFile

T = TypeVar("T")


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
    attachments: tuple[FileRef, ...]
    created_at: datetime
    lawyer: str | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list; pages count from 0. Build it with :meth:`of`."""

    items: Sequence[T]
    page: int
    per_page: int
    total: int
    has_next: bool

    @classmethod
    def of(cls, items: Sequence[T], *, page: int, per_page: int, total: int) -> Page[T]:
        return cls(items, page, per_page, total, (page + 1) * per_page < total)


@dataclass(frozen=True, slots=True)
class IdentityView:
    channel: str
    bot: str
    display_name: str | None
    username: str | None
    unsubscribed: bool
    last_seen_at: datetime
    last_inbound_at: datetime | None


@dataclass(frozen=True, slots=True)
class ClientDetail:
    id: int
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
    identities: tuple[IdentityView, ...]


@dataclass(frozen=True, slots=True)
class RequestEventView:
    """``kind``: comment | file | status | answer; ``author``: client | lawyer | system."""

    public_id: str
    kind: str
    author: str
    channel: str | None
    text: str | None
    file: FileRef | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Notification:
    """What the client should be told, in their preferred channel; the bots package delivers it."""

    client_id: int
    kind: str
    request_public_id: str
    number: int


@dataclass(frozen=True, slots=True)
class AnswerView:
    public_id: str
    request_public_id: str
    request_number: int
    client_id: int
    lawyer: str
    text: str | None
    audio: StoredFile | None
    created_at: datetime

    def notification(self) -> Notification:
        return Notification(
            client_id=self.client_id,
            kind="answer_ready",
            request_public_id=self.request_public_id,
            number=self.request_number,
        )


@dataclass(frozen=True, slots=True)
class RequestDetail(RequestView):
    """A request with its events (oldest first) and the latest answer, if any."""

    events: tuple[RequestEventView, ...] = ()
    answer: AnswerView | None = None


@dataclass(frozen=True, slots=True)
class PaymentView:
    public_id: str
    contract_public_id: str
    contract_title: str
    amount: Decimal
    paid_at: datetime
    refundable_amount: Decimal


@dataclass(frozen=True, slots=True)
class RefundView:
    """``payout_masked`` shows the last four digits only; the full details never leave the service."""

    public_id: str
    number: str
    client_id: int
    payment_public_id: str
    contract_title: str
    amount: Decimal
    reason: str
    payout_kind: str
    payout_masked: str
    status: str
    channel: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RecordingView:
    public_id: str
    client_id: int | None
    lawyer: str
    started_at: datetime
    duration: int
    direction: str
    source: str
    mime: str
    name: str
    size: int


@dataclass(frozen=True, slots=True)
class RatingResult:
    """``already`` when this interaction was rated before: the first rating stands."""

    rating_id: str
    score: int
    already: bool
    task_id: str | None = None


@dataclass(frozen=True, slots=True)
class RatingView:
    public_id: str
    client_id: int
    subject: str
    subject_id: str
    scale: str
    score: int
    channel: str
    comment: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TaskView:
    public_id: str
    client_id: int
    client_public_id: str
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
    scale: str = "csat"
    channel: str = ""
    called_at: datetime | None = None
    outcome: str | None = None
    handled_by: str | None = None


@dataclass(frozen=True, slots=True)
class Reachable:
    """A conversation a proactive message can go to, with what the sender needs to word it."""

    conversation: ConversationRef
    locale: str
    last_inbound_at: datetime | None


@dataclass(frozen=True, slots=True)
class HandoffView:
    """A request for a person: the queue it waits in, why the bot asked, and where the client wrote."""

    id: int
    client_id: int
    queue: str
    reason: str
    channel: str
    note: str | None
    status: str
    created_at: datetime

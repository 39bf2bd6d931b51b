"""The closed sets of values stored as plain strings (no native enums: migrations stay simple)."""

from __future__ import annotations

import enum


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"


class MessageStatus(enum.StrEnum):
    RECEIVED = "received"
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    DELIVERED = "delivered"
    READ = "read"
    UNKNOWN = "unknown"
    """The platform call was made and no answer came: the client may or may not have it."""


class AnswerFormat(enum.StrEnum):
    ORAL = "oral"
    WRITTEN = "written"


class Urgency(enum.StrEnum):
    NORMAL = "normal"
    EMERGENCY = "emergency"


class RequestStatus(enum.StrEnum):
    NEW = "new"
    IN_WORK = "in_work"
    ANSWERED = "answered"
    CLOSED = "closed"


class HandoffStatus(enum.StrEnum):
    WAITING = "waiting"


class EventKind(enum.StrEnum):
    COMMENT = "comment"
    FILE = "file"
    STATUS = "status"
    ANSWER = "answer"


class EventAuthor(enum.StrEnum):
    CLIENT = "client"
    LAWYER = "lawyer"
    SYSTEM = "system"


class RefundStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAID = "paid"


class PayoutKind(enum.StrEnum):
    ACCOUNT = "account"
    CARD = "card"


class CallDirection(enum.StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


class RecordingSource(enum.StrEnum):
    PBX = "pbx"
    TELEGRAM_CALL = "telegram_call"


class RatingScale(enum.StrEnum):
    CSAT = "csat"
    CES = "ces"
    NPS = "nps"


class RatingSubject(enum.StrEnum):
    REQUEST = "request"
    HANDOFF = "handoff"
    CONVERSATION = "conversation"
    REFUND = "refund"


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class SendState(enum.StrEnum):
    SENDING = "sending"
    SENT = "sent"
    REFUSED = "refused"
    UNKNOWN = "unknown"


class DeadLetterKind(enum.StrEnum):
    INBOX = "inbox"
    OUTBOX = "outbox"

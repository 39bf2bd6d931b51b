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

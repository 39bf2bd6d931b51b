"""The cabinet's tables. Import models from here so every table is registered on ``Base.metadata``."""

from __future__ import annotations

from cabinet_api.models.base import Base, UTCDateTime, new_public_id
from cabinet_api.models.client import ChannelIdentity, Client
from cabinet_api.models.handoff import HandoffRecord
from cabinet_api.models.message import Message
from cabinet_api.models.request import Counter, Request
from cabinet_api.models.vocabulary import (
    AnswerFormat,
    Direction,
    HandoffStatus,
    MessageStatus,
    RequestStatus,
    Urgency,
)

__all__ = [
    "AnswerFormat",
    "Base",
    "ChannelIdentity",
    "Client",
    "Counter",
    "Direction",
    "HandoffRecord",
    "HandoffStatus",
    "Message",
    "MessageStatus",
    "Request",
    "RequestStatus",
    "UTCDateTime",
    "Urgency",
    "new_public_id",
]

"""The cabinet's tables. Import models from here so every table is registered on ``Base.metadata``."""

from __future__ import annotations

from cabinet_api.models.base import Base, UTCDateTime, new_public_id
from cabinet_api.models.broadcast import Broadcast, BroadcastRecipient
from cabinet_api.models.client import ChannelIdentity, Client
from cabinet_api.models.contract import Contract, Payment
from cabinet_api.models.conversation import Conversation, ConversationEvent
from cabinet_api.models.delivery import AcceptedInbound, DeadLetter, OutboundSend
from cabinet_api.models.file_blob import FileBlob
from cabinet_api.models.handoff import HandoffRecord
from cabinet_api.models.message import Message
from cabinet_api.models.person import CannedReply, ConsoleSession, LoginFailure, Person
from cabinet_api.models.rating import FollowUpTask, Rating, RatingRequest
from cabinet_api.models.recording import Recording
from cabinet_api.models.refund import Refund
from cabinet_api.models.request import Counter, Request
from cabinet_api.models.request_event import Answer, RequestEvent
from cabinet_api.models.vocabulary import (
    AnswerFormat,
    CallDirection,
    DeadLetterKind,
    Direction,
    EventAuthor,
    EventKind,
    HandoffStatus,
    MessageStatus,
    PayoutKind,
    RatingScale,
    RatingSubject,
    RecordingSource,
    RefundStatus,
    RequestStatus,
    SendState,
    TaskStatus,
    Urgency,
)

__all__ = [
    "AcceptedInbound",
    "Answer",
    "AnswerFormat",
    "Base",
    "Broadcast",
    "BroadcastRecipient",
    "CallDirection",
    "CannedReply",
    "ChannelIdentity",
    "Client",
    "ConsoleSession",
    "Contract",
    "Conversation",
    "ConversationEvent",
    "Counter",
    "DeadLetter",
    "DeadLetterKind",
    "Direction",
    "EventAuthor",
    "EventKind",
    "FileBlob",
    "FollowUpTask",
    "HandoffRecord",
    "HandoffStatus",
    "LoginFailure",
    "Message",
    "MessageStatus",
    "OutboundSend",
    "Payment",
    "PayoutKind",
    "Person",
    "Rating",
    "RatingRequest",
    "RatingScale",
    "RatingSubject",
    "Recording",
    "RecordingSource",
    "Refund",
    "RefundStatus",
    "Request",
    "RequestEvent",
    "RequestStatus",
    "SendState",
    "TaskStatus",
    "UTCDateTime",
    "Urgency",
    "new_public_id",
]

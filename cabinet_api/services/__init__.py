from __future__ import annotations

from adapters.phones import normalize_phone
from cabinet_api.services.accepted import AcceptedEvent, AcceptedInboundLedger
from cabinet_api.services.broadcast_views import (
    Audience,
    AudienceCount,
    BroadcastButton,
    BroadcastView,
    ClientBroadcast,
    NewBroadcast,
    Progress,
    RecipientClaim,
)
from cabinet_api.services.broadcasts import BroadcastService, EmptyAudience
from cabinet_api.services.business_time import BusinessCalendar
from cabinet_api.services.canned import CannedReplyService
from cabinet_api.services.console_sessions import ConsoleSessionService
from cabinet_api.services.console_views import (
    CannedView,
    ConsoleMessage,
    ConversationEventView,
    ConversationView,
    Credentials,
    FigureRow,
    ListPreview,
    PersonRef,
    PersonView,
    SessionView,
)
from cabinet_api.services.container import CabinetServices, cabinet_services
from cabinet_api.services.conversations import ConversationConflict, ConversationService
from cabinet_api.services.dead_letters import DeadLetterService, DeadLetterView, Replay
from cabinet_api.services.errors import (
    InvalidTransition,
    LinkExpired,
    NotFound,
    NotOwned,
    RefundAmountExceeded,
    RequestClosed,
    UnknownClient,
)
from cabinet_api.services.files import FileContent, FileLink
from cabinet_api.services.people import LoginTaken, PeopleService
from cabinet_api.services.rating_requests import RatingRequestService, RatingRequestView
from cabinet_api.services.recordings import MAX_RECORDING_BYTES, RECORDING_MIME_TYPES, RecordingRejected
from cabinet_api.services.sends import SendJournal, SendRecord
from cabinet_api.services.signals import ClientSignal, ContactMark, SignalService
from cabinet_api.services.unfinished_outbound import UnfinishedOutbound, UnfinishedReply
from cabinet_api.services.views import (
    AnswerView,
    ClientDetail,
    ClientProfile,
    HandoffView,
    HistoryEntry,
    IdentityView,
    Notification,
    Page,
    PaymentView,
    RatingResult,
    RatingView,
    Reachable,
    RecordingView,
    RefundView,
    RequestDetail,
    RequestEventView,
    RequestView,
    TaskView,
)
from cabinet_api.storage import StoredFile

__all__ = [
    "MAX_RECORDING_BYTES",
    "RECORDING_MIME_TYPES",
    "AcceptedEvent",
    "AcceptedInboundLedger",
    "AnswerView",
    "Audience",
    "AudienceCount",
    "BroadcastButton",
    "BroadcastService",
    "BroadcastView",
    "BusinessCalendar",
    "CabinetServices",
    "CannedReplyService",
    "CannedView",
    "ClientBroadcast",
    "ClientDetail",
    "ClientProfile",
    "ClientSignal",
    "ConsoleMessage",
    "ConsoleSessionService",
    "ContactMark",
    "ConversationConflict",
    "ConversationEventView",
    "ConversationService",
    "ConversationView",
    "Credentials",
    "DeadLetterService",
    "DeadLetterView",
    "EmptyAudience",
    "FigureRow",
    "FileContent",
    "FileLink",
    "HandoffView",
    "HistoryEntry",
    "IdentityView",
    "InvalidTransition",
    "LinkExpired",
    "ListPreview",
    "LoginTaken",
    "NewBroadcast",
    "NotFound",
    "NotOwned",
    "Notification",
    "Page",
    "PaymentView",
    "PeopleService",
    "PersonRef",
    "PersonView",
    "Progress",
    "RatingRequestService",
    "RatingRequestView",
    "RatingResult",
    "RatingView",
    "Reachable",
    "RecipientClaim",
    "RecordingRejected",
    "RecordingView",
    "RefundAmountExceeded",
    "RefundView",
    "Replay",
    "RequestClosed",
    "RequestDetail",
    "RequestEventView",
    "RequestView",
    "SendJournal",
    "SendRecord",
    "SessionView",
    "SignalService",
    "StoredFile",
    "TaskView",
    "UnfinishedOutbound",
    "UnfinishedReply",
    "UnknownClient",
    "cabinet_services",
    "normalize_phone",
]

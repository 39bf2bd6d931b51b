from __future__ import annotations

from adapters.phones import normalize_phone
from cabinet_api.services.business_time import BusinessCalendar
from cabinet_api.services.cabinet import Cabinet
from cabinet_api.services.errors import (
    InvalidTransition,
    NotFound,
    NotOwned,
    RefundAmountExceeded,
    RequestClosed,
    UnknownClient,
)
from cabinet_api.services.recordings import MAX_RECORDING_BYTES, RECORDING_MIME_TYPES, RecordingRejected
from cabinet_api.services.views import (
    AnswerView,
    ClientDetail,
    ClientProfile,
    HistoryEntry,
    IdentityView,
    Notification,
    Page,
    PaymentView,
    RatingResult,
    RatingView,
    RecordingView,
    RefundView,
    RequestDetail,
    RequestEventView,
    RequestView,
    TaskView,
)

__all__ = [
    "MAX_RECORDING_BYTES",
    "RECORDING_MIME_TYPES",
    "AnswerView",
    "BusinessCalendar",
    "Cabinet",
    "ClientDetail",
    "ClientProfile",
    "HistoryEntry",
    "IdentityView",
    "InvalidTransition",
    "NotFound",
    "NotOwned",
    "Notification",
    "Page",
    "PaymentView",
    "RatingResult",
    "RatingView",
    "RecordingRejected",
    "RecordingView",
    "RefundAmountExceeded",
    "RefundView",
    "RequestClosed",
    "RequestDetail",
    "RequestEventView",
    "RequestView",
    "TaskView",
    "UnknownClient",
    "normalize_phone",
]

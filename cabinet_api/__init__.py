"""The client cabinet: data model, services, migrations and the in-chat actions (``cabinet_api.actions``)."""

from __future__ import annotations

from cabinet_api.clock import utc_now
from cabinet_api.db import Database
from cabinet_api.services import (
    AcceptedEvent,
    BroadcastButton,
    CabinetServices,
    ClientProfile,
    DeadLetterView,
    FileLink,
    HandoffView,
    HistoryEntry,
    Notification,
    Reachable,
    RecipientClaim,
    Replay,
    RequestView,
    SendRecord,
    UnfinishedReply,
    UnknownClient,
    cabinet_services,
)

__all__ = [
    "AcceptedEvent",
    "BroadcastButton",
    "CabinetServices",
    "ClientProfile",
    "Database",
    "DeadLetterView",
    "FileLink",
    "HandoffView",
    "HistoryEntry",
    "Notification",
    "Reachable",
    "RecipientClaim",
    "Replay",
    "RequestView",
    "SendRecord",
    "UnfinishedReply",
    "UnknownClient",
    "cabinet_services",
    "utc_now",
]

"""The client cabinet: data model, services, migrations and the in-chat actions (``cabinet_api.actions``)."""

from __future__ import annotations

from cabinet_api.clock import utc_now
from cabinet_api.db import Database
from cabinet_api.services import Cabinet, ClientProfile, HistoryEntry, RequestView, UnknownClient

__all__ = ["Cabinet", "ClientProfile", "Database", "HistoryEntry", "RequestView", "UnknownClient", "utc_now"]

from __future__ import annotations

from cabinet_api.services.cabinet import Cabinet
from cabinet_api.services.errors import UnknownClient
from cabinet_api.services.phone import normalize_phone
from cabinet_api.services.views import ClientProfile, HistoryEntry, RequestView

__all__ = ["Cabinet", "ClientProfile", "HistoryEntry", "RequestView", "UnknownClient", "normalize_phone"]

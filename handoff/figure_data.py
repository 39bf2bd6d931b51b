"""Reads a period's data for the figures from the cabinet (the conversations 24 hours on, for FCR), and
the client-signal trigger report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cabinet_api.services import CabinetServices
from handoff.figures import FCR_WINDOW, Period

SIGNALS = ("silent", "complains", "refund", "unreachable")


async def period_of(cabinet: CabinetServices, since: datetime, until: datetime, now: datetime) -> Period:
    return Period(
        since=since,
        until=until,
        now=now,
        conversations=await cabinet.conversations.figure_rows(since, until + FCR_WINDOW),
        ratings=await cabinet.ratings.ratings_created(since, until),
        requests=await cabinet.rating_requests.in_period(since, until),
        tasks=await cabinet.ratings.tasks_created(since, until),
        marks=await cabinet.signals.contacts(since, until),
    )


async def triggers(cabinet: CabinetServices) -> dict[str, Any]:
    """The client-signal report: how many clients show each signal, and who they are (worst first)."""
    found = await cabinet.signals.client_signals()
    counts = {name: sum(1 for item in found if name in item.signals) for name in SIGNALS}
    ranked = sorted(
        found,
        key=lambda item: (-len(item.signals), item.lowest_score if item.lowest_score is not None else 99),
    )
    return {
        **counts,
        "clients": [
            {
                "client_id": item.client_id,
                "name": item.name,
                "signals": list(item.signals),
                "last_contact_at": item.last_contact_at.isoformat() if item.last_contact_at else None,
                "lowest_score": item.lowest_score,
                "lowest_scale": item.lowest_scale,
                "refunds": item.refunds,
            }
            for item in ranked
        ],
    }

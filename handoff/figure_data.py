"""Reads a period's data for the figures from the cabinet (the conversations 24 hours on, for FCR)."""

from __future__ import annotations

from datetime import datetime

from cabinet_api.services import CabinetServices
from handoff.figures import FCR_WINDOW, Period


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

"""The chat center's figures from its own data, per channel, queue, person and day.

``report`` follows the fixed format of ``GET /console/api/figures`` (fields are only ever added):
satisfaction (CSAT as the share of 4-5, the average rating, the response rate to rating requests, CES,
NPS, the share of low scores and the follow-up tasks they opened), speed (ASA, service level against the
target, AHT), first-contact resolution within 24 hours and the share of the bot's contacts that never
needed a person. A figure with nothing to compute from is ``None``; the counts say what each came from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from functools import cached_property
from statistics import mean
from typing import Any

from cabinet_api.services import ContactMark, FigureRow, RatingRequestView, RatingView, TaskView

FCR_WINDOW = timedelta(hours=24)
CONTACT_GAP = timedelta(minutes=30)
LOW = {"csat": 3, "ces": 4, "nps": 6}


@dataclass(frozen=True, slots=True)
class Where:
    """Where an interaction belongs: its channel, queue and person (either may be unknown)."""

    channel: str | None
    queue: str | None
    person: str | None


@dataclass(frozen=True, slots=True)
class Contact:
    """A run of a client's messages to the bot with no gap over ``CONTACT_GAP``."""

    client_id: int
    channel: str
    started_at: datetime
    ended_at: datetime


@dataclass(frozen=True, slots=True)
class Slice:
    """The data of one group over one period; ``later`` holds conversations after it (for FCR)."""

    conversations: Sequence[FigureRow] = ()
    ratings: Sequence[tuple[RatingView, Where]] = ()
    requests: Sequence[RatingRequestView] = ()
    tasks: Sequence[tuple[TaskView, Where]] = ()
    contacts: Sequence[Contact] | None = None
    later: Sequence[FigureRow] = ()
    now: datetime | None = None
    escalations: Sequence[FigureRow] = field(default=())


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return max(0.0, (later - earlier).total_seconds())


def _mean(values: Iterable[float | None], digits: int = 1) -> float | None:
    present = [value for value in values if value is not None]
    return round(mean(present), digits) if present else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def contacts_of(marks: Sequence[ContactMark]) -> list[Contact]:
    """Runs of each client's inbound messages; ``marks`` ordered by client and time."""
    found: list[Contact] = []
    current: Contact | None = None
    for mark in marks:
        if (
            current is not None
            and current.client_id == mark.client_id
            and mark.at - current.ended_at <= CONTACT_GAP
        ):
            current = replace(current, ended_at=mark.at)
            continue
        if current is not None:
            found.append(current)
        current = Contact(mark.client_id, mark.channel, mark.at, mark.at)
    if current is not None:
        found.append(current)
    return found


def _escalated(contact: Contact, conversations: Sequence[FigureRow]) -> bool:
    until = contact.ended_at + CONTACT_GAP
    return any(
        row.client_id == contact.client_id and contact.started_at <= row.queued_at <= until
        for row in conversations
    )


def _resolved_first_time(row: FigureRow, everything: Sequence[FigureRow]) -> bool:
    closed = row.closed_at
    assert closed is not None
    return not any(
        other.id != row.id
        and other.client_id == row.client_id
        and closed < other.queued_at <= closed + FCR_WINDOW
        for other in everything
    )


def _nps(scores: Sequence[int]) -> float | None:
    if not scores:
        return None
    promoters = sum(1 for score in scores if score >= 9)
    detractors = sum(1 for score in scores if score <= 6)
    return round(100 * (promoters - detractors) / len(scores), 1)


def figures(part: Slice, *, target_seconds: float) -> dict[str, Any]:
    rows = part.conversations
    answered = [row for row in rows if row.first_response_at is not None]
    waits = [_seconds(row.first_response_at, row.queued_at) for row in answered]
    in_target = sum(1 for wait in waits if wait is not None and wait <= target_seconds)
    abandoned = [row for row in rows if row.closed_at is not None and row.first_response_at is None]
    closed = [row for row in rows if row.closed_at is not None]
    handled = [row for row in closed if row.first_response_at is not None]
    everything = [*rows, *part.later]
    first_time = sum(1 for row in handled if _resolved_first_time(row, everything))

    by_scale: dict[str, list[int]] = {"csat": [], "ces": [], "nps": []}
    for rating, _ in part.ratings:
        by_scale.setdefault(rating.scale, []).append(rating.score)
    csat, ces, nps = by_scale["csat"], by_scale["ces"], by_scale["nps"]
    positive = sum(1 for score in csat if score >= 4)
    scored = [(rating.scale, rating.score) for rating, _ in part.ratings]
    low = sum(1 for scale, score in scored if score <= LOW.get(scale, -1))
    asked = [request for request in part.requests if request.subject != "nps"]
    responded = sum(1 for request in asked if request.state == "answered")

    now = part.now
    tasks = [task for task, _ in part.tasks]
    closed_tasks = [task for task in tasks if task.closed_at is not None]
    in_time = sum(1 for task in closed_tasks if task.closed_at is not None and task.closed_at <= task.due_at)
    overdue = sum(1 for task in tasks if task.closed_at is None and now is not None and now > task.due_at)

    contacts = part.contacts
    bot_resolved = None
    by_bot = 0
    if contacts is not None:
        by_bot = sum(1 for contact in contacts if not _escalated(contact, part.escalations))
        bot_resolved = _share(by_bot, len(contacts))
    return {
        "csat": _share(positive, len(csat)),
        "rating_avg": round(mean(csat), 2) if csat else None,
        "response_rate": _share(responded, len(asked)),
        "ces_avg": round(mean(ces), 2) if ces else None,
        "nps": _nps(nps),
        "dissatisfaction": _share(low, len(scored)),
        "tasks_in_time": _share(in_time, len(tasks)),
        "asa_s": _mean(waits),
        "service_level": _share(in_target, len(answered) + len(abandoned)),
        "aht_s": _mean(_seconds(row.closed_at, row.assigned_at) for row in closed if row.assigned_at),
        "fcr": _share(first_time, len(handled)),
        "bot_resolved": bot_resolved,
        "counts": {
            "conversations": len(rows),
            "answered": len(answered),
            "answered_in_target": in_target,
            "abandoned": len(abandoned),
            "closed": len(closed),
            "ratings": len(csat),
            "csat_positive": positive,
            "rating_requests": len(asked),
            "rating_responses": responded,
            "ces_ratings": len(ces),
            "nps_ratings": len(nps),
            "nps_promoters": sum(1 for score in nps if score >= 9),
            "nps_detractors": sum(1 for score in nps if score <= 6),
            "scores": len(scored),
            "low_scores": low,
            "tasks_opened": len(tasks),
            "tasks_closed": len(closed_tasks),
            "tasks_closed_in_time": in_time,
            "tasks_overdue": overdue,
            "first_contact_resolved": first_time,
            "handled": len(handled),
            "bot_contacts": len(contacts) if contacts is not None else 0,
            "bot_contacts_resolved": by_bot,
        },
    }


@dataclass(frozen=True)
class Period:
    """Everything the figures of a period read, with where each rating and task belongs."""

    since: datetime
    until: datetime
    now: datetime
    conversations: Sequence[FigureRow]
    ratings: Sequence[RatingView]
    requests: Sequence[RatingRequestView]
    tasks: Sequence[TaskView]
    marks: Sequence[ContactMark]

    def in_period(self) -> list[FigureRow]:
        return [row for row in self.conversations if self.since <= row.queued_at < self.until]

    def later(self) -> list[FigureRow]:
        return [row for row in self.conversations if row.queued_at >= self.until]

    def where(self, subject: str, subject_id: str, channel: str) -> Where:
        request = self._requests.get((subject, subject_id))
        if request is not None:
            return Where(request.channel, request.queue, request.person)
        if subject == "conversation" and subject_id.isdigit():
            row = self._conversations.get(int(subject_id))
            if row is not None:
                return Where(row.channel, row.queue, row.assignee_login)
        return Where(channel, None, None)

    @cached_property
    def _requests(self) -> dict[tuple[str, str], RatingRequestView]:
        return {(request.subject, request.subject_id): request for request in self.requests}

    @cached_property
    def _conversations(self) -> dict[int, FigureRow]:
        return {row.id: row for row in self.conversations}


Key = Callable[[Where], str | None]


def slice_of(period: Period, key: Key | None = None, name: str | None = None) -> Slice:
    """The part of ``period`` whose ``key`` is ``name`` (all of it without a key), bot contacts aside."""
    return _slice(period, key, name, with_contacts=key is None)


def _slice(period: Period, key: Key | None, name: str | None, *, with_contacts: bool) -> Slice:
    def mine(where: Where) -> bool:
        return key is None or key(where) == name

    rows = [row for row in period.in_period() if mine(Where(row.channel, row.queue, row.assignee_login))]
    requests_where = {
        id(request): period.where(request.subject, request.subject_id, request.channel)
        for request in period.requests
    }
    ratings = [
        (rating, period.where(rating.subject, rating.subject_id, rating.channel)) for rating in period.ratings
    ]
    tasks = [(task, period.where(task.subject, task.subject_id, task.channel)) for task in period.tasks]
    contacts: list[Contact] | None = None
    if with_contacts:
        contacts = [
            c for c in contacts_of(period.marks) if key is None or key(Where(c.channel, None, None)) == name
        ]
    return Slice(
        conversations=rows,
        ratings=[(rating, where) for rating, where in ratings if mine(where)],
        requests=[request for request in period.requests if mine(requests_where[id(request)])],
        tasks=[(task, where) for task, where in tasks if mine(where)],
        contacts=contacts,
        later=period.later(),
        now=period.now,
        escalations=period.conversations,
    )


def _names(period: Period, key: Key) -> list[str]:
    names: set[str | None] = {
        key(Where(row.channel, row.queue, row.assignee_login)) for row in period.in_period()
    }
    names |= {key(period.where(r.subject, r.subject_id, r.channel)) for r in period.ratings}
    names |= {key(period.where(r.subject, r.subject_id, r.channel)) for r in period.requests}
    return sorted(name for name in names if name is not None)


def grouped(
    period: Period, key: Key, *, target_seconds: float, with_contacts: bool
) -> dict[str, dict[str, Any]]:
    names = set(_names(period, key))
    if with_contacts:
        names |= {key(Where(mark.channel, None, None)) or "" for mark in period.marks} - {""}
    return {
        name: figures(_slice(period, key, name, with_contacts=with_contacts), target_seconds=target_seconds)
        for name in sorted(names)
    }


def by_day(period: Period, zone: tzinfo, *, target_seconds: float) -> dict[str, dict[str, Any]]:
    """The overall figures of each local day of the period (the charts' series)."""
    days: dict[str, dict[str, Any]] = {}
    start = period.since.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    while start < period.until:
        end = start + timedelta(days=1)
        day = Period(
            since=max(start, period.since),
            until=min(end, period.until),
            now=period.now,
            conversations=period.conversations,
            ratings=[r for r in period.ratings if start <= r.created_at < end],
            requests=[r for r in period.requests if start <= r.asked_at < end],
            tasks=[t for t in period.tasks if start <= t.created_at < end],
            marks=[m for m in period.marks if start <= m.at < end],
        )
        days[start.date().isoformat()] = figures(
            _slice(day, None, None, with_contacts=True), target_seconds=target_seconds
        )
        start = end
    return days


def report(period: Period, *, target_seconds: float, zone: tzinfo) -> dict[str, Any]:
    return {
        "from": period.since.isoformat(),
        "to": period.until.isoformat(),
        "service_level_target_s": target_seconds,
        "overall": figures(_slice(period, None, None, with_contacts=True), target_seconds=target_seconds),
        "by_channel": grouped(period, lambda w: w.channel, target_seconds=target_seconds, with_contacts=True),
        "by_person": grouped(period, lambda w: w.person, target_seconds=target_seconds, with_contacts=False),
        "by_queue": grouped(period, lambda w: w.queue, target_seconds=target_seconds, with_contacts=False),
        "by_day": by_day(period, zone, target_seconds=target_seconds),
    }

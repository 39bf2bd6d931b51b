"""What the figures read besides conversations: the clients' contacts with the bot, and client signals.

The signals follow the trigger report of a service department: who fell silent, who complains (the
lowest score of the window is low, or a follow-up is open), who asks for a refund, and who could not be
reached on the last two call backs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from cabinet_api.db import Database
from cabinet_api.models import Client, FollowUpTask, Message, Rating, RatingScale, Refund, TaskStatus

LOW_BY_SCALE = {RatingScale.CSAT.value: 3, RatingScale.CES.value: 4, RatingScale.NPS.value: 6}
SIGNAL_LIMIT = 200


@dataclass(frozen=True, slots=True)
class ContactMark:
    """A client's inbound message: the contacts the bot had are runs of these."""

    client_id: int
    channel: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ClientSignal:
    client_id: str
    name: str
    last_contact_at: datetime | None
    lowest_score: int | None
    lowest_scale: str | None
    refunds: int
    signals: tuple[str, ...]


class SignalService:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    async def contacts(self, since: datetime, until: datetime) -> list[ContactMark]:
        query = (
            select(Message.client_id, Message.channel, Message.created_at)
            .where(Message.direction == "in", Message.created_at >= since, Message.created_at < until)
            .order_by(Message.client_id, Message.created_at)
        )
        async with self._db.session() as session:
            rows = (await session.execute(query)).all()
        return [ContactMark(client_id, channel, at) for client_id, channel, at in rows]

    async def client_signals(
        self, *, window: timedelta = timedelta(days=30), silent_after: timedelta = timedelta(days=30)
    ) -> list[ClientSignal]:
        now = self._clock()
        since = now - window
        async with self._db.session() as session:
            last_contact = dict(
                (
                    await session.execute(
                        select(Message.client_id, func.max(Message.created_at))
                        .where(Message.direction == "in")
                        .group_by(Message.client_id)
                    )
                ).all()
            )
            ratings = (
                await session.execute(
                    select(Rating.client_id, Rating.scale, Rating.score).where(Rating.created_at >= since)
                )
            ).all()
            refunds = dict(
                (
                    await session.execute(
                        select(Refund.client_id, func.count(Refund.id))
                        .where(Refund.created_at >= since)
                        .group_by(Refund.client_id)
                    )
                ).all()
            )
            tasks = (
                await session.execute(
                    select(FollowUpTask.client_id, FollowUpTask.status, FollowUpTask.outcome).order_by(
                        FollowUpTask.client_id, FollowUpTask.called_at.desc(), FollowUpTask.id.desc()
                    )
                )
            ).all()
            names = dict((await session.execute(select(Client.id, Client.first_name))).all())
            public = dict((await session.execute(select(Client.id, Client.public_id))).all())
        lowest: dict[int, tuple[str, int]] = {}
        for client_id, scale, score in ratings:
            if score <= LOW_BY_SCALE.get(scale, -1):
                known = lowest.get(client_id)
                if known is None or score < known[1]:
                    lowest[client_id] = (scale, score)
        open_tasks = {client_id for client_id, status, _ in tasks if status == TaskStatus.OPEN.value}
        outcomes: dict[int, list[str | None]] = {}
        for client_id, _, outcome in tasks:
            outcomes.setdefault(client_id, []).append(outcome)
        found: list[ClientSignal] = []
        for client_id in sorted(set(public)):
            signals: list[str] = []
            last = last_contact.get(client_id)
            if last is not None and now - last > silent_after:
                signals.append("silent")
            if client_id in lowest or client_id in open_tasks:
                signals.append("complains")
            if refunds.get(client_id):
                signals.append("refund")
            if outcomes.get(client_id, [])[:2] == ["no_answer", "no_answer"]:
                signals.append("unreachable")
            if not signals:
                continue
            low = lowest.get(client_id)
            found.append(
                ClientSignal(
                    client_id=public[client_id],
                    name=names.get(client_id) or "",
                    last_contact_at=last,
                    lowest_score=low[1] if low else None,
                    lowest_scale=low[0] if low else None,
                    refunds=int(refunds.get(client_id, 0)),
                    signals=tuple(signals),
                )
            )
        return found[:SIGNAL_LIMIT]

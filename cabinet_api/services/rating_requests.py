"""The rating cascade's requests: one per finished interaction, a durable reminder timer, calls for people.

Every step is a compare-and-set on ``state`` (asked → reminded → call → called, or → answered), so any
number of processes run the timers over one database and none of them sends a reminder twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from cabinet_api.db import Database
from cabinet_api.models import Answer, Client, RatingRequest, Refund, RefundStatus, Request
from cabinet_api.services.payments import refund_number

ASKED = "asked"
REMINDED = "reminded"
CALL = "call"
CALLED = "called"
ANSWERED = "answered"
NPS_SUBJECT = "nps"


@dataclass(frozen=True, slots=True)
class RatingRequestView:
    id: int
    client_id: int
    subject: str
    subject_id: str
    channel: str
    queue: str | None
    person: str | None
    reply_to: Mapping[str, Any]
    state: str
    call_wanted: bool
    asked_at: datetime
    remind_at: datetime | None
    reminded_at: datetime | None
    answered_at: datetime | None


@dataclass(frozen=True, slots=True)
class AnsweredRequest:
    """A lawyer's answer to a request that has no rating request yet."""

    client_id: int
    request_public_id: str
    lawyer: str
    answered_at: datetime


@dataclass(frozen=True, slots=True)
class DecidedRefund:
    """A refund application approved or rejected, that has no rating request yet."""

    client_id: int
    refund_public_id: str
    number: str
    decided_at: datetime


def _view(row: RatingRequest) -> RatingRequestView:
    return RatingRequestView(
        id=row.id,
        client_id=row.client_id,
        subject=row.subject,
        subject_id=row.subject_id,
        channel=row.channel,
        queue=row.queue,
        person=row.person,
        reply_to=dict(row.reply_to),
        state=row.state,
        call_wanted=row.call_wanted,
        asked_at=row.asked_at,
        remind_at=row.remind_at,
        reminded_at=row.reminded_at,
        answered_at=row.answered_at,
    )


class RatingRequestService:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock
        table = cast(Table, RatingRequest.__table__)
        self._latest = (
            select(*table.columns)
            .where(
                table.c.client_id == bindparam("client_id"),
                table.c.subject == bindparam("subject"),
                table.c.asked_at >= bindparam("since"),
            )
            .order_by(table.c.asked_at.desc(), table.c.id.desc())
            .limit(1)
        )

    async def opted_out(self, client_id: int) -> bool:
        async with self._db.session() as session:
            client = await session.get(Client, client_id)
            return client is None or client.rating_opt_out

    async def set_opt_out(self, client_id: int, opted_out: bool) -> bool:
        """True when this changed the client's choice."""
        async with self._db.session() as session:
            result = await session.execute(
                update(Client)
                .where(Client.id == client_id, Client.rating_opt_out.is_not(opted_out))
                .values(rating_opt_out=opted_out)
            )
            changed = bool(getattr(result, "rowcount", 0))
            if opted_out:
                await session.execute(
                    update(RatingRequest)
                    .where(RatingRequest.client_id == client_id, RatingRequest.state.in_((ASKED, REMINDED)))
                    .values(remind_at=None)
                )
            return changed

    async def ask(
        self,
        client_id: int,
        *,
        subject: str,
        subject_id: str,
        channel: str,
        reply_to: Mapping[str, Any],
        queue: str | None = None,
        person: str | None = None,
        remind_after: timedelta | None = None,
        call_wanted: bool = False,
        asked_at: datetime | None = None,
    ) -> RatingRequestView | None:
        """The new request, or None: the interaction was asked about already, or the client opted out.
        ``asked_at``: when the client was first asked, if not now (the timer counts from then)."""
        if await self.opted_out(client_id):
            return None
        now = asked_at or self._clock()
        try:
            async with self._db.session() as session:
                row = RatingRequest(
                    client_id=client_id,
                    subject=subject,
                    subject_id=subject_id,
                    channel=channel,
                    queue=queue,
                    person=person,
                    reply_to=dict(reply_to),
                    state=ASKED,
                    call_wanted=call_wanted,
                    asked_at=now,
                    remind_at=now + remind_after if remind_after is not None else None,
                )
                session.add(row)
                await session.flush()
                return _view(row)
        except IntegrityError:
            return None

    async def find(self, subject: str, subject_id: str) -> RatingRequestView | None:
        async with self._db.session() as session:
            row = await session.scalar(
                select(RatingRequest).where(
                    RatingRequest.subject == subject, RatingRequest.subject_id == subject_id
                )
            )
            return _view(row) if row is not None else None

    async def latest_of(self, client_id: int, subject: str, since: datetime) -> RatingRequestView | None:
        """The client's latest request about a ``subject`` asked after ``since`` (a typed score answers
        the question of it still owed).

        Asked for every free text a client writes, and nearly always answered "none": one grouped read."""
        key = {"client_id": client_id, "subject": subject, "since": since}

        async def read(connection: AsyncConnection) -> dict[str, Any] | None:
            row = (await connection.execute(self._latest, key)).first()
            return None if row is None else row._asdict()

        found = await self._db.grouped(read)
        return None if found is None else RatingRequestView(**found | {"reply_to": dict(found["reply_to"])})

    async def answered(self, subject: str, subject_id: str) -> None:
        async with self._db.session() as session:
            await session.execute(
                update(RatingRequest)
                .where(
                    RatingRequest.subject == subject,
                    RatingRequest.subject_id == subject_id,
                    RatingRequest.state.in_((ASKED, REMINDED, CALL)),
                )
                .values(state=ANSWERED, answered_at=self._clock(), remind_at=None)
            )

    async def unasked_answers(self, since: datetime, *, limit: int = 100) -> list[AnsweredRequest]:
        """Lawyers' answers given after ``since`` whose request the cascade does not follow yet."""
        followed = exists().where(
            RatingRequest.subject == "request", RatingRequest.subject_id == Request.public_id
        )
        query = (
            select(Request.client_id, Request.public_id, Answer.lawyer, Answer.created_at)
            .join(Answer, Answer.request_id == Request.id)
            .where(Answer.created_at >= since, ~followed)
            .order_by(Answer.created_at, Answer.id)
            .limit(limit)
        )
        async with self._db.session() as session:
            rows = (await session.execute(query)).all()
        return [
            AnsweredRequest(client_id, public_id, lawyer, at) for client_id, public_id, lawyer, at in rows
        ]

    async def unasked_refunds(self, since: datetime, *, limit: int = 100) -> list[DecidedRefund]:
        """Refund applications decided (approved or rejected) after ``since`` and not asked about yet."""
        followed = exists().where(
            RatingRequest.subject == "refund", RatingRequest.subject_id == Refund.public_id
        )
        decided = (RefundStatus.APPROVED.value, RefundStatus.REJECTED.value)
        query = (
            select(Refund.client_id, Refund.public_id, Refund.number, Refund.updated_at)
            .where(Refund.status.in_(decided), Refund.updated_at >= since, ~followed)
            .order_by(Refund.updated_at, Refund.id)
            .limit(limit)
        )
        async with self._db.session() as session:
            rows = (await session.execute(query)).all()
        return [
            DecidedRefund(client_id, public_id, refund_number(number), at)
            for client_id, public_id, number, at in rows
        ]

    async def nps_asked_since(self, client_id: int, since: datetime) -> bool:
        async with self._db.session() as session:
            found = await session.scalar(
                select(RatingRequest.id).where(
                    RatingRequest.client_id == client_id,
                    RatingRequest.subject == NPS_SUBJECT,
                    RatingRequest.asked_at >= since,
                )
            )
            return found is not None

    async def claim_due(self, *, call_after: timedelta, limit: int = 100) -> list[RatingRequestView]:
        """Requests whose timer is due, each claimed by this caller alone.

        An asked one becomes ``reminded`` (its timer set again ``call_after`` later when it wants a call);
        a reminded one that wants a call becomes ``call``. The caller sends the reminder or shows the call.
        """
        now = self._clock()
        async with self._db.session() as session:
            due = (
                await session.scalars(
                    select(RatingRequest)
                    .where(RatingRequest.remind_at <= now, RatingRequest.state.in_((ASKED, REMINDED)))
                    .order_by(RatingRequest.remind_at, RatingRequest.id)
                    .limit(limit)
                )
            ).all()
        claimed: list[RatingRequestView] = []
        for row in due:
            if row.state == ASKED:
                values: dict[str, Any] = {
                    "state": REMINDED,
                    "reminded_at": now,
                    "remind_at": now + call_after if row.call_wanted else None,
                }
            else:
                values = {"state": CALL, "remind_at": None}
            async with self._db.session() as session:
                result = await session.execute(
                    update(RatingRequest)
                    .where(RatingRequest.id == row.id, RatingRequest.state == row.state)
                    .values(**values)
                )
                if getattr(result, "rowcount", 0) != 1:
                    continue
                fresh = await session.get(RatingRequest, row.id, populate_existing=True)
                if fresh is not None:
                    claimed.append(_view(fresh))
        return claimed

    async def calls(self) -> list[RatingRequestView]:
        """Interactions that matter, not rated after a reminder: a person calls the client."""
        async with self._db.session() as session:
            rows = await session.scalars(
                select(RatingRequest).where(RatingRequest.state == CALL).order_by(RatingRequest.id)
            )
            return [_view(row) for row in rows]

    async def record_call(self, request_id: int) -> bool:
        async with self._db.session() as session:
            result = await session.execute(
                update(RatingRequest)
                .where(RatingRequest.id == request_id, RatingRequest.state == CALL)
                .values(state=CALLED, answered_at=self._clock())
            )
            return bool(getattr(result, "rowcount", 0))

    async def in_period(self, since: datetime, until: datetime) -> list[RatingRequestView]:
        async with self._db.session() as session:
            rows = await session.scalars(
                select(RatingRequest).where(RatingRequest.asked_at >= since, RatingRequest.asked_at < until)
            )
            return [_view(row) for row in rows]

"""Ratings of finished interactions (CSAT 1-5, CES 1-7) and the follow-up tasks low scores open."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from cabinet_api.db import Database
from cabinet_api.models import (
    Client,
    Conversation,
    FollowUpTask,
    Rating,
    RatingRequest,
    RatingScale,
    RatingSubject,
    Refund,
    Request,
    TaskStatus,
)
from cabinet_api.services.business_time import BusinessCalendar
from cabinet_api.services.errors import InvalidTransition, NotOwned, UnknownClient
from cabinet_api.services.ownership import by_public_id, owned
from cabinet_api.services.views import RatingResult, RatingView, TaskView

logger = logging.getLogger(__name__)

SCALE_RANGES: Mapping[RatingScale, range] = {
    RatingScale.CSAT: range(1, 6),
    RatingScale.CES: range(1, 8),
    RatingScale.NPS: range(0, 11),
}
LOW_CSAT = 3
LOW_SCORES: Mapping[RatingScale, int] = {RatingScale.CSAT: LOW_CSAT, RatingScale.CES: 4, RatingScale.NPS: 6}
CALL_OUTCOMES = frozenset({"resolved", "explained", "no_answer", "declined", "callback_later"})
FOLLOW_UP_BUSINESS_HOURS = 24
COMMENT_MAX_LENGTH = 2000


def _rating_view(rating: Rating) -> RatingView:
    return RatingView(
        public_id=rating.public_id,
        client_id=rating.client_id,
        subject=rating.subject,
        subject_id=rating.subject_id,
        scale=rating.scale,
        score=rating.score,
        channel=rating.channel,
        comment=rating.comment,
        created_at=rating.created_at,
    )


def _task_view(task: FollowUpTask, rating: Rating, client_public_id: str) -> TaskView:
    return TaskView(
        public_id=task.public_id,
        client_id=task.client_id,
        client_public_id=client_public_id,
        rating_id=rating.public_id,
        subject=rating.subject,
        subject_id=rating.subject_id,
        score=rating.score,
        comment=rating.comment,
        status=task.status,
        due_at=task.due_at,
        note=task.note,
        created_at=task.created_at,
        closed_at=task.closed_at,
        scale=rating.scale,
        channel=rating.channel,
        called_at=task.called_at,
        outcome=task.outcome,
        handled_by=task.handled_by,
    )


def _tasks_query() -> Select[FollowUpTask, Rating, str]:
    return (
        select(FollowUpTask, Rating, Client.public_id)
        .join(Rating, FollowUpTask.rating_id == Rating.id)
        .join(Client, FollowUpTask.client_id == Client.id)
    )


async def _own_conversation(session: AsyncSession, subject_id: str, client_id: int) -> None:
    """A client rates only a conversation of theirs that is closed."""
    conversation = await session.get(Conversation, int(subject_id)) if subject_id.isdigit() else None
    if conversation is None or conversation.client_id != client_id or conversation.state != "closed":
        raise NotOwned("conversation", subject_id)


class RatingService:
    def __init__(self, db: Database, clock: Callable[[], datetime], calendar: BusinessCalendar) -> None:
        self._db = db
        self._clock = clock
        self._calendar = calendar
        self._latest = (
            select(*(getattr(Rating, name) for name in RatingView.__dataclass_fields__))
            .where(Rating.client_id == bindparam("client_id"))
            .order_by(Rating.created_at.desc(), Rating.id.desc())
            .limit(1)
        )

    async def rate(
        self,
        client_id: int,
        *,
        subject: str,
        subject_id: str,
        scale: str,
        score: int,
        channel: str,
        comment: str | None = None,
    ) -> RatingResult:
        """One rating per (subject, subject_id, scale): a repeat, even a concurrent one, gets ``already``."""
        checked_subject, checked_scale = RatingSubject(subject), RatingScale(scale)
        if score not in SCALE_RANGES[checked_scale]:
            bounds = SCALE_RANGES[checked_scale]
            raise ValueError(f"{scale} score must be {bounds.start}..{bounds.stop - 1}")
        existing = await self._existing(checked_subject, subject_id, checked_scale)
        if existing is not None:
            return existing
        try:
            async with self._db.session() as session:
                return await self._insert(
                    session, client_id, checked_subject, subject_id, checked_scale, score, channel, comment
                )
        except IntegrityError:
            repeated = await self._existing(checked_subject, subject_id, checked_scale)
            if repeated is None:
                raise
            return repeated

    async def add_rating_comment(self, client_id: int, rating_id: str, comment: str) -> None:
        comment = comment.strip()
        if not comment:
            raise ValueError("comment must not be empty")
        async with self._db.session() as session:
            rating = await owned(session, Rating, "rating", rating_id, client_id)
            rating.comment = comment[:COMMENT_MAX_LENGTH]

    async def list_ratings(
        self, *, client_id: int | None = None, subject: str | None = None, subject_id: str | None = None
    ) -> list[RatingView]:
        query = select(Rating).order_by(Rating.created_at.desc(), Rating.id.desc())
        if client_id is not None:
            query = query.where(Rating.client_id == client_id)
        if subject is not None:
            query = query.where(Rating.subject == RatingSubject(subject).value)
        if subject_id is not None:
            query = query.where(Rating.subject_id == subject_id)
        async with self._db.session() as session:
            return [_rating_view(rating) for rating in await session.scalars(query)]

    async def latest_of(self, client_id: int) -> RatingView | None:
        """The client's latest rating: asked for every free text a client writes (is it a comment on
        a score just given?), so one grouped read."""

        async def read(connection: AsyncConnection) -> RatingView | None:
            row = (await connection.execute(self._latest, {"client_id": client_id})).first()
            return None if row is None else RatingView(**row._asdict())

        return await self._db.grouped(read)

    async def list_tasks(self, *, status: str | None = None) -> list[TaskView]:
        """Soonest due first."""
        query = _tasks_query().order_by(FollowUpTask.due_at, FollowUpTask.id)
        if status is not None:
            query = query.where(FollowUpTask.status == TaskStatus(status).value)
        async with self._db.session() as session:
            rows = await session.execute(query)
            return [_task_view(*row) for row in rows.all()]

    async def close_task(self, public_id: str, *, note: str | None = None) -> TaskView:
        async with self._db.session() as session:
            task = await by_public_id(session, FollowUpTask, "task", public_id, for_update=True)
            if task.status != TaskStatus.OPEN:
                raise InvalidTransition("task", task.status, TaskStatus.CLOSED.value)
            task.status = TaskStatus.CLOSED.value
            task.closed_at = self._clock()
            task.note = (note or "").strip() or task.note
            await session.flush()
            row = (await session.execute(_tasks_query().where(FollowUpTask.id == task.id))).one()
            return _task_view(*row)

    async def take_task(self, public_id: str, login: str) -> TaskView:
        """A person takes the call back on themselves (a supervisor may hand it on by taking it again)."""
        async with self._db.session() as session:
            task = await by_public_id(session, FollowUpTask, "task", public_id, for_update=True)
            if task.status != TaskStatus.OPEN:
                raise InvalidTransition("task", task.status, "taken")
            task.handled_by = login
            return await self._task(session, task)

    async def record_call(self, public_id: str, *, login: str, outcome: str, note: str | None) -> TaskView:
        """The call back happened: when, by whom, how it went; the task stays open until closed."""
        if outcome not in CALL_OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(sorted(CALL_OUTCOMES))}")
        async with self._db.session() as session:
            task = await by_public_id(session, FollowUpTask, "task", public_id, for_update=True)
            if task.status != TaskStatus.OPEN:
                raise InvalidTransition("task", task.status, "called")
            task.called_at = self._clock()
            task.outcome = outcome
            task.handled_by = task.handled_by or login
            task.note = (note or "").strip()[:COMMENT_MAX_LENGTH] or task.note
            return await self._task(session, task)

    async def task(self, public_id: str) -> TaskView:
        async with self._db.session() as session:
            task = await by_public_id(session, FollowUpTask, "task", public_id)
            return await self._task(session, task)

    async def tasks_created(self, since: datetime, until: datetime) -> list[TaskView]:
        query = _tasks_query().where(FollowUpTask.created_at >= since, FollowUpTask.created_at < until)
        async with self._db.session() as session:
            return [_task_view(*row) for row in (await session.execute(query)).all()]

    async def ratings_created(self, since: datetime, until: datetime) -> list[RatingView]:
        query = select(Rating).where(Rating.created_at >= since, Rating.created_at < until)
        async with self._db.session() as session:
            return [_rating_view(rating) for rating in await session.scalars(query)]

    async def _task(self, session: AsyncSession, task: FollowUpTask) -> TaskView:
        await session.flush()
        row = (await session.execute(_tasks_query().where(FollowUpTask.id == task.id))).one()
        return _task_view(*row)

    async def _existing(
        self, subject: RatingSubject, subject_id: str, scale: RatingScale
    ) -> RatingResult | None:
        async with self._db.session() as session:
            rating = await session.scalar(
                select(Rating).where(
                    Rating.subject == subject.value,
                    Rating.subject_id == subject_id,
                    Rating.scale == scale.value,
                )
            )
            if rating is None:
                return None
            task_id = await session.scalar(
                select(FollowUpTask.public_id).where(FollowUpTask.rating_id == rating.id)
            )
            return RatingResult(rating_id=rating.public_id, score=rating.score, already=True, task_id=task_id)

    async def _insert(
        self,
        session: AsyncSession,
        client_id: int,
        subject: RatingSubject,
        subject_id: str,
        scale: RatingScale,
        score: int,
        channel: str,
        comment: str | None,
    ) -> RatingResult:
        if await session.get(Client, client_id) is None:
            raise UnknownClient(client_id)
        if subject is RatingSubject.REQUEST:
            await owned(session, Request, "request", subject_id, client_id)
        if subject is RatingSubject.CONVERSATION:
            await _own_conversation(session, subject_id, client_id)
        if subject is RatingSubject.REFUND:
            await owned(session, Refund, "refund", subject_id, client_id)
        now = self._clock()
        rating = Rating(
            client_id=client_id,
            subject=subject.value,
            subject_id=subject_id,
            scale=scale.value,
            score=score,
            channel=channel,
            comment=(comment or "").strip()[:COMMENT_MAX_LENGTH] or None,
            created_at=now,
        )
        session.add(rating)
        await session.flush()
        if scale is RatingScale.CSAT:
            await session.execute(
                update(RatingRequest)
                .where(
                    RatingRequest.subject == subject.value,
                    RatingRequest.subject_id == subject_id,
                    RatingRequest.state.in_(("asked", "reminded", "call")),
                )
                .values(state="answered", answered_at=now, remind_at=None)
            )
        task_id = None
        if score <= LOW_SCORES[scale]:
            task = FollowUpTask(
                client_id=client_id,
                rating_id=rating.id,
                status=TaskStatus.OPEN.value,
                due_at=self._calendar.add_business_hours(now, FOLLOW_UP_BUSINESS_HOURS),
                created_at=now,
            )
            session.add(task)
            await session.flush()
            task_id = task.public_id
            logger.info("low %s score on %s opened follow-up task %s", scale.value, subject.value, task_id)
        return RatingResult(rating_id=rating.public_id, score=score, already=False, task_id=task_id)

"""Requests (обращения): creation with a human number and the contractual deadline, listing, opening."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.types import FileRef
from cabinet_api.db import Database
from cabinet_api.models import (
    Answer,
    AnswerFormat,
    Client,
    Request,
    RequestEvent,
    RequestStatus,
    Urgency,
)
from cabinet_api.services.counters import next_value
from cabinet_api.services.errors import UnknownClient
from cabinet_api.services.ownership import owned
from cabinet_api.services.request_views import answer_view, event_view, request_detail, request_view
from cabinet_api.services.views import Page, RequestDetail, RequestView

ANSWER_DEADLINES = {AnswerFormat.ORAL: timedelta(hours=24), AnswerFormat.WRITTEN: timedelta(hours=48)}
REQUEST_COUNTER = "request"
TOPIC_MAX_LENGTH = 255


def due_at(created_at: datetime, answer_format: AnswerFormat, urgency: Urgency) -> datetime:
    """An emergency is answered at once; otherwise the contractual 24 h (oral) or 48 h (written)."""
    if urgency is Urgency.EMERGENCY:
        return created_at
    return created_at + ANSWER_DEADLINES[answer_format]


class RequestService:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    async def create_request(
        self,
        client_id: int,
        *,
        topic: str,
        description: str,
        answer_format: str,
        urgency: str = "normal",
        channel: str,
        attachments: Iterable[FileRef] = (),
        source_event: str | None = None,
    ) -> RequestView:
        """Raises ValueError for invalid input and UnknownClient for a client that does not exist.

        ``source_event`` (the chat event that files it) makes the call idempotent: a replay of the
        same event returns the request already filed instead of filing a second one.
        """
        checked_format = AnswerFormat(answer_format)
        checked_urgency = Urgency(urgency)
        topic, description, channel = topic.strip(), description.strip(), channel.strip()
        if not topic or not description or not channel:
            raise ValueError("topic, description and channel must not be empty")
        files = [attachment.as_json() for attachment in attachments]
        if source_event is not None:
            filed = await self._filed_by(client_id, source_event)
            if filed is not None:
                return filed
        now = self._clock()
        try:
            return await self._insert(
                client_id,
                topic,
                description,
                checked_format,
                checked_urgency,
                channel,
                files,
                source_event,
                now,
            )
        except IntegrityError:
            filed = await self._filed_by(client_id, source_event) if source_event is not None else None
            if filed is None:
                raise
            return filed

    async def _filed_by(self, client_id: int, source_event: str) -> RequestView | None:
        async with self._db.session() as session:
            request = await session.scalar(
                select(Request).where(Request.source_event == source_event, Request.client_id == client_id)
            )
            return None if request is None else request_view(request)

    async def _insert(
        self,
        client_id: int,
        topic: str,
        description: str,
        checked_format: AnswerFormat,
        checked_urgency: Urgency,
        channel: str,
        files: list[dict[str, Any]],
        source_event: str | None,
        now: datetime,
    ) -> RequestView:
        async with self._db.session() as session:
            if await session.get(Client, client_id) is None:
                raise UnknownClient(client_id)
            request = Request(
                number=await self._next_number(session),
                client_id=client_id,
                topic=topic[:TOPIC_MAX_LENGTH],
                description=description,
                answer_format=checked_format.value,
                urgency=checked_urgency.value,
                status=RequestStatus.NEW.value,
                due_at=due_at(now, checked_format, checked_urgency),
                channel=channel,
                attachments=files,
                source_event=source_event,
                created_at=now,
                updated_at=now,
            )
            session.add(request)
            await session.flush()
            return request_view(request)

    async def _next_number(self, session: AsyncSession) -> int:
        return await next_value(session, REQUEST_COUNTER, is_sqlite=self._db.is_sqlite)

    async def list_requests(self, client_id: int, *, page: int = 0, per_page: int = 5) -> Page[RequestView]:
        """The client's requests, newest first, one page at a time (pages count from 0)."""
        if page < 0 or per_page < 1:
            raise ValueError("page must be >= 0 and per_page >= 1")
        mine = Request.client_id == client_id
        async with self._db.session() as session:
            total = int(await session.scalar(select(func.count()).select_from(Request).where(mine)) or 0)
            rows = await session.scalars(
                select(Request)
                .where(mine)
                .order_by(Request.created_at.desc(), Request.id.desc())
                .offset(page * per_page)
                .limit(per_page)
            )
            items = [request_view(request) for request in rows]
        return Page.of(items, page=page, per_page=per_page, total=total)

    async def get_request(self, client_id: int, public_id: str) -> RequestDetail:
        async with self._db.session() as session:
            request = await owned(session, Request, "request", public_id, client_id)
            events = await session.scalars(
                select(RequestEvent).where(RequestEvent.request_id == request.id).order_by(RequestEvent.id)
            )
            answer = await session.scalar(
                select(Answer).where(Answer.request_id == request.id).order_by(Answer.id.desc()).limit(1)
            )
            return request_detail(
                request,
                events=[event_view(event) for event in events],
                answer=None if answer is None else answer_view(answer, request),
            )

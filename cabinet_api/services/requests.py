"""Requests (обращения): creation with a human number and the contractual deadline."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cabinet_api.db import Database
from cabinet_api.models import AnswerFormat, Client, Counter, Request, RequestStatus, Urgency
from cabinet_api.services.errors import UnknownClient
from cabinet_api.services.upsert import insert_on_conflict
from cabinet_api.services.views import RequestView

ANSWER_DEADLINES = {AnswerFormat.ORAL: timedelta(hours=24), AnswerFormat.WRITTEN: timedelta(hours=48)}
REQUEST_COUNTER = "request"
TOPIC_MAX_LENGTH = 255


def due_at(created_at: datetime, answer_format: AnswerFormat, urgency: Urgency) -> datetime:
    """An emergency is answered at once; otherwise the contractual 24 h (oral) or 48 h (written)."""
    if urgency is Urgency.EMERGENCY:
        return created_at
    return created_at + ANSWER_DEADLINES[answer_format]


def file_ref(attachment: Mapping[str, Any], default_channel: str) -> dict[str, Any]:
    """A file reference ``{channel, file_id, name, mime, size}``; ValueError without a file id."""
    file_id = attachment.get("file_id")
    if not isinstance(file_id, str) or not file_id:
        raise ValueError("attachment without a file_id")
    size = attachment.get("size")
    return {
        "channel": str(attachment.get("channel") or default_channel),
        "file_id": file_id,
        "name": attachment.get("name"),
        "mime": attachment.get("mime"),
        "size": size if isinstance(size, int) else None,
    }


def _view(request: Request) -> RequestView:
    return RequestView(
        id=request.id,
        public_id=request.public_id,
        number=request.number,
        client_id=request.client_id,
        topic=request.topic,
        description=request.description,
        answer_format=request.answer_format,
        urgency=request.urgency,
        status=request.status,
        due_at=request.due_at,
        channel=request.channel,
        attachments=tuple(request.attachments),
        created_at=request.created_at,
    )


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
        attachments: Iterable[Mapping[str, Any]] = (),
    ) -> RequestView:
        """Raises ValueError for invalid input and UnknownClient for a client that does not exist."""
        checked_format = AnswerFormat(answer_format)
        checked_urgency = Urgency(urgency)
        topic, description, channel = topic.strip(), description.strip(), channel.strip()
        if not topic or not description or not channel:
            raise ValueError("topic, description and channel must not be empty")
        files = [file_ref(attachment, channel) for attachment in attachments]
        now = self._clock()
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
                created_at=now,
                updated_at=now,
            )
            session.add(request)
            await session.flush()
            return _view(request)

    async def _next_number(self, session: AsyncSession) -> int:
        """Atomic on both backends: the upsert locks the counter row until the request commits."""
        statement = (
            insert_on_conflict(Counter, is_sqlite=self._db.is_sqlite)
            .values(name=REQUEST_COUNTER, value=1)
            .on_conflict_do_update(index_elements=["name"], set_={"value": Counter.value + 1})
            .returning(Counter.value)
        )
        return int((await session.execute(statement)).scalar_one())

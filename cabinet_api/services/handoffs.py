"""Requests to hand a client to people, recorded for the ``handoff`` package, which decides who answers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from cabinet_api.db import Database
from cabinet_api.models import Client, HandoffRecord, HandoffStatus
from cabinet_api.services.errors import UnknownClient
from cabinet_api.services.views import HandoffView

NAME_MAX_LENGTH = 64
NOTE_MAX_LENGTH = 4000


def _view(record: HandoffRecord) -> HandoffView:
    return HandoffView(
        id=record.id,
        client_id=record.client_id,
        queue=record.queue,
        reason=record.reason,
        channel=record.channel,
        note=record.note,
        status=record.status,
        created_at=record.created_at,
    )


def _name(value: str, field: str) -> str:
    value = value.strip()
    if not value or len(value) > NAME_MAX_LENGTH:
        raise ValueError(f"{field} must have 1 to {NAME_MAX_LENGTH} characters")
    return value


class HandoffService:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    async def record_handoff(
        self, client_id: int, *, queue: str, reason: str, channel: str, note: str | None = None
    ) -> HandoffView:
        """A waiting request; a note (which may quote the client) is kept to its first 4000 characters."""
        queue, reason = _name(queue, "queue"), _name(reason, "reason")
        note = (note or "").strip()[:NOTE_MAX_LENGTH] or None
        async with self._db.session() as session:
            if await session.get(Client, client_id) is None:
                raise UnknownClient(client_id)
            record = HandoffRecord(
                client_id=client_id,
                queue=queue,
                reason=reason,
                note=note,
                channel=channel,
                status=HandoffStatus.WAITING.value,
                created_at=self._clock(),
            )
            session.add(record)
            await session.flush()
            return _view(record)

    async def handoffs_of(self, client_id: int) -> list[HandoffView]:
        """The client's requests for a person, oldest first."""
        async with self._db.session() as session:
            records = await session.scalars(
                select(HandoffRecord)
                .where(HandoffRecord.client_id == client_id)
                .order_by(HandoffRecord.created_at, HandoffRecord.id)
            )
            return [_view(record) for record in records]

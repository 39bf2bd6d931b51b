"""A minimal record of hand-offs to people, until the handoff package owns conversations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from cabinet_api.db import Database
from cabinet_api.models import Client, HandoffRecord, HandoffStatus
from cabinet_api.services.errors import UnknownClient


class HandoffService:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    async def record_handoff(
        self, client_id: int, *, queue: str, reason: str, channel: str, note: str | None = None
    ) -> int:
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
            return record.id

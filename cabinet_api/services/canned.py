"""Canned replies the console offers; their variables are filled by the handoff package."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete, select

from cabinet_api.db import Database
from cabinet_api.models import CannedReply
from cabinet_api.services.console_views import CannedView
from cabinet_api.services.errors import NotFound

TITLE_MAX = 120
TEXT_MAX = 4000


def _view(reply: CannedReply) -> CannedView:
    return CannedView(id=reply.id, title=reply.title, text=reply.text)


class CannedReplyService:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    async def add_canned(self, *, title: str, text: str) -> CannedView:
        title, text = title.strip(), text.strip()
        if not title or len(title) > TITLE_MAX:
            raise ValueError(f"title must have 1 to {TITLE_MAX} characters")
        if not text or len(text) > TEXT_MAX:
            raise ValueError(f"text must have 1 to {TEXT_MAX} characters")
        async with self._db.session() as session:
            reply = CannedReply(title=title, text=text, created_at=self._clock())
            session.add(reply)
            await session.flush()
            return _view(reply)

    async def canned_replies(self) -> list[CannedView]:
        async with self._db.session() as session:
            return [
                _view(reply)
                for reply in await session.scalars(select(CannedReply).order_by(CannedReply.title))
            ]

    async def canned(self, canned_id: int) -> CannedView:
        async with self._db.session() as session:
            reply = await session.get(CannedReply, canned_id)
            if reply is None:
                raise NotFound("canned reply", str(canned_id))
            return _view(reply)

    async def remove_canned(self, canned_id: int) -> None:
        async with self._db.session() as session:
            result = await session.execute(delete(CannedReply).where(CannedReply.id == canned_id))
            if not result.rowcount:  # type: ignore[attr-defined]  # CursorResult of a DELETE
                raise NotFound("canned reply", str(canned_id))

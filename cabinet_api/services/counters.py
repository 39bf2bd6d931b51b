"""Gapless human numbers (requests, refund applications) from named counters."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from cabinet_api.models import Counter
from cabinet_api.services.upsert import insert_on_conflict


async def next_value(session: AsyncSession, name: str, *, is_sqlite: bool) -> int:
    """Atomic on both backends: the upsert locks the counter row until the caller's transaction ends."""
    statement = (
        insert_on_conflict(Counter, is_sqlite=is_sqlite)
        .values(name=name, value=1)
        .on_conflict_do_update(index_elements=["name"], set_={"value": Counter.value + 1})
        .returning(Counter.value)
    )
    return int((await session.execute(statement)).scalar_one())

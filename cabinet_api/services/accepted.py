"""Accepted inbound events: what a webhook answered 200 for, until the inbox has handled it.

Where the work queues live in Redis, the webhook writes the event here before its 200, and the
inbox marks it handled once it has finished with it (its replies are in the outbox). What stays unhandled is
what a Redis that restarted empty forgot: the inbox handles a conversation's earlier unhandled
events before its next one (:meth:`earlier_unhandled`), and a sweep queues old ones again
(:meth:`claim_stale`), so nothing accepted is lost and each conversation keeps its order.

Handled rows are kept a day (:meth:`prune`); an event queued again ``MAX_REQUEUES`` times without
being handled (one the inbox dead-lettered) is left alone. A sweep's claim counts only once the inbox
took the event (:meth:`requeued`), not when it refused it as still queued behind a backlog.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cabinet_api.db import Database
from cabinet_api.direct_groups import write_only, writes_once
from cabinet_api.models import AcceptedInbound
from cabinet_api.services.upsert import insert_on_conflict

MAX_REQUEUES = 5
KEEP_HANDLED = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class AcceptedEvent:
    dedupe_key: str
    conversation_key: str
    payload: bytes


class AcceptedInboundLedger:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock
        table = cast(Table, AcceptedInbound.__table__)
        self._record = insert_on_conflict(table, is_sqlite=db.is_sqlite).on_conflict_do_nothing(
            index_elements=["dedupe_key"]
        )
        # Built once: on every message's path, building a statement cost more than running it.
        this = select(table.c.id).where(table.c.dedupe_key == bindparam("dedupe_key")).scalar_subquery()
        self._earlier_unhandled = (
            select(table.c.dedupe_key, table.c.payload)
            .where(
                table.c.conversation_key == bindparam("conversation_key"),
                table.c.handled_at.is_(None),
                table.c.id < this,
                table.c.requeues < MAX_REQUEUES,
            )
            .order_by(table.c.id)
            .limit(bindparam("limit"))
        )
        self._mark_handled = write_only(
            update(table)
            .where(table.c.dedupe_key == bindparam("b_dedupe_key"), table.c.handled_at.is_(None))
            .values(handled_at=bindparam("handled_at"))
        )

    async def record(self, events: list[AcceptedEvent]) -> None:
        """Before the webhook's 200, grouped with concurrent webhooks' records but apart from the
        workers' writes (queued behind those, the 200 waited twice as long); a redelivered event
        stays as it was."""
        if not events:
            return
        now = self._clock()
        rows = [
            {
                "dedupe_key": event.dedupe_key,
                "conversation_key": event.conversation_key,
                "payload": event.payload,
                "accepted_at": now,
                "requeues": 0,
            }
            for event in events
        ]

        @writes_once
        async def record(connection: AsyncConnection) -> None:
            await connection.execute(self._record, rows)

        await self._db.grouped_for_reply(record)

    async def earlier_unhandled(
        self, dedupe_key: str, conversation_key: str, *, limit: int = 20
    ) -> list[tuple[str, bytes]]:
        """The conversation's events accepted before this one and never handled, oldest first, as
        (dedupe key, payload); read in the workers' group commit (a transaction of its own cost a
        third of the throughput)."""
        params = {"dedupe_key": dedupe_key, "conversation_key": conversation_key, "limit": limit}

        async def read(connection: AsyncConnection) -> list[tuple[str, bytes]]:
            rows = await connection.execute(self._earlier_unhandled, params)
            return [(key, payload) for key, payload in rows]

        return await self._db.grouped(read)

    async def mark_handled(self, dedupe_key: str) -> None:
        """Once the inbox has finished with the event (its replies are in the outbox), in the
        workers' group commit."""
        params = {"b_dedupe_key": dedupe_key, "handled_at": self._clock()}

        @writes_once
        async def mark(connection: AsyncConnection) -> None:
            await connection.execute(self._mark_handled, params)

        await self._db.grouped(mark)

    async def set_aside(self, dedupe_key: str) -> None:
        """An event that failed when handled out of turn counts as queued again once."""
        async with self._db.session() as session:
            await session.execute(
                update(AcceptedInbound)
                .where(AcceptedInbound.dedupe_key == dedupe_key)
                .values(requeues=AcceptedInbound.requeues + 1, requeued_at=self._clock())
            )

    async def claim_stale(self, older_than: timedelta, *, limit: int = 500) -> list[AcceptedEvent]:
        """Unhandled events accepted (or last queued again) longer ago than ``older_than``, oldest
        first; each is marked queued again now, so another process's sweep leaves it for as long.

        Rows another process is claiming are skipped (``SKIP LOCKED`` on PostgreSQL).
        """
        now = self._clock()
        cutoff = now - older_than
        query = (
            select(AcceptedInbound)
            .where(
                AcceptedInbound.handled_at.is_(None),
                AcceptedInbound.accepted_at < cutoff,
                AcceptedInbound.requeues < MAX_REQUEUES,
                (AcceptedInbound.requeued_at.is_(None)) | (AcceptedInbound.requeued_at < cutoff),
            )
            .order_by(AcceptedInbound.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        async with self._db.session() as session:
            rows = list((await session.scalars(query)).all())
            for row in rows:
                row.requeued_at = now
            return [AcceptedEvent(row.dedupe_key, row.conversation_key, row.payload) for row in rows]

    async def requeued(self, dedupe_keys: Sequence[str]) -> None:
        """The events of ``dedupe_keys`` were queued again."""
        if not dedupe_keys:
            return
        async with self._db.session() as session:
            await session.execute(
                update(AcceptedInbound)
                .where(AcceptedInbound.dedupe_key.in_(dedupe_keys))
                .values(requeues=AcceptedInbound.requeues + 1)
            )

    async def prune(self, *, limit: int = 1000) -> int:
        """Deletes up to ``limit`` rows handled more than a day ago."""
        old = (
            select(AcceptedInbound.id)
            .where(AcceptedInbound.handled_at < self._clock() - KEEP_HANDLED)
            .limit(limit)
            .scalar_subquery()
        )
        async with self._db.session() as session:
            result = await session.execute(delete(AcceptedInbound).where(AcceptedInbound.id.in_(old)))
            return int(getattr(result, "rowcount", 0) or 0)

"""Outgoing messages the outbox has not finished: what a Redis that restarted empty may have forgotten.

The history appends each queued reply with its outbox item (``Message.envelope``) in the same
statement, and the outbox's final mark clears it, so the rows still holding one are the replies
not yet sent, refused or resolved ``unknown``. :meth:`claim_stale` hands them out oldest first (the
history's order is each conversation's order), marking each claim so sweeps of several processes
never take the same reply twice; the send journal keeps a reply that was in fact sent from being
sent again. A reply queued again ``MAX_REQUEUES`` times without being finished is left alone; a claim
counts only once the queue took the reply (:meth:`requeued`), not when it refused it as still queued:
a reply waiting behind a long backlog (a broadcast's, say) is offered by every sweep, and would
otherwise be left alone by the recovery after Redis lost it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from cabinet_api.db import Database
from cabinet_api.models import Message

MAX_REQUEUES = 5


@dataclass(frozen=True, slots=True)
class UnfinishedReply:
    id: int
    """The history row's id: replies come in its order, and a caller pages on with ``after_id``."""
    outbound_id: str
    envelope: bytes


class UnfinishedOutbound:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    async def claim_stale(
        self, older_than: timedelta, *, after_id: int = 0, limit: int = 500, wait: bool = False
    ) -> list[UnfinishedReply]:
        """Unfinished replies queued (or last claimed) longer ago than ``older_than`` and listed after
        ``after_id``, oldest first, each marked claimed now; rows another process is claiming are
        skipped (``SKIP LOCKED``), or with ``wait`` waited for."""
        now = self._clock()
        cutoff = now - older_than
        query = (
            select(Message)
            .where(
                Message.envelope.is_not(None),
                Message.id > after_id,
                Message.created_at <= cutoff,
                Message.requeues < MAX_REQUEUES,
                Message.requeued_at.is_(None) | (Message.requeued_at <= cutoff),
            )
            .order_by(Message.id)
            .limit(limit)
            .with_for_update(skip_locked=not wait)
        )
        async with self._db.session() as session:
            rows = list((await session.scalars(query)).all())
            claimed: list[UnfinishedReply] = []
            for row in rows:
                if row.envelope is None:
                    continue
                row.requeued_at = now
                claimed.append(UnfinishedReply(row.id, row.event_id, row.envelope))
            return claimed

    async def requeued(self, ids: Sequence[int]) -> None:
        """The replies of ``ids`` (their :attr:`UnfinishedReply.id`) were queued again."""
        if not ids:
            return
        async with self._db.session() as session:
            await session.execute(
                update(Message).where(Message.id.in_(ids)).values(requeues=Message.requeues + 1)
            )

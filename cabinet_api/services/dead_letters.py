"""Dead letters: inbox events and outgoing messages that failed every attempt.

They are kept with their error so an admin can see them, and replayed on request: ``omnicab
replay`` (any process, even while no worker runs) only marks them, and a running worker puts
each marked one back into its queue and forgets it, in one transaction, so two workers never
replay the same letter.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update

from cabinet_api.db import Database
from cabinet_api.models import DeadLetter, DeadLetterKind

MAX_ERROR_CHARS = 4000
UNSTORABLE = str.maketrans({0: "\ufffd"})


@dataclass(frozen=True, slots=True)
class DeadLetterView:
    id: int
    kind: str
    key: str
    error: str
    attempts: int
    created_at: datetime
    replay_requested_at: datetime | None
    size: int
    """Of the payload, in bytes; the payload itself (a client's message) is not shown."""


@dataclass(frozen=True, slots=True)
class Replay:
    id: int
    kind: str
    key: str
    payload: bytes


class DeadLetterService:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    async def add(self, kind: str, key: str, payload: bytes, *, error: str, attempts: int) -> int:
        letter = DeadLetter(
            kind=DeadLetterKind(kind).value,
            key=_storable(key)[:255],
            payload=payload,
            error=_storable(error)[:MAX_ERROR_CHARS],
            attempts=attempts,
            created_at=self._clock(),
        )
        async with self._db.session() as session:
            session.add(letter)
            await session.flush()
            return letter.id

    async def list(self, *, limit: int = 100, before_id: int | None = None) -> list[DeadLetterView]:
        """Newest first."""
        query = select(DeadLetter, func.length(DeadLetter.payload)).order_by(DeadLetter.id.desc())
        if before_id is not None:
            query = query.where(DeadLetter.id < before_id)
        async with self._db.session() as session:
            rows = (await session.execute(query.limit(limit))).all()
        return [_view(letter, int(size or 0)) for letter, size in rows]

    async def count(self) -> int:
        async with self._db.session() as session:
            return int(await session.scalar(select(func.count()).select_from(DeadLetter)) or 0)

    async def request_replay(self, ids: Sequence[int] | None = None) -> int:
        """Mark letters (all when ``ids`` is None) for a worker to replay; the number marked."""
        statement = update(DeadLetter).values(replay_requested_at=self._clock())
        if ids is not None:
            statement = statement.where(DeadLetter.id.in_(list(ids)))
        async with self._db.session() as session:
            result = await session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)

    async def replay_requested(self, put: Callable[[Replay], Awaitable[None]], *, limit: int = 100) -> int:
        """Hand each marked letter to ``put`` (back into its queue) and forget it; the number replayed.

        A letter is forgotten in the transaction that locked it, after ``put`` returned: a crash in
        between replays it again, which the idempotent handlers absorb.
        """
        query = (
            select(DeadLetter)
            .where(DeadLetter.replay_requested_at.is_not(None))
            .order_by(DeadLetter.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        async with self._db.session() as session:
            letters = (await session.scalars(query)).all()
            for letter in letters:
                await put(Replay(id=letter.id, kind=letter.kind, key=letter.key, payload=letter.payload))
            if letters:
                await session.execute(delete(DeadLetter).where(DeadLetter.id.in_([x.id for x in letters])))
        return len(letters)


def _storable(text: str) -> str:
    return text.translate(UNSTORABLE).encode("utf-8", "replace").decode("utf-8")


def _view(letter: DeadLetter, size: int) -> DeadLetterView:
    return DeadLetterView(
        id=letter.id,
        kind=letter.kind,
        key=letter.key,
        error=letter.error,
        attempts=letter.attempts,
        created_at=letter.created_at,
        replay_requested_at=letter.replay_requested_at,
        size=size,
    )

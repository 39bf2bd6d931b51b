"""Conversations with people: one guarded state machine shared by every worker and console.

``(bot) -> queued -> assigned -> closed``, with ``assigned -> queued`` (requeue, transfer to a queue)
and ``assigned -> assigned`` (transfer to a person). Every change of state or assignee is one UPDATE
guarded by the row's ``version`` and expected state (compare-and-set), so of two processes acting on
the same conversation at once exactly one wins; the loser sees ``None`` or a ``ConversationConflict``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from adapters.types import ConversationRef
from cabinet_api.db import Database
from cabinet_api.models import Client, Conversation, ConversationEvent, Message, Person, Rating
from cabinet_api.services.console_views import (
    ConsoleMessage,
    ConversationEventView,
    ConversationView,
    FigureRow,
    ListPreview,
    PersonRef,
)
from cabinet_api.services.errors import NotFound
from cabinet_api.services.list_previews import (
    CLIENT,
    NEWEST,
    OFFER,
    PRESSED,
    SAID,
    list_previews_query,
)

QUEUED, ASSIGNED, CLOSED = "queued", "assigned", "closed"
OPEN_STATES = (QUEUED, ASSIGNED)
EVENT_TEXT_MAX = 4000
WAITING_WEIGHT = {"person": 1.0, "client": 0.5}
"""A conversation waiting for the client weighs less on a person's capacity than one waiting for them."""


class ConversationConflict(ValueError):
    """The conversation is not in a state that allows this: ``code`` is taken, closed, not_yours or open."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _ref(person: Person | None) -> PersonRef | None:
    return None if person is None else PersonRef(id=person.id, login=person.login, name=person.display_name)


def _client_name(client: Client | None) -> str | None:
    if client is None:
        return None
    return " ".join(part for part in (client.first_name, client.last_name) if part) or None


def _event_view(event: ConversationEvent) -> ConversationEventView:
    return ConversationEventView(
        id=event.id,
        conversation_id=event.conversation_id,
        kind=event.kind,
        actor=event.actor,
        text=event.text,
        at=event.at,
    )


def served_by(queues: Iterable[str]) -> Any:
    """A condition: the conversation's queue is one of ``queues`` or a topic of one (``lawyers:family``)."""
    conditions = []
    for queue in queues:
        conditions.append(Conversation.queue == queue)
        if ":" not in queue:
            conditions.append(Conversation.queue.like(f"{queue}:%"))
    return or_(*conditions) if conditions else Conversation.id.is_(None)


class ConversationService:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._any_open = (
            select(Conversation.id)
            .where(Conversation.client_id == bindparam("client_id"), Conversation.state != CLOSED)
            .limit(1)
        )
        self._any_closed = (
            select(Conversation.id)
            .where(Conversation.client_id == bindparam("client_id"), Conversation.state == CLOSED)
            .limit(1)
        )
        self._clock = clock

    # ---- reading ------------------------------------------------------------------------------

    async def conversation(self, conversation_id: int) -> ConversationView:
        async with self._db.session() as session:
            found = await session.get(Conversation, conversation_id)
            if found is None:
                raise NotFound("conversation", str(conversation_id))
            return (await self._views(session, [found]))[0]

    async def open_of(self, client_id: int) -> ConversationView | None:
        """The client's conversation that is not closed, if any.

        Asked for every message a client writes, and nearly always answered "none": that answer
        takes one indexed read on a bare connection."""

        async def any_open(connection: AsyncConnection) -> bool:
            return (await connection.execute(self._any_open, {"client_id": client_id})).first() is not None

        if not await self._db.grouped(any_open):
            return None
        async with self._db.session() as session:
            found = await session.scalar(
                select(Conversation).where(Conversation.client_id == client_id, Conversation.state != CLOSED)
            )
            return None if found is None else (await self._views(session, [found]))[0]

    async def last_closed(self, client_id: int) -> ConversationView | None:
        """Asked for every free text a client writes, as :meth:`open_of` is, and nearly always answered
        "none": that answer takes one grouped read."""

        async def any_closed(connection: AsyncConnection) -> int | None:
            return (await connection.execute(self._any_closed, {"client_id": client_id})).scalar()

        if await self._db.grouped(any_closed) is None:
            return None
        async with self._db.session() as session:
            found = await session.scalar(
                select(Conversation)
                .where(Conversation.client_id == client_id, Conversation.state == CLOSED)
                .order_by(Conversation.closed_at.desc(), Conversation.id.desc())
                .limit(1)
            )
            return None if found is None else (await self._views(session, [found]))[0]

    async def find(
        self,
        *,
        states: Sequence[str],
        queues: Iterable[str] | None = None,
        assignee_id: int | None = None,
        closed_since: datetime | None = None,
        limit: int = 200,
    ) -> list[ConversationView]:
        """Open conversations by priority and waiting time; closed ones newest first.

        ``queues`` None means every queue; ``assignee_id`` keeps one person's conversations
        (for closed ones: those they held when closing).
        """
        query = select(Conversation).where(Conversation.state.in_(states))
        if queues is not None:
            query = query.where(served_by(queues))
        if assignee_id is not None:
            query = query.where(Conversation.assignee_id == assignee_id)
        if closed_since is not None:
            query = query.where(Conversation.closed_at >= closed_since)
        if CLOSED in states:
            query = query.order_by(Conversation.closed_at.desc(), Conversation.id.desc())
        else:
            query = query.order_by(Conversation.priority, Conversation.queued_at, Conversation.id)
        async with self._db.session() as session:
            found = list(await session.scalars(query.limit(limit)))
            return await self._views(session, found)

    async def loads(self) -> dict[int, float]:
        """Each person's load: their assigned conversations, weighted by who owes the next message."""
        async with self._db.session() as session:
            rows = await session.execute(
                select(Conversation.assignee_id, Conversation.waiting_for).where(
                    Conversation.state == ASSIGNED, Conversation.assignee_id.is_not(None)
                )
            )
            loads: dict[int, float] = {}
            for person_id, waiting_for in rows:
                if person_id is None:
                    continue
                loads[person_id] = loads.get(person_id, 0.0) + WAITING_WEIGHT.get(waiting_for, 1.0)
            return loads

    async def recent_waits(self, queue: str, since: datetime, *, limit: int = 50) -> list[float]:
        """Seconds from queued to assigned of the conversations of ``queue`` assigned since ``since``."""
        async with self._db.session() as session:
            rows = await session.execute(
                select(Conversation.queued_at, Conversation.assigned_at)
                .where(Conversation.queue == queue, Conversation.assigned_at >= since)
                .order_by(Conversation.assigned_at.desc())
                .limit(limit)
            )
            return [max(0.0, (assigned - queued).total_seconds()) for queued, assigned in rows if assigned]

    async def events_of_client(self, client_id: int, *, after_id: int = 0) -> list[ConversationEventView]:
        """The events and notes of every conversation the client had, oldest first."""
        async with self._db.session() as session:
            events = await session.scalars(
                select(ConversationEvent)
                .join(Conversation, ConversationEvent.conversation_id == Conversation.id)
                .where(Conversation.client_id == client_id, ConversationEvent.id > after_id)
                .order_by(ConversationEvent.id)
            )
            return [_event_view(event) for event in events]

    async def console_history(
        self, client_id: int, *, after_id: int = 0, limit: int = 300, before_id: int | None = None
    ) -> list[ConsoleMessage]:
        """The client's messages on every channel, oldest first: the newest ``limit`` when ``after_id`` is
        0 (of those before ``before_id`` when given), else those after it (at most ``limit``)."""
        query = (
            select(Message, Person)
            .outerjoin(Person, Message.person_id == Person.id)
            .where(Message.client_id == client_id)
        )
        if before_id is not None:
            query = query.where(Message.id < before_id)
        async with self._db.session() as session:
            if after_id:
                rows = (
                    await session.execute(
                        query.where(Message.id > after_id).order_by(Message.id).limit(limit)
                    )
                ).all()
            else:
                rows = list(
                    reversed((await session.execute(query.order_by(Message.id.desc()).limit(limit))).all())
                )
        return [_console_message(message, person) for message, person in rows]

    async def list_previews(self, client_ids: Iterable[int]) -> dict[int, ListPreview]:
        """What the conversation lists show of each client's history, in one statement for them all."""
        ids = set(client_ids)
        if not ids:
            return {}
        async with self._db.session() as session:
            rows = (await session.execute(list_previews_query(ids))).all()
        picked: dict[int, dict[str, ConsoleMessage]] = {}
        for pick, message, person in rows:
            picked.setdefault(message.client_id, {})[pick] = _console_message(message, person)
        return {
            client_id: ListPreview(
                newest=found[NEWEST],
                client=found.get(CLIENT),
                said=found.get(SAID),
                pressed=found.get(PRESSED),
                offer=found.get(OFFER),
            )
            for client_id, found in picked.items()
            if NEWEST in found
        }

    async def message_id(self, channel: str, bot: str, outbound_id: str) -> int | None:
        async with self._db.session() as session:
            return await session.scalar(
                select(Message.id).where(
                    Message.channel == channel,
                    Message.bot == bot,
                    Message.direction == "out",
                    Message.event_id == outbound_id,
                )
            )

    async def figure_rows(self, since: datetime, until: datetime) -> list[FigureRow]:
        """Conversations queued in [since, until), with who held them and their CSAT rating."""
        rating = (
            select(Rating.subject_id, func.min(Rating.score).label("score"))
            .where(Rating.subject == "conversation", Rating.scale == "csat")
            .group_by(Rating.subject_id)
            .subquery()
        )
        query = (
            select(Conversation, Person.login, rating.c.score)
            .outerjoin(Person, Conversation.assignee_id == Person.id)
            .outerjoin(rating, rating.c.subject_id == func.cast(Conversation.id, rating.c.subject_id.type))
            .where(Conversation.queued_at >= since, Conversation.queued_at < until)
        )
        async with self._db.session() as session:
            rows = (await session.execute(query)).all()
        return [
            FigureRow(
                id=conversation.id,
                channel=conversation.channel,
                queue=conversation.queue,
                assignee_login=login,
                state=conversation.state,
                queued_at=conversation.queued_at,
                assigned_at=conversation.assigned_at,
                first_response_at=conversation.first_response_at,
                closed_at=conversation.closed_at,
                csat=score,
                client_id=conversation.client_id,
                reason=conversation.reason,
            )
            for conversation, login, score in rows
        ]

    # ---- the state machine --------------------------------------------------------------------

    async def open_conversation(
        self,
        client_id: int,
        *,
        queue: str,
        priority: int,
        reason: str,
        reply_to: ConversationRef,
        note: str | None = None,
    ) -> tuple[ConversationView, bool]:
        """Queue the client for people: (the conversation, True), or (their open one, False) if they
        have one already (its priority raised if this request is more urgent)."""
        now = self._clock()
        note = (note or "").strip()[:EVENT_TEXT_MAX] or None
        try:
            async with self._db.session() as session:
                existing = await session.scalar(
                    select(Conversation)
                    .where(Conversation.client_id == client_id, Conversation.state != CLOSED)
                    .with_for_update()
                )
                if existing is not None:
                    if priority < existing.priority:
                        existing.priority = priority
                    return (await self._views(session, [existing]))[0], False
                last = await session.scalar(
                    select(Conversation)
                    .where(Conversation.client_id == client_id, Conversation.state == CLOSED)
                    .order_by(Conversation.closed_at.desc(), Conversation.id.desc())
                    .limit(1)
                )
                conversation = Conversation(
                    client_id=client_id,
                    state=QUEUED,
                    queue=queue,
                    priority=priority,
                    reason=reason,
                    note=note,
                    channel=reply_to.channel.value,
                    bot=reply_to.bot,
                    reply_to=reply_to.model_dump(mode="json"),
                    created_at=now,
                    queued_at=now,
                    last_assignee_id=last.last_assignee_id if last is not None else None,
                    version=1,
                    waiting_for="person",
                    unread_count=0,
                    last_client_message_at=now,
                )
                session.add(conversation)
                await session.flush()
                session.add(
                    ConversationEvent(
                        conversation_id=conversation.id, kind="queued", actor="system", text=reason, at=now
                    )
                )
                return (await self._views(session, [conversation]))[0], True
        except IntegrityError:
            concurrent = await self.open_of(client_id)
            if concurrent is None:
                raise
            return concurrent, False

    async def take(self, conversation_id: int, person_id: int, *, actor: str) -> ConversationView:
        """A person takes a queued conversation: exactly one of several concurrent takers wins."""
        now = self._clock()
        async with self._db.session() as session:
            current = await self._current(session, conversation_id)
            if current.state == ASSIGNED and current.assignee_id == person_id:
                return (await self._views(session, [current]))[0]
            self._refuse_unless_queued(current)
            won = await self._cas(
                session,
                current,
                (QUEUED,),
                state=ASSIGNED,
                assignee_id=person_id,
                assigned_at=now,
                position_told=None,
            )
            if not won:
                raise ConversationConflict("taken", "another person has taken the conversation")
            session.add(
                ConversationEvent(conversation_id=conversation_id, kind="assigned", actor=actor, at=now)
            )
            return await self._fresh_view(session, conversation_id)

    async def assign_if_room(
        self, conversation_id: int, person_id: int, *, expected_version: int
    ) -> ConversationView | None:
        """Push a queued conversation to an online person who has room; None if either changed meanwhile."""
        now = self._clock()
        async with self._db.session() as session:
            person = await session.get(Person, person_id, with_for_update=True)
            if person is None or not person.active or person.status != "online":
                return None
            rows = await session.execute(
                select(Conversation.waiting_for).where(
                    Conversation.assignee_id == person_id, Conversation.state == ASSIGNED
                )
            )
            load = sum(WAITING_WEIGHT.get(waiting_for, 1.0) for (waiting_for,) in rows)
            if load + 1 > person.max_chats:
                return None
            won = await self._cas_version(
                session,
                conversation_id,
                expected_version,
                (QUEUED,),
                state=ASSIGNED,
                assignee_id=person_id,
                assigned_at=now,
                position_told=None,
            )
            if not won:
                return None
            session.add(
                ConversationEvent(
                    conversation_id=conversation_id, kind="assigned", actor=person.login, at=now
                )
            )
            return await self._fresh_view(session, conversation_id)

    async def requeue(
        self,
        conversation_id: int,
        *,
        actor: str,
        expected_version: int | None = None,
        queue: str | None = None,
        note: str | None = None,
        kind: str = "requeued",
    ) -> ConversationView | None:
        """Back to a queue (its own, or ``queue``), keeping its priority and its place (queued_at)."""
        now = self._clock()
        async with self._db.session() as session:
            current = await self._current(session, conversation_id)
            if current.state == CLOSED:
                raise ConversationConflict("closed", "the conversation is closed")
            if expected_version is not None and current.version != expected_version:
                return None
            values: dict[str, Any] = {
                "state": QUEUED,
                "assignee_id": None,
                "assigned_at": None,
                "position_told": None,
                "last_assignee_id": current.assignee_id or current.last_assignee_id,
            }
            if queue is not None:
                values["queue"] = queue
            if not await self._cas(session, current, OPEN_STATES, **values):
                return None
            session.add(
                ConversationEvent(
                    conversation_id=conversation_id, kind=kind, actor=actor, text=_text(note), at=now
                )
            )
            return await self._fresh_view(session, conversation_id)

    async def reassign(
        self, conversation_id: int, person_id: int, *, actor: str, note: str | None = None
    ) -> ConversationView:
        """Transfer to a named person: assigned to them at once, whatever its state was (but closed)."""
        now = self._clock()
        async with self._db.session() as session:
            current = await self._current(session, conversation_id)
            if current.state == CLOSED:
                raise ConversationConflict("closed", "the conversation is closed")
            won = await self._cas(
                session,
                current,
                OPEN_STATES,
                state=ASSIGNED,
                assignee_id=person_id,
                assigned_at=now,
                position_told=None,
                last_assignee_id=current.assignee_id or current.last_assignee_id,
            )
            if not won:
                raise ConversationConflict("stale", "the conversation changed meanwhile; try again")
            session.add(
                ConversationEvent(
                    conversation_id=conversation_id, kind="transferred", actor=actor, text=_text(note), at=now
                )
            )
            return await self._fresh_view(session, conversation_id)

    async def close(self, conversation_id: int, *, actor: str, reason: str) -> ConversationView:
        now = self._clock()
        reason = reason.strip()
        if not reason or len(reason) > 200:
            raise ValueError("reason must have 1 to 200 characters")
        async with self._db.session() as session:
            current = await self._current(session, conversation_id)
            if current.state == CLOSED:
                raise ConversationConflict("closed", "the conversation is closed already")
            won = await self._cas(
                session,
                current,
                OPEN_STATES,
                state=CLOSED,
                closed_at=now,
                closed_reason=reason,
                unread_count=0,
                last_assignee_id=current.assignee_id or current.last_assignee_id,
            )
            if not won:
                raise ConversationConflict("stale", "the conversation changed meanwhile; try again")
            session.add(
                ConversationEvent(
                    conversation_id=conversation_id, kind="closed", actor=actor, text=reason, at=now
                )
            )
            return await self._fresh_view(session, conversation_id)

    # ---- what happens inside a conversation ---------------------------------------------------

    async def client_wrote(self, conversation_id: int, reply_to: ConversationRef) -> ConversationView:
        """The client wrote (from ``reply_to``): answers go there now, and the person owes a reply."""
        now = self._clock()
        async with self._db.session() as session:
            await session.execute(
                update(Conversation)
                .where(Conversation.id == conversation_id)
                .values(
                    unread_count=Conversation.unread_count + 1,
                    last_client_message_at=func.coalesce(
                        _if_waiting_for_person(Conversation.last_client_message_at), now
                    ),
                    waiting_for="person",
                    channel=reply_to.channel.value,
                    bot=reply_to.bot,
                    reply_to=reply_to.model_dump(mode="json"),
                )
            )
            return await self._fresh_view(session, conversation_id)

    async def person_replied(self, conversation_id: int) -> ConversationView:
        now = self._clock()
        async with self._db.session() as session:
            await session.execute(
                update(Conversation)
                .where(Conversation.id == conversation_id)
                .values(
                    waiting_for="client",
                    unread_count=0,
                    last_client_message_at=None,
                    first_response_at=func.coalesce(Conversation.first_response_at, now),
                )
            )
            return await self._fresh_view(session, conversation_id)

    async def mark_read(self, conversation_id: int) -> ConversationView:
        async with self._db.session() as session:
            await session.execute(
                update(Conversation).where(Conversation.id == conversation_id).values(unread_count=0)
            )
            return await self._fresh_view(session, conversation_id)

    async def add_event(
        self, conversation_id: int, *, kind: str, actor: str, text: str | None
    ) -> ConversationEventView:
        async with self._db.session() as session:
            await self._current(session, conversation_id)
            event = ConversationEvent(
                conversation_id=conversation_id, kind=kind, actor=actor, text=_text(text), at=self._clock()
            )
            session.add(event)
            await session.flush()
            return _event_view(event)

    async def claim_position_notice(
        self, conversation_id: int, *, position: int, previous_at: datetime | None
    ) -> bool:
        """Record that the client is told ``position`` now; False if another process told them meanwhile."""
        async with self._db.session() as session:
            told_at = (
                Conversation.position_told_at.is_(None)
                if previous_at is None
                else Conversation.position_told_at == previous_at
            )
            result = await session.execute(
                update(Conversation)
                .where(Conversation.id == conversation_id, Conversation.state == QUEUED, told_at)
                .values(position_told=position, position_told_at=self._clock())
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of an UPDATE

    # ---- helpers ------------------------------------------------------------------------------

    async def _current(self, session: AsyncSession, conversation_id: int) -> Conversation:
        found = await session.get(Conversation, conversation_id, populate_existing=True)
        if found is None:
            raise NotFound("conversation", str(conversation_id))
        return found

    @staticmethod
    def _refuse_unless_queued(current: Conversation) -> None:
        if current.state == CLOSED:
            raise ConversationConflict("closed", "the conversation is closed")
        if current.state == ASSIGNED:
            raise ConversationConflict("taken", "another person holds the conversation")

    async def _cas(
        self, session: AsyncSession, current: Conversation, states: Sequence[str], **values: Any
    ) -> bool:
        return await self._cas_version(session, current.id, current.version, states, **values)

    @staticmethod
    async def _cas_version(
        session: AsyncSession, conversation_id: int, version: int, states: Sequence[str], **values: Any
    ) -> bool:
        result = await session.execute(
            update(Conversation)
            .where(
                and_(
                    Conversation.id == conversation_id,
                    Conversation.version == version,
                    Conversation.state.in_(states),
                )
            )
            .values(version=Conversation.version + 1, **values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of an UPDATE

    async def _fresh_view(self, session: AsyncSession, conversation_id: int) -> ConversationView:
        return (await self._views(session, [await self._current(session, conversation_id)]))[0]

    @staticmethod
    async def _views(session: AsyncSession, conversations: Sequence[Conversation]) -> list[ConversationView]:
        client_ids = {conversation.client_id for conversation in conversations}
        person_ids = {c.assignee_id for c in conversations if c.assignee_id is not None}
        clients = {
            client.id: client
            for client in (
                await session.scalars(select(Client).where(Client.id.in_(client_ids))) if client_ids else []
            )
        }
        people = {
            person.id: person
            for person in (
                await session.scalars(select(Person).where(Person.id.in_(person_ids))) if person_ids else []
            )
        }
        return [
            _view(conversation, clients.get(conversation.client_id), people) for conversation in conversations
        ]


def _if_waiting_for_person(column: Any) -> Any:
    """Keep the time of the oldest unanswered client message while the person still owes a reply."""
    return case((Conversation.waiting_for == "person", column), else_=None)


def _text(text: str | None) -> str | None:
    return (text or "").strip()[:EVENT_TEXT_MAX] or None


def _view(conversation: Conversation, client: Client | None, people: dict[int, Person]) -> ConversationView:
    return ConversationView(
        id=conversation.id,
        client_id=conversation.client_id,
        client_public_id=client.public_id if client is not None else "",
        client_name=_client_name(client),
        state=conversation.state,
        queue=conversation.queue,
        priority=conversation.priority,
        reason=conversation.reason,
        note=conversation.note,
        channel=conversation.channel,
        bot=conversation.bot,
        reply_to=ConversationRef.model_validate(conversation.reply_to),
        created_at=conversation.created_at,
        queued_at=conversation.queued_at,
        assigned_at=conversation.assigned_at,
        first_response_at=conversation.first_response_at,
        closed_at=conversation.closed_at,
        closed_reason=conversation.closed_reason,
        assignee=_ref(people.get(conversation.assignee_id)) if conversation.assignee_id else None,
        last_assignee_id=conversation.last_assignee_id,
        version=conversation.version,
        waiting_for=conversation.waiting_for,
        unread_count=conversation.unread_count,
        last_client_message_at=conversation.last_client_message_at,
        position_told=conversation.position_told,
        position_told_at=conversation.position_told_at,
    )


def _console_message(message: Message, person: Person | None) -> ConsoleMessage:
    author = "client" if message.direction == "in" else message.author or "bot"
    return ConsoleMessage(
        id=message.id,
        direction=message.direction,
        author=author,
        person=_ref(person),
        channel=message.channel,
        bot=message.bot,
        kind=message.kind,
        text=message.text,
        payload=message.payload,
        status=message.status,
        created_at=message.created_at,
    )


__all__ = [
    "ASSIGNED",
    "CLOSED",
    "OPEN_STATES",
    "QUEUED",
    "ConversationConflict",
    "ConversationService",
]

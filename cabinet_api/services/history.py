"""The conversation history: one timeline per client across channels, appended idempotently.

Card, account and passport numbers are masked as they are appended (``adapters.redaction``): the
history is read by every person in the console and kept for years; the one place that needs the
full digits, a refund, keeps them encrypted (``cabinet_api.payouts``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Insert, Table, Update, and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.redaction import mask_sensitive, mask_sensitive_data
from adapters.types import Body, FileBody, Inbound, Outbound, TextBody
from cabinet_api.db import Database
from cabinet_api.direct_groups import write_only, writes_once
from cabinet_api.models import ChannelIdentity, Direction, Message, MessageStatus
from cabinet_api.services.upsert import insert_on_conflict
from cabinet_api.services.views import ClientProfile, HistoryEntry

_MESSAGE_KEY = ["channel", "bot", "direction", "event_id"]


def _inbound_text(body: Body) -> str | None:
    if isinstance(body, TextBody):
        return body.text
    if isinstance(body, FileBody):
        return body.caption
    return None


def _inbound_payload(event: Inbound) -> dict[str, Any]:
    """The body as data; ``sanitized`` lists the fields whose unstorable characters became U+FFFD."""
    payload = event.body.model_dump(mode="json")
    if event.sanitized:
        payload["sanitized"] = list(event.sanitized)
    return payload


def _envelope(outbound: Outbound) -> bytes:
    return outbound.model_dump_json().encode()


def _entry(message: Message) -> HistoryEntry:
    return HistoryEntry(
        id=message.id,
        direction=message.direction,
        channel=message.channel,
        bot=message.bot,
        kind=message.kind,
        text=message.text,
        payload=message.payload,
        status=message.status,
        created_at=message.created_at,
    )


class HistoryService:
    """Appends and reads the history.

    The write statements are built once per service (they are on every message's path) and
    executed with bound parameters; a turn's replies are appended in one transaction.
    """

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock
        table = cast(Table, Message.__table__)
        insert = insert_on_conflict(table, is_sqlite=db.is_sqlite).on_conflict_do_nothing(
            index_elements=_MESSAGE_KEY
        )
        self._append_many: Insert = insert
        self._append_one: Insert = insert.returning(table.c.id)
        self._mark: Update = write_only(
            table.update()
            .where(
                and_(
                    table.c.channel == bindparam("b_channel"),
                    table.c.bot == bindparam("b_bot"),
                    table.c.direction == Direction.OUT.value,
                    table.c.event_id == bindparam("b_event_id"),
                )
            )
            .values(
                status=bindparam("status"),
                error=bindparam("error"),
                updated_at=bindparam("updated_at"),
                platform_message_id=func.coalesce(
                    bindparam("platform_message_id", type_=table.c.platform_message_id.type),
                    table.c.platform_message_id,
                ),
                envelope=None,
            )
        )

    async def record_inbound(self, profile: ClientProfile, event: Inbound) -> bool:
        """Append an inbound message once per its durable identity (``message_key``); False when it
        is already in the history."""
        row = self._row(
            client_id=profile.client_id,
            identity_id=profile.identity_id,
            direction=Direction.IN,
            channel=event.channel.value,
            bot=event.bot,
            event_id=event.message_key,
            kind=event.body.kind,
            text=_inbound_text(event.body),
            payload=_inbound_payload(event),
            status=MessageStatus.RECEIVED,
        )

        @writes_once
        async def append(connection: AsyncConnection) -> bool:
            return (await connection.execute(self._append_one, row)).scalar_one_or_none() is not None

        return await self._db.grouped(append)

    async def record_outbound(
        self,
        profile_or_client_id: ClientProfile | int,
        outbound: Outbound,
        *,
        status: str = "queued",
        author: str | None = None,
        person_id: int | None = None,
    ) -> None:
        """Append an outbound message once per ``outbound.id``; retries of the same message add nothing.

        ``author`` is ``person`` (``person_id`` wrote it) or ``system`` (a handoff notice); None: the bot.
        """
        await self.record_outbound_many(
            profile_or_client_id, [outbound], status=status, author=author, person_id=person_id
        )

    async def record_outbound_many(
        self,
        profile_or_client_id: ClientProfile | int,
        outbounds: Sequence[Outbound],
        *,
        status: str = "queued",
        author: str | None = None,
        person_id: int | None = None,
    ) -> None:
        """Append a turn's replies in one transaction, each once per ``outbound.id``; a ``queued`` one
        keeps its outbox item (``Message.envelope``) until :meth:`mark_outbound` finishes it."""
        if not outbounds:
            return
        checked_status = MessageStatus(status)
        identity_id: int | None
        if isinstance(profile_or_client_id, ClientProfile):
            client_id, identity_id = profile_or_client_id.client_id, profile_or_client_id.identity_id
        else:
            client_id = profile_or_client_id
            identity_id = await self._identity_of(client_id, outbounds[0])
        rows = []
        for outbound in outbounds:
            reply = outbound.reply
            rows.append(
                self._row(
                    client_id=client_id,
                    identity_id=identity_id,
                    direction=Direction.OUT,
                    channel=outbound.conversation.channel.value,
                    bot=outbound.conversation.bot,
                    event_id=outbound.id,
                    kind="file" if reply.attachment is not None else "text",
                    text=reply.text or (reply.attachment.caption if reply.attachment else None),
                    payload=reply.model_dump(mode="json", exclude={"attachment": {"source": {"data"}}}),
                    status=checked_status,
                )
                | {
                    "author": author,
                    "person_id": person_id,
                    "envelope": _envelope(outbound) if checked_status is MessageStatus.QUEUED else None,
                }
            )

        @writes_once
        async def append(connection: AsyncConnection) -> None:
            await connection.execute(self._append_many, rows)

        await self._db.grouped(append)

    async def mark_outbound(
        self,
        outbound_id: str,
        channel: str,
        bot: str,
        *,
        status: str,
        platform_message_id: str | None = None,
        error: str | None = None,
    ) -> None:
        await self._db.grouped(
            self.outbound_mark(
                outbound_id, channel, bot, status=status, platform_message_id=platform_message_id, error=error
            )
        )

    def outbound_mark(
        self,
        outbound_id: str,
        channel: str,
        bot: str,
        *,
        status: str,
        platform_message_id: str | None = None,
        error: str | None = None,
    ) -> Callable[[AsyncConnection], Awaitable[None]]:
        """:meth:`mark_outbound` as a unit of work, for a write it must share (the send journal's)."""
        params = {
            "b_channel": channel,
            "b_bot": bot,
            "b_event_id": outbound_id,
            "status": MessageStatus(status).value,
            "error": error,
            "updated_at": self._clock(),
            "platform_message_id": platform_message_id,
        }

        @writes_once
        async def mark(connection: AsyncConnection) -> None:
            await connection.execute(self._mark, params)

        return mark

    async def history(
        self, client_id: int, *, limit: int = 50, before_id: int | None = None
    ) -> list[HistoryEntry]:
        """Up to ``limit`` messages older than ``before_id`` (or the newest), oldest first."""
        query = select(Message).where(Message.client_id == client_id)
        if before_id is not None:
            query = query.where(Message.id < before_id)
        async with self._db.session() as session:
            newest_first = (await session.scalars(query.order_by(Message.id.desc()).limit(limit))).all()
        return [_entry(message) for message in reversed(newest_first)]

    async def _identity_of(self, client_id: int, outbound: Outbound) -> int | None:
        conversation = outbound.conversation
        async with self._db.session() as session:
            return await session.scalar(
                select(ChannelIdentity.id).where(
                    ChannelIdentity.client_id == client_id,
                    ChannelIdentity.channel == conversation.channel.value,
                    ChannelIdentity.bot == conversation.bot,
                    ChannelIdentity.platform_user_id == conversation.user_id,
                )
            )

    def _row(
        self,
        *,
        client_id: int,
        identity_id: int | None,
        direction: Direction,
        channel: str,
        bot: str,
        event_id: str,
        kind: str,
        text: str | None,
        payload: dict[str, Any],
        status: MessageStatus,
    ) -> dict[str, Any]:
        now = self._clock()
        return {
            "client_id": client_id,
            "identity_id": identity_id,
            "direction": direction.value,
            "channel": channel,
            "bot": bot,
            "event_id": event_id,
            "kind": kind,
            "text": mask_sensitive(text) if text is not None else None,
            "payload": mask_sensitive_data(payload),
            "status": status.value,
            "created_at": now,
            "updated_at": now,
        }

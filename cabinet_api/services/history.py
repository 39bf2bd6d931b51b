"""The conversation history: one timeline per client across channels, appended idempotently."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from adapters.types import Body, FileBody, Inbound, Outbound, TextBody
from cabinet_api.db import Database
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
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    async def record_inbound(self, profile: ClientProfile, event: Inbound) -> bool:
        """Append an inbound message; False when this platform event is already in the history."""
        return await self._append(
            client_id=profile.client_id,
            identity_id=profile.identity_id,
            direction=Direction.IN,
            channel=event.channel.value,
            bot=event.bot,
            event_id=event.event_id,
            kind=event.body.kind,
            text=_inbound_text(event.body),
            payload=event.body.model_dump(mode="json"),
            status=MessageStatus.RECEIVED,
        )

    async def record_outbound(
        self, profile_or_client_id: ClientProfile | int, outbound: Outbound, *, status: str = "queued"
    ) -> None:
        """Append an outbound message once per ``outbound.id``; retries of the same message add nothing."""
        checked_status = MessageStatus(status)
        conversation = outbound.conversation
        identity_id: int | None
        if isinstance(profile_or_client_id, ClientProfile):
            client_id, identity_id = profile_or_client_id.client_id, profile_or_client_id.identity_id
        else:
            client_id = profile_or_client_id
            identity_id = await self._identity_of(client_id, outbound)
        reply = outbound.reply
        await self._append(
            client_id=client_id,
            identity_id=identity_id,
            direction=Direction.OUT,
            channel=conversation.channel.value,
            bot=conversation.bot,
            event_id=outbound.id,
            kind="file" if reply.attachment is not None else "text",
            text=reply.text or (reply.attachment.caption if reply.attachment else None),
            payload=reply.model_dump(mode="json", exclude={"attachment": {"source": {"data"}}}),
            status=checked_status,
        )

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
        changes: dict[str, Any] = {
            "status": MessageStatus(status),
            "error": error,
            "updated_at": self._clock(),
        }
        if platform_message_id is not None:
            changes["platform_message_id"] = platform_message_id
        async with self._db.session() as session:
            await session.execute(
                update(Message)
                .where(
                    Message.channel == channel,
                    Message.bot == bot,
                    Message.direction == Direction.OUT,
                    Message.event_id == outbound_id,
                )
                .values(**changes)
                .execution_options(synchronize_session=False)
            )

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

    async def _append(
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
    ) -> bool:
        now = self._clock()
        statement = (
            insert_on_conflict(Message, is_sqlite=self._db.is_sqlite)
            .values(
                client_id=client_id,
                identity_id=identity_id,
                direction=direction.value,
                channel=channel,
                bot=bot,
                event_id=event_id,
                kind=kind,
                text=text,
                payload=payload,
                status=status.value,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=_MESSAGE_KEY)
            .returning(Message.id)
        )
        async with self._db.session() as session:
            inserted = (await session.execute(statement)).scalar_one_or_none()
        return inserted is not None

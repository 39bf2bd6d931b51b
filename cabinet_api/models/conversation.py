"""Handoff episodes ("conversations"): a client talking to people, from queued to closed, and their events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cabinet_api.clock import utc_now
from cabinet_api.models.base import Base


class Conversation(Base):
    """At most one conversation of a client is not closed (a partial unique index says so).

    Every change of ``state`` or ``assignee_id`` is a compare-and-set on ``version``.
    ``reply_to`` is the conversation reference (channel, bot, chat, user) the client wrote from last.
    """

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    queue: Mapped[str] = mapped_column(String(64))
    priority: Mapped[int]
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16))
    bot: Mapped[str] = mapped_column(String(64))
    reply_to: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    queued_at: Mapped[datetime]
    assigned_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_reason: Mapped[str | None] = mapped_column(String(200))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    last_assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1)
    waiting_for: Mapped[str] = mapped_column(String(8), default="person")
    unread_count: Mapped[int] = mapped_column(default=0)
    last_client_message_at: Mapped[datetime | None]
    position_told: Mapped[int | None]
    position_told_at: Mapped[datetime | None]


Index(
    "ux_conversations_open_per_client",
    Conversation.client_id,
    unique=True,
    postgresql_where=Conversation.state != "closed",
    sqlite_where=Conversation.state != "closed",
)
Index("ix_conversations_state_queue", Conversation.state, Conversation.queue)


class ConversationEvent(Base):
    """``kind``: queued, assigned, transferred, requeued, closed, note; ``actor`` a login or ``system``."""

    __tablename__ = "conversation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utc_now)

"""Conversation history: every message in and out, on every channel, in one table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from cabinet_api.clock import utc_now
from cabinet_api.models.base import Base

BigId = BigInteger().with_variant(Integer(), "sqlite")


class Message(Base):
    """``event_id`` is the message's durable platform identity (in: ``Inbound.message_key``) or the
    outbound idempotency id (out)."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel", "bot", "direction", "event_id"),
        Index("ix_messages_client_timeline", "client_id", "id"),
        Index(
            "ix_messages_unfinished_out",
            "id",
            postgresql_where=text("envelope IS NOT NULL"),
            sqlite_where=text("envelope IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    identity_id: Mapped[int | None] = mapped_column(
        ForeignKey("channel_identities.id", ondelete="SET NULL"), index=True
    )
    direction: Mapped[str] = mapped_column(String(3))
    channel: Mapped[str] = mapped_column(String(16))
    bot: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None]
    status: Mapped[str] = mapped_column(String(16))
    platform_message_id: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)
    author: Mapped[str | None] = mapped_column(String(8))
    """Of an outgoing message: ``person`` or ``system`` (handoff notices); None for the bot's."""
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    envelope: Mapped[bytes | None] = mapped_column(LargeBinary)
    """Of an outgoing message still ``queued``: the outbox item as queued (unmasked), cleared when the
    outbox finishes it; what is queued again if a Redis restarted empty forgot it."""
    requeued_at: Mapped[datetime | None]
    requeues: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

"""What the outbox did with each send, and the work nobody could finish (dead letters)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cabinet_api.clock import utc_now
from cabinet_api.models.base import Base


class OutboundSend(Base):
    """One platform call of an outgoing message (a message may take several parts).

    Written ``sending`` before the call and ``sent`` (with the platform's id), ``refused`` or
    ``unknown`` after it: a ``sending`` row found when the message is handled again means the
    call may have reached the platform, so it is never made again.
    """

    __tablename__ = "outbound_sends"
    __table_args__ = (UniqueConstraint("channel", "bot", "outbound_id", "part"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    bot: Mapped[str] = mapped_column(String(64))
    outbound_id: Mapped[str] = mapped_column(String(255))
    part: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    platform_message_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


class DeadLetter(Base):
    """An inbox event or an outgoing message that failed every attempt, kept for an admin to replay."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(255))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    replay_requested_at: Mapped[datetime | None]


class AcceptedInbound(Base):
    """An inbound event the webhook answered 200 for, kept until the inbox has handled it.

    Where the work queues live in Redis, this is the durable record of what was accepted: a Redis
    that restarted empty forgets what it held, and what was never handled is queued again from here.
    """

    __tablename__ = "accepted_inbound"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    conversation_key: Mapped[str] = mapped_column(String(255))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    accepted_at: Mapped[datetime] = mapped_column(default=utc_now)
    handled_at: Mapped[datetime | None]
    requeued_at: Mapped[datetime | None]
    requeues: Mapped[int] = mapped_column(Integer, default=0)


# Only what is not handled yet is indexed: the worker's look for an earlier event of the same
# conversation and the recovery sweep's look for old ones read these, and they stay small.
Index(
    "ix_accepted_inbound_unhandled_by_conversation",
    AcceptedInbound.conversation_key,
    AcceptedInbound.id,
    postgresql_where=AcceptedInbound.handled_at.is_(None),
    sqlite_where=AcceptedInbound.handled_at.is_(None),
)
Index(
    "ix_accepted_inbound_unhandled_by_age",
    AcceptedInbound.accepted_at,
    postgresql_where=AcceptedInbound.handled_at.is_(None),
    sqlite_where=AcceptedInbound.handled_at.is_(None),
)
Index("ix_accepted_inbound_handled_at", AcceptedInbound.handled_at)

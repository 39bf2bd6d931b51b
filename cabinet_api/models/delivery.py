"""What the outbox did with each send, and the work nobody could finish (dead letters)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String, Text, UniqueConstraint
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

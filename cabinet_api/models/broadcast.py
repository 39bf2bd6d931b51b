"""Broadcasts: a message to many clients at once, and one row per recipient so nobody gets it twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cabinet_api.clock import utc_now
from cabinet_api.models.base import Base, new_public_id


class Broadcast(Base):
    """What is sent (text and buttons; a WhatsApp template outside the 24-hour window), to whom
    (``audience``, a filter kept as data), when (``send_at``) and how far it got (``status``).

    ``total`` is the number of recipients fixed when sending started; the rest of the progress is
    counted from the recipients' rows and their messages in the history."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[dict[str, Any]]]
    template_key: Mapped[str | None] = mapped_column(String(64))
    template_params: Mapped[list[str]] = mapped_column(JSON)
    audience: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), index=True)
    send_at: Mapped[datetime | None]
    total: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class BroadcastRecipient(Base):
    """One client on one channel: ``pending`` until a sender claims it, ``queued`` once its message is
    in the history (claimed in the same transaction), ``handed`` once the outbox holds it (whose
    journal makes the platform call exactly once), ``skipped`` when the client opted out meanwhile."""

    __tablename__ = "broadcast_recipients"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "client_id", "channel"),
        Index("ix_broadcast_recipients_lane", "state", "channel", "bot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    bot: Mapped[str] = mapped_column(String(64))
    platform_user_id: Mapped[str] = mapped_column(String(128))
    chat_id: Mapped[str] = mapped_column(String(128))
    locale: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16))
    claimed_at: Mapped[datetime | None]
    answer: Mapped[str | None] = mapped_column(String(200))
    answered_at: Mapped[datetime | None]

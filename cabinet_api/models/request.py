"""Requests (обращения) and the counters that give them human numbers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cabinet_api.clock import utc_now
from cabinet_api.models.base import Base, new_public_id


class Counter(Base):
    """Named gapless counters, incremented atomically with an upsert (request numbers, later others)."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class Request(Base):
    """``attachments`` is a list of file refs ``{channel, file_id, name, mime, size}``."""

    __tablename__ = "requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    number: Mapped[int] = mapped_column(BigInteger, unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text)
    answer_format: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(16))
    lawyer: Mapped[str | None] = mapped_column(String(255))
    source_event: Mapped[str | None] = mapped_column(
        String(200),
        index=True,
        unique=True,
        doc="The chat event that filed it: a replayed turn files nothing twice.",
    )
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)

"""Recordings of phone calls with lawyers, ingested from the PBX or CRM."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from cabinet_api.clock import utc_now
from cabinet_api.models.base import Base, new_public_id


class Recording(Base):
    """``client_id`` is NULL while no client has the call's phone verified."""

    __tablename__ = "recordings"
    __table_args__ = (Index("ix_recordings_client_started", "client_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"))
    client_phone: Mapped[str] = mapped_column(String(32), index=True)
    lawyer: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime]
    duration: Mapped[int]
    direction: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    file_key: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

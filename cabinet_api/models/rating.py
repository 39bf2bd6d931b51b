"""Ratings of finished interactions and the follow-up tasks a low score opens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from cabinet_api.clock import utc_now
from cabinet_api.models.base import Base, new_public_id


class Rating(Base):
    """One per (subject, subject_id, scale): a repeated press finds the first one."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("subject", "subject_id", "scale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(64))
    scale: Mapped[str] = mapped_column(String(8))
    score: Mapped[int]
    channel: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class FollowUpTask(Base):
    """A supervisor's call-back after a low score, due in business time."""

    __tablename__ = "follow_up_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    due_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    closed_at: Mapped[datetime | None]
    called_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(32))
    handled_by: Mapped[str | None] = mapped_column(String(64))


class RatingRequest(Base):
    """The one request to rate a finished interaction: asked once, reminded at most once, answered once.

    ``remind_at`` is a durable timer: whichever process sees it due first claims it by a compare-and-set
    on ``state``, so a restart loses no reminder and two workers never send one twice. ``call_wanted``
    marks an interaction that matters (a lawyer's consultation): left unanswered after the reminder it
    becomes a call for a person (``state`` = ``call``).
    """

    __tablename__ = "rating_requests"
    __table_args__ = (UniqueConstraint("subject", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    queue: Mapped[str | None] = mapped_column(String(64))
    person: Mapped[str | None] = mapped_column(String(64))
    reply_to: Mapped[dict[str, Any]]
    state: Mapped[str] = mapped_column(String(16), index=True)
    call_wanted: Mapped[bool] = mapped_column(default=False, server_default=false())
    asked_at: Mapped[datetime]
    remind_at: Mapped[datetime | None] = mapped_column(index=True)
    reminded_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]

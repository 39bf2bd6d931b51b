"""People who answer clients in the console, their sessions, failed logins and canned replies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from cabinet_api.clock import utc_now
from cabinet_api.models.base import Base


class Person(Base):
    """An operator, lawyer, supervisor or admin; ``queues`` are the queues (skills) they serve."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    queues: Mapped[list[Any]] = mapped_column(JSON)
    max_chats: Mapped[int] = mapped_column(default=5, server_default="5")
    status: Mapped[str] = mapped_column(String(16), default="offline", server_default="offline")
    status_changed_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_seen_at: Mapped[datetime | None]
    locale: Mapped[str] = mapped_column(String(8), default="ru", server_default="ru")
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class ConsoleSession(Base):
    """A logged-in console: the cookie carries a token whose SHA-256 is kept here, never the token."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime]


class LoginFailure(Base):
    """A failed console login, counted per login and per address to refuse guessing."""

    __tablename__ = "console_login_failures"
    __table_args__ = (
        Index("ix_console_login_failures_login_at", "login", "at"),
        Index("ix_console_login_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utc_now)


class CannedReply(Base):
    """A prepared reply; ``{client_name}``, ``{request_number}``, ``{operator_name}`` are filled in."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

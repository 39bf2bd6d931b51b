"""A client and the messenger identities through which they reach us."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from cabinet_api.clock import utc_now
from cabinet_api.models.base import Base, new_public_id


class Client(Base):
    """One person across every channel: identities with a verified phone merge into one client."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32))
    phone_verified: Mapped[bool] = mapped_column(default=False, server_default=false())
    email: Mapped[str | None] = mapped_column(String(320))
    locale: Mapped[str] = mapped_column(String(8), default="ru", server_default="ru")
    always_human: Mapped[bool] = mapped_column(default=False, server_default=false())
    broadcast_opt_out: Mapped[bool] = mapped_column(default=False, server_default=false())
    rating_opt_out: Mapped[bool] = mapped_column(default=False, server_default=false())
    preferred_channel: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


Index(
    "ux_clients_verified_phone",
    Client.phone,
    unique=True,
    postgresql_where=Client.phone_verified.is_(True),
    sqlite_where=Client.phone_verified.is_(True),
)


class ChannelIdentity(Base):
    """A (channel, bot, platform user) that writes to us; ``last_inbound_at`` drives WhatsApp's 24h window."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "bot", "platform_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    bot: Mapped[str] = mapped_column(String(64))
    platform_user_id: Mapped[str] = mapped_column(String(128))
    chat_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str | None] = mapped_column(String(255))
    username: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32))
    unsubscribed: Mapped[bool] = mapped_column(default=False, server_default=false())
    first_seen_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_seen_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_inbound_at: Mapped[datetime | None]

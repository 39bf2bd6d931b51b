"""Refund applications (заявления о возврате денежных средств)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cabinet_api.clock import utc_now
from cabinet_api.models.base import Base, new_public_id


class Refund(Base):
    """Payout numbers are kept encrypted (``cabinet_api.crypto``; they are needed to pay) and leave
    the payment service only masked, or decrypted through ``PaymentService.payout_details``."""

    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    number: Mapped[int] = mapped_column(BigInteger, unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    amount_kopecks: Mapped[int] = mapped_column(BigInteger)
    payout_kind: Mapped[str] = mapped_column(String(16))
    holder: Mapped[str] = mapped_column(String(255))
    bik: Mapped[str | None] = mapped_column(String(9))
    account: Mapped[str | None] = mapped_column(String(255))
    card: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)

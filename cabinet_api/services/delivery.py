"""Delivery receipts from the platforms (sent, delivered, read, failed) applied to the history.

Receipts arrive late, twice or out of order; a status only ever moves forward, so a late
"delivered" never overwrites "read", and a receipt for a message we do not know is skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import or_, select

from cabinet_api.db import Database
from cabinet_api.models import Direction, Message, MessageStatus

log = logging.getLogger(__name__)

_RANK = {
    MessageStatus.QUEUED: 0,
    MessageStatus.UNKNOWN: 0,
    MessageStatus.SENT: 1,
    MessageStatus.DELIVERED: 2,
    MessageStatus.READ: 3,
    MessageStatus.FAILED: 4,
}


class DeliveryService:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    async def record_receipt(
        self, channel: str, bot: str, platform_message_id: str, status: str, *, error: str | None = None
    ) -> bool:
        """Apply a receipt; False when no message of ours carries that platform id."""
        new = MessageStatus(status)
        pid = platform_message_id
        async with self._db.session() as session:
            message = await session.scalar(
                select(Message)
                .where(
                    Message.channel == channel,
                    Message.bot == bot,
                    Message.direction == Direction.OUT,
                    or_(
                        Message.platform_message_id == pid,
                        Message.platform_message_id.like(f"{pid},%"),
                        Message.platform_message_id.like(f"%,{pid}"),
                        Message.platform_message_id.like(f"%,{pid},%"),
                    ),
                )
                .limit(1)
            )
            if message is None:
                log.info("%s receipt for an unknown %s message skipped", new.value, channel)
                return False
            if _RANK.get(MessageStatus(message.status), 0) < _RANK[new]:
                message.status = new
                message.updated_at = self._clock()
                if error:
                    message.error = error
        return True

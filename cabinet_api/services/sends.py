"""The send journal: each platform call of an outgoing message, written before and after the call.

The outbox asks :meth:`SendJournal.begin` before a call. The first time, the intent is written
(``sending``) and the call may go. When the message is handled again (after a crash, or after
the result could not be written), the journal answers with what is known: ``sent`` (skip the
call, keep its platform id), ``unknown`` (it was resolved so), or ``sending``: the intent is
there and no result, so the call may have reached the platform and is never made again. Only a
call the platform ``refused`` may be made again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from cabinet_api.db import Database
from cabinet_api.direct_groups import write_only, writes_once
from cabinet_api.models import OutboundSend, SendState
from cabinet_api.services.history import HistoryService
from cabinet_api.services.upsert import insert_on_conflict

_KEY = ["channel", "bot", "outbound_id", "part"]


@dataclass(frozen=True, slots=True)
class SendRecord:
    state: str
    platform_message_id: str | None = None


class SendJournal:
    def __init__(self, db: Database, clock: Callable[[], datetime], history: HistoryService) -> None:
        self._db = db
        self._clock = clock
        self._history = history
        table = cast(Table, OutboundSend.__table__)
        self._intend = (
            insert_on_conflict(table, is_sqlite=db.is_sqlite)
            .on_conflict_do_nothing(index_elements=_KEY)
            .returning(table.c.id)
        )
        at_key = and_(*(table.c[name] == bindparam(f"k_{name}") for name in _KEY))
        self._earlier = select(table.c.id, table.c.state, table.c.platform_message_id).where(at_key)
        if not db.is_sqlite:
            self._earlier = self._earlier.with_for_update()
        self._retry = (
            table.update()
            .where(table.c.id == bindparam("k_id"))
            .values(state=SendState.SENDING.value, updated_at=bindparam("updated_at"))
        )
        self._settle = write_only(
            table.update()
            .where(at_key)
            .values(
                state=bindparam("state"),
                updated_at=bindparam("updated_at"),
                platform_message_id=func.coalesce(
                    bindparam("platform_message_id", type_=table.c.platform_message_id.type),
                    table.c.platform_message_id,
                ),
            )
        )

    async def begin(self, channel: str, bot: str, outbound_id: str, part: int) -> SendRecord | None:
        """Write the intent of a call; None when it may be made, else the earlier call's record."""
        now = self._clock()
        row = {
            "channel": channel,
            "bot": bot,
            "outbound_id": outbound_id,
            "part": part,
            "state": SendState.SENDING.value,
            "created_at": now,
            "updated_at": now,
        }

        @writes_once
        async def intend(connection: AsyncConnection) -> SendRecord | None:
            if (await connection.execute(self._intend, row)).scalar_one_or_none() is not None:
                return None
            key = _key(channel, bot, outbound_id, part)
            earlier = (await connection.execute(self._earlier, key)).one_or_none()
            if earlier is None:
                raise RuntimeError("the send journal lost a row it had just found")
            if earlier.state == SendState.REFUSED:
                await connection.execute(self._retry, {"k_id": earlier.id, "updated_at": now})
                return None
            return SendRecord(state=earlier.state, platform_message_id=earlier.platform_message_id)

        return await self._db.grouped(intend)

    async def settle(
        self,
        channel: str,
        bot: str,
        outbound_id: str,
        part: int,
        *,
        state: str,
        platform_message_id: str | None = None,
    ) -> None:
        """Write the result of a call: ``sent``, ``refused`` or ``unknown``."""
        await self._db.grouped(self._settlement(channel, bot, outbound_id, part, state, platform_message_id))

    async def settle_delivered(
        self,
        channel: str,
        bot: str,
        outbound_id: str,
        part: int,
        *,
        platform_message_id: str | None,
        message_platform_ids: str | None,
    ) -> None:
        """The message's last call ``sent`` and the message ``sent`` in the history, in one write:
        a transaction and a wait for its commit fewer per message than the two apart."""
        settle = self._settlement(channel, bot, outbound_id, part, SendState.SENT.value, platform_message_id)
        mark = self._history.outbound_mark(
            outbound_id, channel, bot, status="sent", platform_message_id=message_platform_ids
        )

        async def both(connection: AsyncConnection) -> None:
            await settle(connection)
            await mark(connection)

        await self._db.grouped(both)

    def _settlement(
        self, channel: str, bot: str, outbound_id: str, part: int, state: str, platform_message_id: str | None
    ) -> Callable[[AsyncConnection], Awaitable[None]]:
        params = _key(channel, bot, outbound_id, part) | {
            "state": SendState(state).value,
            "updated_at": self._clock(),
            "platform_message_id": platform_message_id,
        }

        @writes_once
        async def settle(connection: AsyncConnection) -> None:
            await connection.execute(self._settle, params)

        return settle


def _key(channel: str, bot: str, outbound_id: str, part: int) -> dict[str, object]:
    return {"k_channel": channel, "k_bot": bot, "k_outbound_id": outbound_id, "k_part": part}

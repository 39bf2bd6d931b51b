"""Broadcasts: made and steered from the console, sent by every worker process together.

Sending is claim-based. A sender claims one ``pending`` recipient of a broadcast that is ``sending``
(the status is checked in the claiming statement, so a pause stops further claims at once) and,
in the same transaction, appends the message to the client's history; it then hands it to the
outbox, whose send journal makes the platform call at most once for that message id. A claim
whose hand-over was lost (the process died) is handed again after ``stale_after``: the outbox
drops the duplicate and its journal never repeats a call, so nobody gets a broadcast twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Select, String, Table, and_, bindparam, func, literal, select, update
from sqlalchemy import cast as sql_cast

from adapters.types import Outbound
from cabinet_api.db import Database
from cabinet_api.models import (
    Broadcast,
    BroadcastRecipient,
    ChannelIdentity,
    Client,
    Direction,
    Message,
    MessageStatus,
)
from cabinet_api.services.broadcast_audience import audience_count, audience_targets
from cabinet_api.services.broadcast_views import (
    Audience,
    AudienceCount,
    BroadcastButton,
    BroadcastStatus,
    BroadcastView,
    ClientBroadcast,
    NewBroadcast,
    Progress,
    RecipientClaim,
    RecipientState,
    outbound_id,
)
from cabinet_api.services.errors import InvalidTransition, NotFound
from cabinet_api.services.upsert import insert_on_conflict

S = BroadcastStatus
R = RecipientState
_PAUSABLE = (S.SCHEDULED, S.SENDING)
_CANCELLABLE = (S.DRAFT, S.SCHEDULED, S.SENDING, S.PAUSED)
_DELIVERY = {
    MessageStatus.SENT.value: "sent",
    MessageStatus.DELIVERED.value: "delivered",
    MessageStatus.READ.value: "read",
    MessageStatus.FAILED.value: "failed",
    MessageStatus.UNKNOWN.value: "failed",
}


class EmptyAudience(ValueError):
    """Nobody would get the broadcast: the filter matches no client who may be messaged."""

    def __init__(self, count: AudienceCount) -> None:
        super().__init__("the audience is empty")
        self.count = count


def _buttons(raw: Sequence[dict[str, Any]]) -> tuple[BroadcastButton, ...]:
    return tuple(BroadcastButton(title=str(b["title"]), action=str(b.get("action", "answer"))) for b in raw)


def _view(row: Broadcast, progress: Progress | None = None) -> BroadcastView:
    return BroadcastView(
        id=row.id,
        public_id=row.public_id,
        title=row.title,
        text=row.text,
        buttons=_buttons(row.buttons),
        template_key=row.template_key,
        template_params=tuple(row.template_params),
        audience=Audience.from_json(row.audience),
        status=row.status,
        send_at=row.send_at,
        created_by=row.created_by,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        progress=progress or Progress(total=row.total),
    )


def _message_of_recipient() -> Any:
    """The join condition of a recipient and its message in the history."""
    event_id = (
        literal("broadcast:") + Broadcast.public_id + literal(":") + sql_cast(BroadcastRecipient.id, String)
    )
    return and_(
        Message.client_id == BroadcastRecipient.client_id,
        Message.direction == Direction.OUT.value,
        Message.event_id == event_id,
    )


class BroadcastService:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock
        self._recipients = cast(Table, BroadcastRecipient.__table__)
        self._messages = cast(Table, Message.__table__)
        self._keep_envelope = (
            self._messages.update()
            .where(
                self._messages.c.channel == bindparam("b_channel"),
                self._messages.c.bot == bindparam("b_bot"),
                self._messages.c.direction == Direction.OUT.value,
                self._messages.c.event_id == bindparam("b_event_id"),
                self._messages.c.status == MessageStatus.QUEUED.value,
            )
            .values(envelope=bindparam("b_envelope"))
        )

    # ---- made and steered in the console -------------------------------------------------

    async def preview(self, audience: Audience) -> AudienceCount:
        async with self._db.session() as session:
            return await audience_count(session, audience, self._clock())

    async def create(self, new: NewBroadcast, *, person_id: int | None) -> BroadcastView:
        now = self._clock()
        row = Broadcast(
            title=new.title,
            text=new.text,
            buttons=[{"title": b.title, "action": b.action} for b in new.buttons],
            template_key=new.template_key,
            template_params=list(new.template_params),
            audience=new.audience.as_json(),
            status=S.DRAFT,
            send_at=new.send_at,
            total=0,
            created_by=person_id,
            created_at=now,
            updated_at=now,
        )
        async with self._db.session() as session:
            session.add(row)
            await session.flush()
            return _view(row)

    async def schedule(self, public_id: str, send_at: datetime | None = None) -> BroadcastView:
        """A draft goes out at ``send_at`` (now when None); refused with :class:`EmptyAudience` when
        nobody would get it."""
        now = self._clock()
        async with self._db.session() as session:
            row = await self._row(session, public_id, for_update=True)
            if row.status != S.DRAFT:
                raise InvalidTransition("broadcast", row.status, S.SCHEDULED)
            count = await audience_count(session, Audience.from_json(row.audience), now)
            if count.total == 0:
                raise EmptyAudience(count)
            row.status = S.SCHEDULED
            row.send_at = send_at or row.send_at or now
            row.updated_at = now
            return _view(row)

    async def pause(self, public_id: str) -> BroadcastView:
        await self._move(public_id, _PAUSABLE, S.PAUSED)
        return await self.broadcast(public_id)

    async def resume(self, public_id: str) -> BroadcastView:
        async with self._db.session() as session:
            row = await self._row(session, public_id, for_update=True)
            if row.status != S.PAUSED:
                raise InvalidTransition("broadcast", row.status, S.SENDING)
            row.status = S.SENDING if row.started_at is not None else S.SCHEDULED
            row.updated_at = self._clock()
        return await self.broadcast(public_id)

    async def cancel(self, public_id: str) -> BroadcastView:
        await self._move(public_id, _CANCELLABLE, S.CANCELLED, finished=True)
        return await self.broadcast(public_id)

    async def broadcasts(self, *, limit: int = 100) -> list[BroadcastView]:
        async with self._db.session() as session:
            rows = list(await session.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(limit)))
            progress = await self._progress(session, [row.id for row in rows])
        return [_view(row, progress.get(row.id, Progress(total=row.total))) for row in rows]

    async def broadcast(self, public_id: str) -> BroadcastView:
        async with self._db.session() as session:
            row = await self._row(session, public_id)
            progress = await self._progress(session, [row.id])
        return _view(row, progress.get(row.id, Progress(total=row.total)))

    # ---- sent by the workers -------------------------------------------------------------

    async def start_due(self) -> list[str]:
        """Start the scheduled broadcasts whose time has come: fix their recipients from the audience as
        it is now (one transaction each, so only one process starts a broadcast)."""
        now = self._clock()
        started: list[str] = []
        async with self._db.session() as session:
            due = list(
                await session.scalars(
                    select(Broadcast.public_id).where(
                        Broadcast.status == S.SCHEDULED, Broadcast.send_at <= now
                    )
                )
            )
        for public_id in due:
            async with self._db.session() as session:
                row = await self._row(session, public_id, for_update=True)
                if row.status != S.SCHEDULED:
                    continue
                targets = await audience_targets(session, Audience.from_json(row.audience), now)
                if targets:
                    rows = [
                        {
                            "broadcast_id": row.id,
                            "client_id": t.client_id,
                            "channel": t.channel,
                            "bot": t.bot,
                            "platform_user_id": t.platform_user_id,
                            "chat_id": t.chat_id,
                            "locale": t.locale,
                            "state": R.PENDING,
                        }
                        for t in targets
                    ]
                    insert = insert_on_conflict(self._recipients, is_sqlite=self._db.is_sqlite)
                    await session.execute(
                        insert.on_conflict_do_nothing(
                            index_elements=["broadcast_id", "client_id", "channel"]
                        ),
                        rows,
                    )
                row.total = len(targets)
                row.status = S.SENDING if targets else S.DONE
                row.started_at = now
                row.finished_at = None if targets else now
                row.updated_at = now
                started.append(public_id)
        return started

    async def lanes(self) -> set[tuple[str, str]]:
        """The (channel, bot) pairs with recipients waiting in a broadcast that is sending."""
        query = (
            select(BroadcastRecipient.channel, BroadcastRecipient.bot)
            .join(Broadcast, Broadcast.id == BroadcastRecipient.broadcast_id)
            .where(Broadcast.status == S.SENDING, BroadcastRecipient.state == R.PENDING)
            .distinct()
        )
        async with self._db.session() as session:
            return {(channel, bot) for channel, bot in await session.execute(query)}

    async def claim(self, channel: str, bot: str, *, limit: int = 1) -> list[RecipientClaim]:
        """Take up to ``limit`` waiting recipients of this lane and append their messages to the
        history, in one transaction (a recipient who opted out meanwhile is skipped instead)."""
        now = self._clock()
        async with self._db.session() as session:
            found = await session.execute(
                self._claimable()
                .where(BroadcastRecipient.channel == channel, BroadcastRecipient.bot == bot)
                .limit(limit)
                .with_for_update(skip_locked=True, of=BroadcastRecipient)
            )
            claims: list[RecipientClaim] = []
            for recipient, broadcast in found.all():
                taken = await session.execute(
                    update(BroadcastRecipient)
                    .where(BroadcastRecipient.id == recipient.id, BroadcastRecipient.state == R.PENDING)
                    .values(state=R.QUEUED, claimed_at=now)
                )
                if cast(Any, taken).rowcount != 1:
                    continue
                if await self._gone(session, recipient):
                    await session.execute(
                        update(BroadcastRecipient)
                        .where(BroadcastRecipient.id == recipient.id)
                        .values(state=R.SKIPPED)
                    )
                    continue
                claim = _claim(recipient, broadcast)
                await self._append_history(session, claim, broadcast.title, now)
                claims.append(claim)
            return claims

    async def handed(self, recipient_ids: Sequence[int], outbounds: Sequence[Outbound] = ()) -> None:
        """The outbox holds these recipients' messages now; each history row keeps its outbox item
        until the outbox finishes it (``Message.envelope``), as a reply's does, so a Redis that
        restarted empty loses none of them. A message the outbox has already finished keeps none."""
        if not recipient_ids:
            return
        async with self._db.session() as session:
            await session.execute(
                update(BroadcastRecipient)
                .where(BroadcastRecipient.id.in_(recipient_ids), BroadcastRecipient.state == R.QUEUED)
                .values(state=R.HANDED)
            )
            if outbounds:
                await session.execute(
                    self._keep_envelope, [_envelope_row(outbound) for outbound in outbounds]
                )

    async def stale_claims(self, stale_after: timedelta, *, limit: int = 100) -> list[RecipientClaim]:
        """Claims whose hand-over to the outbox was never confirmed (a process died in between)."""
        cutoff = self._clock() - stale_after
        query = (
            select(BroadcastRecipient, Broadcast)
            .join(Broadcast, Broadcast.id == BroadcastRecipient.broadcast_id)
            .where(BroadcastRecipient.state == R.QUEUED, BroadcastRecipient.claimed_at < cutoff)
            .limit(limit)
        )
        async with self._db.session() as session:
            return [_claim(recipient, broadcast) for recipient, broadcast in await session.execute(query)]

    async def finish_sent(self) -> list[str]:
        """Mark done the sending broadcasts with nobody left to claim or hand over."""
        open_work = (
            select(BroadcastRecipient.id)
            .where(
                BroadcastRecipient.broadcast_id == Broadcast.id,
                BroadcastRecipient.state.in_((R.PENDING, R.QUEUED)),
            )
            .exists()
        )
        now = self._clock()
        async with self._db.session() as session:
            done = list(
                await session.scalars(
                    select(Broadcast).where(Broadcast.status == S.SENDING, ~open_work).with_for_update()
                )
            )
            for row in done:
                row.status, row.finished_at, row.updated_at = S.DONE, now, now
            return [row.public_id for row in done]

    # ---- what clients do -----------------------------------------------------------------

    async def set_opt_out(self, client_id: int, opted_out: bool) -> bool:
        """True when it changed."""
        async with self._db.session() as session:
            changed = await session.execute(
                update(Client)
                .where(Client.id == client_id, Client.broadcast_opt_out.is_not(opted_out))
                .values(broadcast_opt_out=opted_out, updated_at=self._clock())
            )
            return bool(cast(Any, changed).rowcount)

    async def press(self, client_id: int, recipient_id: int, index: int) -> BroadcastButton | None:
        """A client pressed a broadcast's button: the button, or None when it is not their broadcast
        (or no such button), which is ignored. Only the first answer is kept."""
        async with self._db.session() as session:
            found = (
                await session.execute(
                    select(BroadcastRecipient, Broadcast)
                    .join(Broadcast, Broadcast.id == BroadcastRecipient.broadcast_id)
                    .where(BroadcastRecipient.id == recipient_id)
                    .with_for_update(of=BroadcastRecipient)
                )
            ).first()
            if found is None or found[0].client_id != client_id:
                return None
            recipient, broadcast = found
            buttons = _buttons(broadcast.buttons)
            if not 0 <= index < len(buttons):
                return None
            button = buttons[index]
            if recipient.answer is None:
                recipient.answer = button.title
                recipient.answered_at = self._clock()
            return button

    async def for_client(self, client_id: int, *, limit: int = 20) -> list[ClientBroadcast]:
        query = (
            select(BroadcastRecipient, Broadcast, Message.status, Message.created_at)
            .join(Broadcast, Broadcast.id == BroadcastRecipient.broadcast_id)
            .join(Message, _message_of_recipient())
            .where(BroadcastRecipient.client_id == client_id)
            .order_by(BroadcastRecipient.id.desc())
            .limit(limit)
        )
        async with self._db.session() as session:
            return [
                ClientBroadcast(
                    public_id=broadcast.public_id,
                    title=broadcast.title,
                    text=broadcast.text,
                    channel=recipient.channel,
                    status=status,
                    sent_at=at,
                    answer=recipient.answer,
                    answered_at=recipient.answered_at,
                )
                for recipient, broadcast, status, at in await session.execute(query)
            ]

    # ---- helpers -------------------------------------------------------------------------

    async def _move(
        self, public_id: str, allowed: tuple[str, ...], wanted: str, *, finished: bool = False
    ) -> None:
        async with self._db.session() as session:
            row = await self._row(session, public_id, for_update=True)
            if row.status not in allowed:
                raise InvalidTransition("broadcast", row.status, wanted)
            now = self._clock()
            row.status, row.updated_at = wanted, now
            if finished:
                row.finished_at = now

    async def _row(self, session: Any, public_id: str, *, for_update: bool = False) -> Broadcast:
        query = select(Broadcast).where(Broadcast.public_id == public_id)
        row = await session.scalar(query.with_for_update() if for_update else query)
        if row is None:
            raise NotFound("broadcast", public_id)
        return cast(Broadcast, row)

    @staticmethod
    def _claimable() -> Select[BroadcastRecipient, Broadcast]:
        return (
            select(BroadcastRecipient, Broadcast)
            .join(Broadcast, Broadcast.id == BroadcastRecipient.broadcast_id)
            .where(Broadcast.status == S.SENDING, BroadcastRecipient.state == R.PENDING)
            .order_by(BroadcastRecipient.id)
        )

    @staticmethod
    async def _gone(session: Any, recipient: BroadcastRecipient) -> bool:
        """The client opted out, or unsubscribed in this channel, after the audience was fixed."""
        found = (
            await session.execute(
                select(Client.broadcast_opt_out, ChannelIdentity.unsubscribed)
                .join(ChannelIdentity, ChannelIdentity.client_id == Client.id)
                .where(
                    Client.id == recipient.client_id,
                    ChannelIdentity.channel == recipient.channel,
                    ChannelIdentity.bot == recipient.bot,
                    ChannelIdentity.platform_user_id == recipient.platform_user_id,
                )
            )
        ).first()
        return found is None or bool(found[0]) or bool(found[1])

    async def _append_history(self, session: Any, claim: RecipientClaim, title: str, now: datetime) -> None:
        identity_id = await session.scalar(
            select(ChannelIdentity.id).where(
                ChannelIdentity.channel == claim.channel,
                ChannelIdentity.bot == claim.bot,
                ChannelIdentity.platform_user_id == claim.platform_user_id,
            )
        )
        row = {
            "client_id": claim.client_id,
            "identity_id": identity_id,
            "direction": Direction.OUT.value,
            "channel": claim.channel,
            "bot": claim.bot,
            "event_id": claim.outbound_id,
            "kind": "broadcast",
            "text": claim.text,
            "payload": {
                "broadcast": {"id": claim.broadcast_public_id, "title": title},
                "buttons": [{"title": b.title, "action": b.action} for b in claim.buttons],
            },
            "status": MessageStatus.QUEUED.value,
            "created_at": now,
            "updated_at": now,
            "author": "system",
        }
        insert = insert_on_conflict(self._messages, is_sqlite=self._db.is_sqlite)
        await session.execute(
            insert.on_conflict_do_nothing(index_elements=["channel", "bot", "direction", "event_id"]), row
        )

    async def _progress(self, session: Any, ids: list[int]) -> dict[int, Progress]:
        if not ids:
            return {}
        counts: dict[int, dict[str, int]] = {i: {} for i in ids}
        by_state = (
            select(BroadcastRecipient.broadcast_id, BroadcastRecipient.state, func.count())
            .where(BroadcastRecipient.broadcast_id.in_(ids))
            .group_by(BroadcastRecipient.broadcast_id, BroadcastRecipient.state)
        )
        for broadcast_id, state, n in await session.execute(by_state):
            counts[broadcast_id][state] = n
        by_delivery = (
            select(BroadcastRecipient.broadcast_id, Message.status, func.count())
            .join(Broadcast, Broadcast.id == BroadcastRecipient.broadcast_id)
            .join(Message, _message_of_recipient())
            .where(BroadcastRecipient.broadcast_id.in_(ids))
            .group_by(BroadcastRecipient.broadcast_id, Message.status)
        )
        for broadcast_id, status, n in await session.execute(by_delivery):
            key = "m_" + _DELIVERY.get(status, "in_flight")
            counts[broadcast_id][key] = counts[broadcast_id].get(key, 0) + n
        answered = (
            select(BroadcastRecipient.broadcast_id, func.count())
            .where(BroadcastRecipient.broadcast_id.in_(ids), BroadcastRecipient.answer.is_not(None))
            .group_by(BroadcastRecipient.broadcast_id)
        )
        for broadcast_id, n in await session.execute(answered):
            counts[broadcast_id]["answered"] = n
        totals = dict(
            (await session.execute(select(Broadcast.id, Broadcast.total).where(Broadcast.id.in_(ids)))).all()
        )
        return {
            i: Progress(
                total=totals.get(i, 0),
                pending=c.get(R.PENDING, 0),
                in_flight=c.get("m_in_flight", 0),
                sent=c.get("m_sent", 0),
                delivered=c.get("m_delivered", 0),
                read=c.get("m_read", 0),
                failed=c.get("m_failed", 0),
                skipped=c.get(R.SKIPPED, 0),
                answered=c.get("answered", 0),
            )
            for i, c in counts.items()
        }


def _claim(recipient: BroadcastRecipient, broadcast: Broadcast) -> RecipientClaim:
    return RecipientClaim(
        recipient_id=recipient.id,
        client_id=recipient.client_id,
        broadcast_public_id=broadcast.public_id,
        channel=recipient.channel,
        bot=recipient.bot,
        platform_user_id=recipient.platform_user_id,
        chat_id=recipient.chat_id,
        locale=recipient.locale,
        text=broadcast.text,
        buttons=_buttons(broadcast.buttons),
        template_key=broadcast.template_key,
        template_params=tuple(broadcast.template_params),
    )


__all__ = ["BroadcastService", "EmptyAudience", "outbound_id"]


def _envelope_row(outbound: Outbound) -> dict[str, object]:
    ref = outbound.conversation
    return {
        "b_channel": ref.channel.value,
        "b_bot": ref.bot,
        "b_event_id": outbound.id,
        "b_envelope": outbound.model_dump_json().encode(),
    }

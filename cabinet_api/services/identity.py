"""Who wrote: channel identities, the clients behind them, and verified-phone merges."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from adapters.phones import normalize_phone
from adapters.types import Channel, ContactShared, ConversationRef, Inbound, UnsubscribedBody
from cabinet_api.db import Database
from cabinet_api.direct_groups import write_only, writes_once
from cabinet_api.models import ChannelIdentity, Client
from cabinet_api.services.merge import move_identity
from cabinet_api.services.views import ClientProfile, Reachable

logger = logging.getLogger(__name__)

SUPPORTED_LOCALES = frozenset({"ru", "en"})
_ATTEMPTS = 4
SEEN_PRECISION = timedelta(seconds=60)
"""``last_seen_at`` and ``last_inbound_at`` are rewritten at most this often by a known client's
messages: they order a client's channels and open WhatsApp's 24-hour window, where a minute
early is harmless (the window is judged a minute shorter), and writing them on every message
would cost a write per message."""


def supported_locale(raw: str | None) -> str | None:
    """``'en-US'`` -> ``'en'``; None for a locale the bots do not speak."""
    if not raw:
        return None
    language = raw.replace("_", "-").split("-", 1)[0].lower()
    return language if language in SUPPORTED_LOCALES else None


def _profile(client: Client, identity: ChannelIdentity) -> ClientProfile:
    return ClientProfile(
        client_id=client.id,
        public_id=client.public_id,
        identity_id=identity.id,
        first_name=client.first_name,
        locale=client.locale,
        phone=client.phone,
        phone_verified=client.phone_verified,
        always_human=client.always_human,
        unsubscribed=identity.unsubscribed,
    )


class IdentityService:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock
        identities = cast(Table, ChannelIdentity.__table__)
        clients = cast(Table, Client.__table__)
        self._known_row = (
            select(
                identities.c.id,
                identities.c.chat_id,
                identities.c.display_name,
                identities.c.username,
                identities.c.phone.label("identity_phone"),
                identities.c.unsubscribed,
                identities.c.last_seen_at,
                identities.c.last_inbound_at,
                clients.c.id.label("client_id"),
                clients.c.public_id,
                clients.c.first_name,
                clients.c.locale,
                clients.c.phone,
                clients.c.phone_verified,
                clients.c.always_human,
            )
            .join_from(identities, clients, identities.c.client_id == clients.c.id)
            .where(
                identities.c.channel == bindparam("channel"),
                identities.c.bot == bindparam("bot"),
                identities.c.platform_user_id == bindparam("user_id"),
            )
        )
        self._touch = write_only(identities.update().where(identities.c.id == bindparam("identity_id")))

    async def identify(self, event: Inbound) -> ClientProfile:
        """Get or create the identity and client behind ``event`` and apply what it tells about them.

        A known client's plain message takes one read and at most one small write; whatever
        changes the client (a new identity, a contact, a proven phone, a new locale or name)
        takes the full path. Two events of the same new identity may race: the unique
        (channel, bot, user) key lets one win, and the loser retries and finds the winner's rows.
        """
        if not isinstance(event.body, ContactShared):
            known = await self._known(event)
            if known is not None:
                return known
        for attempt in range(_ATTEMPTS):
            try:
                async with self._db.session() as session:
                    return await self._identify(session, event)
            except IntegrityError:
                if attempt == _ATTEMPTS - 1:
                    raise
                logger.debug("identify lost a race to a concurrent event; retrying")
        raise AssertionError("unreachable")

    async def profile(self, client_id: int) -> ClientProfile | None:
        """The client through their most recently active identity; None without client or identity."""
        async with self._db.session() as session:
            client = await session.get(Client, client_id)
            if client is None:
                return None
            identity = await session.scalar(
                select(ChannelIdentity)
                .where(ChannelIdentity.client_id == client_id)
                .order_by(ChannelIdentity.last_seen_at.desc(), ChannelIdentity.id.desc())
                .limit(1)
            )
            return None if identity is None else _profile(client, identity)

    async def unlink(self, client_id: int, channel: str, bot: str, platform_user_id: str) -> bool:
        """Detach one channel identity from its client, at the client's request.

        The identity starts over as a new, unverified client; the history written so far stays
        with the client it belongs to. False when the identity is not this client's.
        """
        async with self._db.session() as session:
            identity = await session.scalar(
                select(ChannelIdentity).where(
                    ChannelIdentity.client_id == client_id,
                    ChannelIdentity.channel == channel,
                    ChannelIdentity.bot == bot,
                    ChannelIdentity.platform_user_id == platform_user_id,
                )
            )
            if identity is None:
                return False
            now = self._clock()
            fresh = Client(locale="ru", preferred_channel=channel, created_at=now, updated_at=now)
            session.add(fresh)
            await session.flush()
            identity.client_id = fresh.id
            identity.phone = None
        return True

    async def reachable(self, client_id: int) -> Reachable | None:
        """Where to tell a client something proactively: their preferred channel if they can be
        reached there, else the channel they used last; None if every identity unsubscribed."""
        async with self._db.session() as session:
            client = await session.get(Client, client_id)
            if client is None:
                return None
            identities = (
                await session.scalars(
                    select(ChannelIdentity)
                    .where(ChannelIdentity.client_id == client_id, ChannelIdentity.unsubscribed.is_(False))
                    .order_by(ChannelIdentity.last_seen_at.desc(), ChannelIdentity.id.desc())
                )
            ).all()
            if not identities:
                return None
            preferred = [i for i in identities if i.channel == client.preferred_channel]
            identity = (preferred or identities)[0]
            return Reachable(
                conversation=ConversationRef(
                    channel=Channel(identity.channel),
                    bot=identity.bot,
                    chat_id=identity.chat_id,
                    user_id=identity.platform_user_id,
                ),
                locale=client.locale,
                last_inbound_at=identity.last_inbound_at,
            )

    async def mark_recipient_gone(self, channel: str, bot: str, platform_user_id: str) -> None:
        """The platform refused a send because the client blocked the bot: message them no more."""
        async with self._db.session() as session:
            identity = await session.scalar(
                select(ChannelIdentity).where(
                    ChannelIdentity.channel == channel,
                    ChannelIdentity.bot == bot,
                    ChannelIdentity.platform_user_id == platform_user_id,
                )
            )
            if identity is not None:
                identity.unsubscribed = True

    async def client_id_for(self, public_id: str) -> int | None:
        async with self._db.session() as session:
            return await session.scalar(select(Client.id).where(Client.public_id == public_id))

    async def public_id_for(self, client_id: int) -> str | None:
        async with self._db.session() as session:
            return await session.scalar(select(Client.public_id).where(Client.id == client_id))

    async def _known(self, event: Inbound) -> ClientProfile | None:
        """The profile of a known identity whose client this event leaves as it is; else None."""
        sender = event.sender
        key = {"channel": event.channel.value, "bot": event.bot, "user_id": sender.user_id}

        @writes_once
        async def look_up(connection: AsyncConnection) -> tuple[Row[*tuple[Any, ...]], dict[str, Any]] | None:
            row = (await connection.execute(self._known_row, key)).one_or_none()
            if row is None or _changes_client(row, event):
                return None
            changes = _identity_changes(row, event, self._clock())
            if changes:
                await connection.execute(self._touch, {"identity_id": row.id, **changes})
            return row, changes

        found = await self._db.grouped(look_up)
        if found is None:
            return None
        row, changes = found
        return ClientProfile(
            client_id=row.client_id,
            public_id=row.public_id,
            identity_id=row.id,
            first_name=row.first_name,
            locale=row.locale,
            phone=row.phone,
            phone_verified=row.phone_verified,
            always_human=row.always_human,
            unsubscribed=changes.get("unsubscribed", row.unsubscribed),
        )

    async def _identify(self, session: AsyncSession, event: Inbound) -> ClientProfile:
        """Also applies a phone the platform proves (WhatsApp) as a verified contact would."""
        now = self._clock()
        sender = event.sender
        identity = await session.scalar(
            select(ChannelIdentity)
            .where(
                ChannelIdentity.channel == event.channel.value,
                ChannelIdentity.bot == event.bot,
                ChannelIdentity.platform_user_id == sender.user_id,
            )
            .with_for_update()
        )
        if identity is None:
            client = Client(
                first_name=sender.first_name,
                locale=supported_locale(sender.locale) or "ru",
                preferred_channel=event.channel.value,
                created_at=now,
                updated_at=now,
            )
            session.add(client)
            await session.flush()
            identity = ChannelIdentity(
                client_id=client.id,
                channel=event.channel.value,
                bot=event.bot,
                platform_user_id=sender.user_id,
                chat_id=event.conversation.chat_id,
                first_seen_at=now,
                last_seen_at=now,
            )
            session.add(identity)
        else:
            loaded = await session.get(Client, identity.client_id)
            if loaded is None:
                raise AssertionError("channel identity without a client")
            client = loaded

        self._refresh(client, identity, event, now)
        body = event.body
        if isinstance(body, ContactShared):
            client = await self._take_contact(session, client, identity, body)
        elif sender.verified_phone and (identity.phone is None or client.phone_verified is False):
            proof = ContactShared(phone=sender.verified_phone, verified=True, first_name=sender.first_name)
            client = await self._take_contact(session, client, identity, proof)
        await session.flush()
        return _profile(client, identity)

    def _refresh(self, client: Client, identity: ChannelIdentity, event: Inbound, now: datetime) -> None:
        sender = event.sender
        identity.chat_id = event.conversation.chat_id
        identity.display_name = sender.display_name or identity.display_name
        identity.username = sender.username or identity.username
        identity.last_seen_at = now
        identity.unsubscribed = isinstance(event.body, UnsubscribedBody)
        if not identity.unsubscribed:
            received = event.received_at.astimezone(UTC)
            if identity.last_inbound_at is None or received > identity.last_inbound_at:
                identity.last_inbound_at = received
        locale = supported_locale(sender.locale)
        if locale is not None and locale != client.locale:
            client.locale = locale
        if client.first_name is None and sender.first_name:
            client.first_name = sender.first_name

    async def _take_contact(
        self, session: AsyncSession, client: Client, identity: ChannelIdentity, contact: ContactShared
    ) -> Client:
        phone = normalize_phone(contact.phone)
        if phone is None:
            return client
        identity.phone = phone
        if not contact.verified:
            return client
        owner = await session.scalar(
            select(Client).where(
                Client.phone == phone, Client.phone_verified.is_(True), Client.id != client.id
            )
        )
        if owner is not None:
            await move_identity(session, identity, source=client, target=owner)
            return owner
        client.phone = phone
        client.phone_verified = True
        client.first_name = client.first_name or contact.first_name
        client.last_name = client.last_name or contact.last_name
        return client


def _changes_client(row: Row[*tuple[Any, ...]], event: Inbound) -> bool:
    """Whether ``event`` tells something new about the client (the full path applies it)."""
    sender = event.sender
    locale = supported_locale(sender.locale)
    if locale is not None and locale != row.locale:
        return True
    if row.first_name is None and sender.first_name:
        return True
    return bool(sender.verified_phone and (row.identity_phone is None or row.phone_verified is False))


def _identity_changes(row: Row[*tuple[Any, ...]], event: Inbound, now: datetime) -> dict[str, Any]:
    """What ``IdentityService._refresh`` would change, with the times only once per ``SEEN_PRECISION``."""
    sender = event.sender
    wanted: dict[str, Any] = {
        "chat_id": event.conversation.chat_id,
        "display_name": sender.display_name or row.display_name,
        "username": sender.username or row.username,
        "unsubscribed": isinstance(event.body, UnsubscribedBody),
    }
    changes = {name: value for name, value in wanted.items() if getattr(row, name) != value}
    stale = row.last_seen_at is None or now - row.last_seen_at >= SEEN_PRECISION
    if not wanted["unsubscribed"]:
        received = event.received_at.astimezone(UTC)
        if row.last_inbound_at is None or received - row.last_inbound_at >= SEEN_PRECISION:
            changes["last_inbound_at"] = received
    if changes or stale:
        changes["last_seen_at"] = now
    return changes

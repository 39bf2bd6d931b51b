"""Clients as a whole (profile and identities) for integrations, and clients known before they write."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from adapters.phones import normalize_phone
from cabinet_api.db import Database
from cabinet_api.models import ChannelIdentity, Client
from cabinet_api.services.errors import NotFound
from cabinet_api.services.views import ClientDetail, IdentityView


def _identity_view(identity: ChannelIdentity) -> IdentityView:
    return IdentityView(
        channel=identity.channel,
        bot=identity.bot,
        display_name=identity.display_name,
        username=identity.username,
        unsubscribed=identity.unsubscribed,
        last_seen_at=identity.last_seen_at,
        last_inbound_at=identity.last_inbound_at,
    )


class ClientService:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    async def get_client(self, public_id: str) -> ClientDetail:
        async with self._db.session() as session:
            client = await session.scalar(select(Client).where(Client.public_id == public_id))
            if client is None:
                raise NotFound("client", public_id)
            identities = await session.scalars(
                select(ChannelIdentity)
                .where(ChannelIdentity.client_id == client.id)
                .order_by(ChannelIdentity.last_seen_at.desc(), ChannelIdentity.id.desc())
            )
            return ClientDetail(
                id=client.id,
                public_id=client.public_id,
                first_name=client.first_name,
                last_name=client.last_name,
                phone=client.phone,
                phone_verified=client.phone_verified,
                email=client.email,
                locale=client.locale,
                preferred_channel=client.preferred_channel,
                always_human=client.always_human,
                broadcast_opt_out=client.broadcast_opt_out,
                created_at=client.created_at,
                identities=tuple(_identity_view(identity) for identity in identities),
            )

    async def ensure_verified_client(
        self, phone: str, *, first_name: str, last_name: str | None = None, locale: str = "ru"
    ) -> int:
        """The client who owns the verified ``phone``, created when there is none (the CRM knows them).

        A messenger identity that later shares this phone joins this client.
        """
        normalized = normalize_phone(phone)
        if normalized is None:
            raise ValueError("not a phone number")
        async with self._db.session() as session:
            existing = await session.scalar(
                select(Client.id).where(Client.phone == normalized, Client.phone_verified.is_(True))
            )
            if existing is not None:
                return existing
            now = self._clock()
            client = Client(
                first_name=first_name,
                last_name=last_name,
                phone=normalized,
                phone_verified=True,
                locale=locale,
                created_at=now,
                updated_at=now,
            )
            session.add(client)
            await session.flush()
            return client.id

"""Object-level access: a client opens only what is theirs, and every other attempt is logged."""

from __future__ import annotations

import logging
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cabinet_api.models import Base, Client
from cabinet_api.services.errors import NotFound, NotOwned

logger = logging.getLogger("cabinet_api.access")

OwnedT = TypeVar("OwnedT", bound=Base)


async def by_public_id(
    session: AsyncSession, model: type[OwnedT], kind: str, public_id: str, *, for_update: bool = False
) -> OwnedT:
    """``model`` is any table with a ``public_id`` column."""
    query = select(model).where(model.__table__.c.public_id == public_id)
    if for_update:
        query = query.with_for_update()
    found = await session.scalar(query)
    if found is None:
        raise NotFound(kind, public_id)
    return found


async def owned(
    session: AsyncSession,
    model: type[OwnedT],
    kind: str,
    public_id: str,
    client_id: int,
    *,
    for_update: bool = False,
) -> OwnedT:
    """The ``model`` row with ``public_id`` if it belongs to ``client_id``; NotFound / NotOwned otherwise.

    ``model`` is any table with ``public_id`` and ``client_id`` columns.
    """
    found = await by_public_id(session, model, kind, public_id, for_update=for_update)
    if getattr(found, "client_id") != client_id:  # noqa: B009
        who = await session.scalar(select(Client.public_id).where(Client.id == client_id))
        logger.warning("client %s tried to open %s %s", who, kind, public_id)
        raise NotOwned(kind, public_id)
    return found

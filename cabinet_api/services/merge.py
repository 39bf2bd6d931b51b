"""Moving a channel identity to the client who owns its verified phone (one profile across channels)."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cabinet_api.models import (
    ChannelIdentity,
    Client,
    Contract,
    FollowUpTask,
    HandoffRecord,
    Message,
    Payment,
    Rating,
    Recording,
    Refund,
    Request,
)

CLIENT_OWNED = (Message, Request, HandoffRecord, Contract, Payment, Refund, Recording, Rating, FollowUpTask)


async def move_identity(
    session: AsyncSession, identity: ChannelIdentity, source: Client, target: Client
) -> None:
    """Move ``identity`` and its messages from ``source`` to ``target``.

    When ``source`` is left without any identity it was only ever this identity's shadow:
    its remaining history, requests, hand-offs and everything else it owns go to ``target`` and it is deleted.
    """
    identity.client_id = target.id
    await session.execute(
        update(Message)
        .where(Message.identity_id == identity.id)
        .values(client_id=target.id)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    remaining = await session.scalar(
        select(func.count()).select_from(ChannelIdentity).where(ChannelIdentity.client_id == source.id)
    )
    if remaining:
        return
    for model in CLIENT_OWNED:
        await session.execute(
            update(model)
            .where(model.client_id == source.id)
            .values(client_id=target.id)
            .execution_options(synchronize_session=False)
        )
    target.first_name = target.first_name or source.first_name
    target.last_name = target.last_name or source.last_name
    target.email = target.email or source.email
    target.always_human = target.always_human or source.always_human
    target.broadcast_opt_out = target.broadcast_opt_out or source.broadcast_opt_out
    await session.execute(
        delete(Client).where(Client.id == source.id).execution_options(synchronize_session=False)
    )
    session.expunge(source)

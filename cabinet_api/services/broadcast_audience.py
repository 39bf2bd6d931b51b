"""The audience of a broadcast: one channel identity per client, chosen by the filter, never anyone
who opted out, unsubscribed in that channel, or gave a low CSAT score lately."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, exists, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from cabinet_api.models import ChannelIdentity, Client, Rating, RatingScale, Request, RequestStatus
from cabinet_api.services.broadcast_views import Audience, AudienceCount

LOW_CSAT = 3
OPEN_REQUEST = (RequestStatus.NEW.value, RequestStatus.IN_WORK.value)


@dataclass(frozen=True, slots=True)
class Target:
    client_id: int
    channel: str
    bot: str
    platform_user_id: str
    chat_id: str
    locale: str


def _low_score_since(since: datetime) -> ColumnElement[bool]:
    return exists().where(
        Rating.client_id == Client.id,
        Rating.scale == RatingScale.CSAT.value,
        Rating.score <= LOW_CSAT,
        Rating.created_at >= since,
    )


def _matching(audience: Audience, now: datetime) -> list[ColumnElement[bool]]:
    """The filter's own conditions, before the exclusions everyone gets."""
    conditions: list[ColumnElement[bool]] = [ChannelIdentity.unsubscribed.is_(False)]
    if audience.channels:
        conditions.append(ChannelIdentity.channel.in_(audience.channels))
    if audience.bots:
        conditions.append(ChannelIdentity.bot.in_(audience.bots))
    if audience.last_contact_days is not None:
        since = now - timedelta(days=audience.last_contact_days)
        conditions.append(ChannelIdentity.last_inbound_at >= since)
    if audience.locale:
        conditions.append(Client.locale == audience.locale)
    if audience.has_open_request is not None:
        has_open = exists().where(Request.client_id == Client.id, Request.status.in_(OPEN_REQUEST))
        conditions.append(has_open if audience.has_open_request else ~has_open)
    return conditions


def _base(audience: Audience, now: datetime) -> Select[int, str, str, str, str, str, str | None, bool, bool]:
    low_score = (
        _low_score_since(now - timedelta(days=audience.quiet_after_low_score_days))
        if audience.quiet_after_low_score_days > 0
        else false()
    )
    return (
        select(
            Client.id,
            ChannelIdentity.channel,
            ChannelIdentity.bot,
            ChannelIdentity.platform_user_id,
            ChannelIdentity.chat_id,
            Client.locale,
            Client.preferred_channel,
            Client.broadcast_opt_out,
            low_score.label("low_score"),
        )
        .join(Client, Client.id == ChannelIdentity.client_id)
        .where(and_(true(), *_matching(audience, now)))
        .order_by(Client.id, ChannelIdentity.last_seen_at.desc(), ChannelIdentity.id.desc())
    )


async def _rows(session: AsyncSession, audience: Audience, now: datetime) -> tuple[list[Target], int, int]:
    """One target per client (the preferred channel if it matches, else the one seen last), and the
    numbers of clients left out for opting out and for a low score."""
    chosen: dict[int, Target] = {}
    preferred: dict[int, str | None] = {}
    opted_out: set[int] = set()
    low: set[int] = set()
    for row in await session.execute(_base(audience, now)):
        (
            client_id,
            channel,
            bot,
            user_id,
            chat_id,
            locale,
            prefers,
            opt_out,
            low_score,
        ) = row
        if opt_out:
            opted_out.add(client_id)
            continue
        if low_score:
            low.add(client_id)
            continue
        target = Target(client_id, channel, bot, user_id, chat_id, locale)
        if client_id not in chosen:
            chosen[client_id], preferred[client_id] = target, prefers
        elif prefers == channel and chosen[client_id].channel != prefers:
            chosen[client_id] = target
    return list(chosen.values()), len(opted_out), len(low)


async def audience_targets(session: AsyncSession, audience: Audience, now: datetime) -> list[Target]:
    targets, _, _ = await _rows(session, audience, now)
    return targets


async def audience_count(session: AsyncSession, audience: Audience, now: datetime) -> AudienceCount:
    targets, opted_out, low = await _rows(session, audience, now)
    by_channel: dict[str, int] = {}
    for target in targets:
        by_channel[target.channel] = by_channel.get(target.channel, 0) + 1
    return AudienceCount(
        total=len(targets), by_channel=by_channel, excluded_opted_out=opted_out, excluded_low_score=low
    )

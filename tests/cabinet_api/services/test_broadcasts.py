"""Broadcasts in the cabinet on both databases: who is in the audience, and claims that never overlap."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from adapters.types import Channel, Outbound, StartBody
from bots.pipeline.broadcasts import broadcast_outbound
from cabinet_api import CabinetServices
from cabinet_api.services import Audience, NewBroadcast
from tests.cabinet_api.conftest import FakeClock, inbound


async def _clients(cabinet: CabinetServices, count: int) -> list[int]:
    ids = []
    for n in range(count):
        profile = await cabinet.identity.identify(inbound(StartBody(), user=str(500 + n)))
        ids.append(profile.client_id)
    return ids


async def _started(cabinet: CabinetServices, audience: Audience | None = None) -> str:
    made = await cabinet.broadcasts.create(
        NewBroadcast(title="Новости", text="С 1 декабря — круглосуточно.", audience=audience or Audience()),
        person_id=None,
    )
    await cabinet.broadcasts.schedule(made.public_id)
    assert await cabinet.broadcasts.start_due() == [made.public_id]
    return made.public_id


async def test_opted_out_clients_and_recent_low_scores_are_left_out(cabinet: CabinetServices) -> None:
    opted_out, low, fine, _never_rated = await _clients(cabinet, 4)
    await cabinet.broadcasts.set_opt_out(opted_out, True)
    await cabinet.ratings.rate(
        low, subject="handoff", subject_id="h1", scale="csat", score=2, channel="telegram"
    )
    await cabinet.ratings.rate(
        fine, subject="handoff", subject_id="h2", scale="csat", score=5, channel="telegram"
    )

    count = await cabinet.broadcasts.preview(Audience())
    without_quiet = await cabinet.broadcasts.preview(Audience(quiet_after_low_score_days=0))
    viber_only = await cabinet.broadcasts.preview(Audience(channels=(Channel.VIBER.value,)))

    assert (count.total, count.excluded_opted_out, count.excluded_low_score) == (2, 1, 1)
    assert count.by_channel == {"telegram": 2}
    assert without_quiet.total == 3
    assert viber_only.total == 0


async def test_concurrent_claims_never_take_the_same_recipient(cabinet: CabinetServices) -> None:
    await _clients(cabinet, 12)
    await _started(cabinet)

    batches = await asyncio.gather(
        *(cabinet.broadcasts.claim("telegram", "legal", limit=5) for _ in range(4))
    )
    ids = [claim.recipient_id for batch in batches for claim in batch]

    assert sorted(ids) == sorted(set(ids))
    assert len(ids) == 12
    assert await cabinet.broadcasts.claim("telegram", "legal", limit=5) == []


async def test_a_paused_broadcast_is_not_claimed_and_resumes_where_it_stopped(
    cabinet: CabinetServices,
) -> None:
    await _clients(cabinet, 3)
    broadcast = await _started(cabinet)
    first = await cabinet.broadcasts.claim("telegram", "legal")

    paused = await cabinet.broadcasts.pause(broadcast)
    while_paused = await cabinet.broadcasts.claim("telegram", "legal", limit=10)
    await cabinet.broadcasts.resume(broadcast)
    rest = await cabinet.broadcasts.claim("telegram", "legal", limit=10)

    assert (paused.status, paused.progress.pending) == ("paused", 2)
    assert while_paused == []
    assert {c.recipient_id for c in rest}.isdisjoint({c.recipient_id for c in first})
    assert len(first) + len(rest) == 3


async def test_a_claim_lost_before_the_outbox_is_handed_again_later_and_only_it(
    cabinet: CabinetServices, clock: FakeClock
) -> None:
    await _clients(cabinet, 2)
    await _started(cabinet)
    lost, handed = await cabinet.broadcasts.claim("telegram", "legal", limit=2)
    await cabinet.broadcasts.handed([handed.recipient_id])

    early = await cabinet.broadcasts.stale_claims(timedelta(minutes=2))
    clock.advance(timedelta(minutes=3))
    late = await cabinet.broadcasts.stale_claims(timedelta(minutes=2))

    assert early == []
    assert [claim.recipient_id for claim in late] == [lost.recipient_id]
    assert late[0].outbound_id == lost.outbound_id


async def test_a_client_who_opts_out_after_the_start_is_skipped_and_a_foreign_press_is_refused(
    cabinet: CabinetServices,
) -> None:
    anna, boris = await _clients(cabinet, 2)
    made = await cabinet.broadcasts.create(
        NewBroadcast(title="Опрос", text="Удобно ли вам?", audience=Audience(), buttons=()),
        person_id=None,
    )
    await cabinet.broadcasts.schedule(made.public_id)
    await cabinet.broadcasts.start_due()
    await cabinet.broadcasts.set_opt_out(boris, True)

    claims = await cabinet.broadcasts.claim("telegram", "legal", limit=5)
    progress = (await cabinet.broadcasts.broadcast(made.public_id)).progress

    assert [claim.client_id for claim in claims] == [anna]
    assert progress.skipped == 1
    assert await cabinet.broadcasts.press(boris, claims[0].recipient_id, 0) is None
    assert await cabinet.broadcasts.finish_sent() == []
    await cabinet.broadcasts.handed([claims[0].recipient_id])
    assert await cabinet.broadcasts.finish_sent() == [made.public_id]


async def test_a_handed_broadcast_message_is_unfinished_until_the_outbox_finishes_it(
    cabinet: CabinetServices, clock: FakeClock
) -> None:
    """So a Redis that restarted empty loses no broadcast message either (``UnfinishedOutbound``)."""
    await _clients(cabinet, 2)
    await _started(cabinet)
    sent, waiting = await cabinet.broadcasts.claim("telegram", "legal", limit=2)
    outbounds = [broadcast_outbound(claim) for claim in (sent, waiting)]
    ref = outbounds[0].conversation
    await cabinet.history.mark_outbound(sent.outbound_id, ref.channel.value, ref.bot, status="sent")
    await cabinet.broadcasts.handed([sent.recipient_id, waiting.recipient_id], outbounds)

    clock.advance(timedelta(minutes=1))
    unfinished = await cabinet.unfinished.claim_stale(timedelta(seconds=10))

    assert [reply.outbound_id for reply in unfinished] == [waiting.outbound_id]
    assert Outbound.model_validate_json(unfinished[0].envelope) == outbounds[1]

"""Replies a Redis that restarted empty forgot come back from the history, once and in order.

The history keeps each queued reply's outbox item until the outbox finishes it; the sweep queues
again what is still unfinished, claiming each row so that no second sweep takes it, and a put is
refused while the queue still holds the reply.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from adapters.types import Outbound, Reply, TextBody
from bots.pipeline.outbox_recovery import RECOVER_AFTER, requeue_unfinished
from bots.state import WorkQueue
from bots.state.memory import MemoryWorkQueue
from cabinet_api import CabinetServices
from tests.cabinet_api.conftest import FakeClock, inbound


async def queued_replies(cabinet: CabinetServices, user: str, texts: list[str]) -> list[Outbound]:
    """A turn's replies, appended to the history as the inbox does (status ``queued``)."""
    event = inbound(TextBody(text="вопрос"), user=user)
    profile = await cabinet.identity.identify(event)
    outbounds = [
        Outbound(id=f"{event.message_ref}:{index}", conversation=event.conversation, reply=Reply(text=text))
        for index, text in enumerate(texts)
    ]
    await cabinet.history.record_outbound_many(profile, outbounds, status="queued")
    return outbounds


async def texts_in(queue: WorkQueue, count: int) -> list[str]:
    """What the queue holds, in the order a consumer gets it."""
    texts: list[str] = []
    stop = asyncio.Event()

    async def take(item: bytes) -> None:
        texts.append(Outbound.model_validate_json(item).reply.text)
        if len(texts) == count:
            stop.set()

    await asyncio.wait_for(queue.run(take, stop=stop), 10)
    return texts


async def test_unfinished_replies_are_queued_again_once_in_order_and_finished_ones_never(
    cabinet: CabinetServices, clock: FakeClock
) -> None:
    first = await queued_replies(cabinet, "100", ["e1", "e2", "e3"])
    await queued_replies(cabinet, "200", ["чужой ответ"])
    sent = first[1]
    ref = sent.conversation
    await cabinet.history.mark_outbound(sent.id, ref.channel.value, ref.bot, status="sent")
    outbox = MemoryWorkQueue("outbox", dedupe_ttl=3600)  # what a Redis restarted empty holds: nothing

    assert await requeue_unfinished(cabinet.unfinished, outbox) == 0, "not before RECOVER_AFTER"
    clock.advance(RECOVER_AFTER + timedelta(seconds=1))
    assert await requeue_unfinished(cabinet.unfinished, outbox) == 3
    assert await requeue_unfinished(cabinet.unfinished, outbox) == 0, "claimed: no other sweep takes them"
    clock.advance(RECOVER_AFTER + timedelta(seconds=1))
    assert await requeue_unfinished(cabinet.unfinished, outbox) == 0, "still queued: the put is refused"

    texts = await texts_in(outbox, 3)
    assert [text for text in texts if text.startswith("e")] == ["e1", "e3"], "the conversation's order"
    assert "чужой ответ" in texts


async def test_a_reply_queued_again_and_again_without_being_finished_is_left_alone(
    cabinet: CabinetServices, clock: FakeClock
) -> None:
    await queued_replies(cabinet, "100", ["e1"])
    claims = 0
    for _ in range(8):
        clock.advance(RECOVER_AFTER + timedelta(seconds=1))
        claimed = await cabinet.unfinished.claim_stale(RECOVER_AFTER)
        await cabinet.unfinished.requeued([reply.id for reply in claimed])
        claims += len(claimed)
    assert claims == 5


async def test_a_reply_waiting_behind_a_long_backlog_is_still_queued_again_once_redis_forgot_it(
    cabinet: CabinetServices, clock: FakeClock
) -> None:
    """Every sweep offers a reply still queued behind a backlog (a broadcast's, say), and the queue
    refuses it; those offers used to count toward the limit, and the reply, left alone, was lost
    when Redis restarted empty after a minute of it."""
    (reply,) = await queued_replies(cabinet, "100", ["e1"])
    backlog = MemoryWorkQueue("outbox", dedupe_ttl=3600)
    assert await backlog.put(reply.conversation.key, reply.model_dump_json().encode(), dedupe_id=reply.id)
    for _ in range(8):
        clock.advance(RECOVER_AFTER + timedelta(seconds=1))
        assert await requeue_unfinished(cabinet.unfinished, backlog) == 0

    forgotten = MemoryWorkQueue("outbox", dedupe_ttl=3600)
    clock.advance(RECOVER_AFTER + timedelta(seconds=1))
    assert await requeue_unfinished(cabinet.unfinished, forgotten) == 1
    assert await texts_in(forgotten, 1) == ["e1"]

"""What a webhook accepted, and the replies it caused, outlive a Redis that restarted empty: the
database keeps the record.

Real PostgreSQL and Redis: events go in through ``Ingest`` (what the webhooks call), Redis loses
every key of this test, and the recovery sweep queues again what was never handled, once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from adapters.types import Inbound, TextBody
from bots.pipeline.outbox_recovery import requeue_all_unfinished
from bots.pipeline.recovery import RECOVER_AFTER, sweep
from bots.pipeline.webhooks import Ingest
from bots.state import QueueUnavailable
from bots.state.redis import KeySpace, RedisWorkQueue
from cabinet_api import CabinetServices, Database, cabinet_services
from tests.bots.pipeline.test_outbox_recovery import queued_replies, texts_in
from tests.cabinet_api.conftest import FakeClock, inbound


@pytest.fixture
async def cabinet(postgres_url: str) -> AsyncIterator[tuple[CabinetServices, FakeClock]]:
    database = Database(postgres_url)
    await database.migrate()
    clock = FakeClock()
    try:
        yield cabinet_services(database, clock=clock), clock
    finally:
        await database.dispose()


async def _forget_everything(redis_client: Any, redis_keys: KeySpace) -> None:
    keys = [key async for key in redis_client.scan_iter(match=redis_keys.pattern, count=1000)]
    if keys:
        await redis_client.delete(*keys)


async def _payloads(inbox: RedisWorkQueue, redis_client: Any, redis_keys: KeySpace) -> list[str]:
    texts: list[str] = []
    for stream in [key async for key in redis_client.scan_iter(match=redis_keys.pattern, count=1000)]:
        if await redis_client.type(stream) == b"stream":
            for _, fields in await redis_client.xrange(stream):
                body = Inbound.model_validate_json(fields[b"v"]).body
                assert isinstance(body, TextBody)
                texts.append(body.text)
    return sorted(texts)


async def test_accepted_events_redis_forgot_are_queued_again_once_unless_handled(
    cabinet: tuple[CabinetServices, FakeClock], redis_client: Any, redis_keys: KeySpace
) -> None:
    services, clock = cabinet
    inbox = RedisWorkQueue(redis_client, redis_keys, "inbox", shards=2, dedupe_ttl=3600)
    ingest = Ingest(inbox, services.accepted)
    lost, handled = inbound(TextBody(text="потерянное")), inbound(TextBody(text="отвеченное"), user="200")
    assert await ingest.events([lost, handled]) == 2
    await services.accepted.mark_handled(handled.dedupe_key)
    await _forget_everything(redis_client, redis_keys)  # Redis restarted empty

    assert await sweep(services.accepted, inbox) == 0, "not before RECOVER_AFTER"
    clock.advance(RECOVER_AFTER + timedelta(seconds=1))
    assert await sweep(services.accepted, inbox) == 1
    assert await _payloads(inbox, redis_client, redis_keys) == ["потерянное"]
    assert await sweep(services.accepted, inbox) == 0, "claimed: no other sweep takes it meanwhile"

    clock.advance(RECOVER_AFTER + timedelta(seconds=1))
    assert await sweep(services.accepted, inbox) == 0, "still queued: the put is refused as a duplicate"
    assert await inbox.depth() == 1
    assert await ingest.events([lost]) == 0, "a redelivery is a duplicate as before"


async def test_a_conversations_earlier_unhandled_events_come_back_in_order(
    cabinet: tuple[CabinetServices, FakeClock], redis_client: Any, redis_keys: KeySpace
) -> None:
    services, _ = cabinet
    inbox = RedisWorkQueue(redis_client, redis_keys, "inbox", shards=2, dedupe_ttl=3600)
    ingest = Ingest(inbox, services.accepted)
    first, second, third = (inbound(TextBody(text=text)) for text in ("m1", "m2", "m3"))
    other = inbound(TextBody(text="чужое"), user="300")
    assert await ingest.events([first, second, other, third]) == 4
    await services.accepted.mark_handled(first.dedupe_key)

    earlier = await services.accepted.earlier_unhandled(third.dedupe_key, third.conversation.key)
    assert [key for key, _ in earlier] == [second.dedupe_key]
    assert [Inbound.model_validate_json(raw).dedupe_key for _, raw in earlier] == [second.dedupe_key]
    assert await services.accepted.earlier_unhandled(first.dedupe_key, first.conversation.key) == []


async def test_without_the_database_nothing_is_queued_and_the_webhook_is_told_to_come_back(
    redis_client: Any, redis_keys: KeySpace
) -> None:
    unreachable = Database("postgresql+asyncpg://postgres@127.0.0.1:9/nowhere")
    inbox = RedisWorkQueue(redis_client, redis_keys, "inbox", shards=2, dedupe_ttl=3600)
    ingest = Ingest(inbox, cabinet_services(unreachable).accepted)
    event = inbound(TextBody(text="во время сбоя"))
    try:
        with pytest.raises(QueueUnavailable):
            await ingest.events([event])
    finally:
        await unreachable.dispose()
    assert await inbox.depth() == 0
    assert await Ingest(inbox).events([event]) == 1, "not marked seen: the redelivery is queued"


async def test_after_redis_lost_its_data_every_unfinished_reply_is_queued_again_at_once(
    cabinet: tuple[CabinetServices, FakeClock], redis_client: Any, redis_keys: KeySpace
) -> None:
    """What the queues' fence runs once every worker is held: no waiting for RECOVER_AFTER, every
    page of the backlog, each conversation in its order, and a second run adds nothing."""
    services, _ = cabinet
    outbox = RedisWorkQueue(redis_client, redis_keys, "outbox", shards=2, dedupe_ttl=3600)
    replies = await queued_replies(services, "100", [f"e{n}" for n in range(1, 4)])
    for outbound in replies:
        key = outbound.conversation.key
        assert await outbox.put(key, outbound.model_dump_json().encode(), dedupe_id=outbound.id)
    await _forget_everything(redis_client, redis_keys)

    await requeue_all_unfinished(services.unfinished, outbox, batch=2)
    await requeue_all_unfinished(services.unfinished, outbox, batch=2)

    assert await outbox.depth() == 3
    assert await texts_in(outbox, 3) == ["e1", "e2", "e3"]


async def test_a_reply_queued_into_the_empty_redis_by_a_turn_in_hand_does_not_overtake_the_forgotten_ones(
    cabinet: tuple[CabinetServices, FakeClock], redis_client: Any, redis_keys: KeySpace
) -> None:
    """CI once saw one reply of 600 out of order across an empty restart: a turn in hand at the loss
    queued its reply into the new Redis before the recovery brought back the earlier ones."""
    services, _ = cabinet
    outbox = RedisWorkQueue(redis_client, redis_keys, "outbox", shards=2, dedupe_ttl=3600)
    earlier = await queued_replies(services, "100", ["e1", "e2"])
    for outbound in earlier:
        assert await outbox.put(
            outbound.conversation.key, outbound.model_dump_json().encode(), dedupe_id=outbound.id
        )
    await _forget_everything(redis_client, redis_keys)
    (later,) = await queued_replies(services, "100", ["e3"])
    assert await outbox.put(later.conversation.key, later.model_dump_json().encode(), dedupe_id=later.id)

    assert await requeue_all_unfinished(services.unfinished, outbox) == 3

    assert await outbox.depth() == 3
    assert await texts_in(outbox, 3) == ["e1", "e2", "e3"]
    assert not await outbox.put(later.conversation.key, later.model_dump_json().encode(), dedupe_id=later.id)


async def test_an_event_waiting_behind_a_long_backlog_is_still_queued_again_once_redis_forgot_it(
    cabinet: tuple[CabinetServices, FakeClock], redis_client: Any, redis_keys: KeySpace
) -> None:
    """Sweeps offer an event still queued behind a backlog and the inbox refuses it; the offers do
    not count toward the limit of queuing it again, so it is not left alone once Redis forgets it."""
    services, clock = cabinet
    inbox = RedisWorkQueue(redis_client, redis_keys, "inbox", shards=2, dedupe_ttl=3600)
    assert await Ingest(inbox, services.accepted).events([inbound(TextBody(text="в очереди"))]) == 1
    for _ in range(8):
        clock.advance(RECOVER_AFTER + timedelta(seconds=1))
        assert await sweep(services.accepted, inbox) == 0, "still queued: refused"

    await _forget_everything(redis_client, redis_keys)
    clock.advance(RECOVER_AFTER + timedelta(seconds=1))
    assert await sweep(services.accepted, inbox) == 1
    assert await _payloads(inbox, redis_client, redis_keys) == ["в очереди"]

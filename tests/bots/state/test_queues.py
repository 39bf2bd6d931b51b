"""One contract for every work queue (in-process, SQLite, Redis), plus the Redis multi-process behaviour."""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
import redis.asyncio as redis

from bots.state import Backoff, Handler, WorkQueue
from bots.state.memory import MemoryWorkQueue
from bots.state.redis import KeySpace, RedisWorkQueue
from bots.state.redis.leases import DataLossFence, ShardLeases
from bots.state.sqlite import SqliteQueueFile, SqliteWorkQueue
from tests.support.waiting import eventually

FAST_RETRY = Backoff(initial=0.005, maximum=0.02)
LEASE_TTL_MS = 300

QueueFactory = Callable[[], WorkQueue]


def _redis_queue(
    client: redis.Redis, keys: KeySpace, name: str, consumer: str | None = None
) -> RedisWorkQueue:
    return RedisWorkQueue(
        client,
        keys,
        name,
        shards=8,
        dedupe_ttl=60,
        consumer=consumer,
        lease_ttl_ms=LEASE_TTL_MS,
        block_ms=50,
        backoff=FAST_RETRY,
    )


@pytest.fixture
async def queue_file(tmp_path: Path) -> AsyncIterator[SqliteQueueFile]:
    file = await SqliteQueueFile.open(tmp_path / "queues.db")
    yield file
    await file.close()


@pytest.fixture(params=["memory", "sqlite", "redis"])
def make_queue(request: pytest.FixtureRequest) -> Iterator[QueueFactory]:
    """A factory of queue objects over one backing store: for memory the same object each time
    (its state is the store), for SQLite and Redis a new object on the same file or Redis each time."""
    name = f"test-{uuid.uuid4().hex[:8]}"
    if request.param == "memory":
        memory = MemoryWorkQueue(name, dedupe_ttl=60, backoff=FAST_RETRY)
        yield lambda: memory
    elif request.param == "sqlite":
        file: SqliteQueueFile = request.getfixturevalue("queue_file")
        yield lambda: SqliteWorkQueue(file, name, dedupe_ttl=60, backoff=FAST_RETRY)
    else:
        client: redis.Redis = request.getfixturevalue("redis_client")
        keys: KeySpace = request.getfixturevalue("redis_keys")
        yield lambda: _redis_queue(client, keys, name)


async def _run_until(queue: WorkQueue, handler: Handler, done: Callable[[], bool]) -> None:
    """Run ``queue`` until ``done()`` holds after a handled item, then stop it gracefully."""
    stop = asyncio.Event()

    async def handle(item: bytes) -> None:
        await handler(item)
        if done():
            stop.set()

    await asyncio.wait_for(queue.run(handle, stop=stop), 10)


def _item(key: str, number: int) -> bytes:
    return f"{key}/{number}".encode()


def _parse(item: bytes) -> tuple[str, int]:
    key, number = item.decode().split("/")
    return key, int(number)


async def test_items_of_one_key_are_handled_in_put_order_across_many_keys(make_queue: QueueFactory) -> None:
    queue = make_queue()
    keys = [f"chat-{n}" for n in range(50)]
    for number in range(20):
        for key in keys:
            assert await queue.put(key, _item(key, number))
    seen: dict[str, list[int]] = defaultdict(list)
    in_flight = 0
    most_in_flight = 0

    async def handler(item: bytes) -> None:
        nonlocal in_flight, most_in_flight
        in_flight += 1
        most_in_flight = max(most_in_flight, in_flight)
        await asyncio.sleep(random.uniform(0, 0.002))
        key, number = _parse(item)
        seen[key].append(number)
        in_flight -= 1

    await _run_until(queue, handler, lambda: sum(map(len, seen.values())) == 1000)

    wrong = {key: seen[key] for key in keys if seen[key] != list(range(20))}
    assert not wrong, str(wrong)
    assert most_in_flight > 1
    assert await queue.depth() == 0


async def test_different_keys_are_handled_concurrently(make_queue: QueueFactory) -> None:
    queue = make_queue()
    b_started = asyncio.Event()
    handled: list[bytes] = []

    async def handler(item: bytes) -> None:
        if item == b"a":
            await asyncio.wait_for(b_started.wait(), 5)
        else:
            b_started.set()
        handled.append(item)

    await queue.put("key-a", b"a")
    await queue.put("key-b", b"b")
    await _run_until(queue, handler, lambda: len(handled) == 2)

    assert handled == [b"b", b"a"]


async def test_a_repeated_dedupe_id_enqueues_nothing(make_queue: QueueFactory) -> None:
    queue = make_queue()

    assert await queue.put("chat", b"first", dedupe_id="update-1") is True
    assert await queue.put("chat", b"again", dedupe_id="update-1") is False
    assert await queue.put("other-chat", b"again", dedupe_id="update-1") is False
    assert await queue.put("chat", b"second", dedupe_id="update-2") is True
    assert await queue.depth() == 2


async def test_concurrent_duplicates_enqueue_exactly_one(make_queue: QueueFactory) -> None:
    queue = make_queue()

    results = await asyncio.gather(*(queue.put("chat", b"x", dedupe_id="update-7") for _ in range(20)))

    assert sorted(results) == [False] * 19 + [True]
    assert await queue.depth() == 1


async def test_a_failing_item_is_retried_until_it_succeeds_in_its_place(
    make_queue: QueueFactory,
) -> None:
    queue = make_queue()
    for number in range(4):
        await queue.put("chat", _item("chat", number))
    await queue.put("other", _item("other", 0))
    attempts: dict[bytes, int] = defaultdict(int)
    handled: list[bytes] = []

    async def handler(item: bytes) -> None:
        attempts[item] += 1
        if item == _item("chat", 1) and attempts[item] <= 3:
            raise ConnectionError("platform unavailable")
        handled.append(item)

    await _run_until(queue, handler, lambda: len(handled) == 5)

    assert [item for item in handled if item.startswith(b"chat")] == [_item("chat", n) for n in range(4)]
    assert attempts[_item("chat", 1)] == 4
    assert attempts[_item("chat", 2)] == 1
    assert await queue.depth() == 0


async def test_stop_then_run_again_resumes_with_nothing_lost_or_repeated(make_queue: QueueFactory) -> None:
    for number in range(10):
        await make_queue().put("chat", _item("chat", number))
    handled: list[int] = []

    async def handler(item: bytes) -> None:
        handled.append(_parse(item)[1])

    await _run_until(make_queue(), handler, lambda: len(handled) == 3)
    assert handled == [0, 1, 2]
    assert await make_queue().depth() == 7

    await _run_until(make_queue(), handler, lambda: len(handled) == 10)
    assert handled == list(range(10))
    assert await make_queue().depth() == 0


async def test_items_put_while_running_are_handled(make_queue: QueueFactory) -> None:
    queue = make_queue()
    handled: list[bytes] = []

    async def handler(item: bytes) -> None:
        handled.append(item)

    async def produce() -> None:
        for number in range(5):
            await asyncio.sleep(0.01)
            await queue.put("chat", _item("chat", number))

    await asyncio.gather(produce(), _run_until(queue, handler, lambda: len(handled) == 5))

    assert handled == [_item("chat", n) for n in range(5)]


async def test_a_closed_queue_refuses_items(make_queue: QueueFactory) -> None:
    queue = make_queue()
    await queue.close()

    with pytest.raises(RuntimeError):
        await queue.put("chat", b"late")


async def _eventually(condition: Callable[[], Awaitable[bool]]) -> None:
    for _ in range(250):
        if await condition():
            return
        await asyncio.sleep(0.02)
    pytest.fail(f"{condition.__name__} did not happen within 5 s")


async def test_redis_an_item_of_a_worker_that_died_mid_item_is_handled_by_another(
    redis_client: redis.Redis,
    redis_keys: KeySpace,
) -> None:
    name = f"test-{uuid.uuid4().hex[:8]}"
    for number in range(3):
        await _redis_queue(redis_client, redis_keys, name).put("chat", _item("chat", number))
    started = asyncio.Event()

    async def hang(item: bytes) -> None:
        started.set()
        await asyncio.Event().wait()

    dying = asyncio.create_task(
        _redis_queue(redis_client, redis_keys, name, "dies").run(hang, stop=asyncio.Event())
    )
    await asyncio.wait_for(started.wait(), 5)
    dying.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await dying

    handled: list[int] = []

    async def handler(item: bytes) -> None:
        handled.append(_parse(item)[1])

    await _run_until(
        _redis_queue(redis_client, redis_keys, name, "survives"), handler, lambda: len(handled) == 3
    )

    assert handled == [0, 1, 2]
    assert await _redis_queue(redis_client, redis_keys, name).depth() == 0


async def test_redis_a_second_consumer_takes_half_the_shards_and_every_item_is_handled_once_in_order(
    redis_client: redis.Redis,
    redis_keys: KeySpace,
) -> None:
    name = f"test-{uuid.uuid4().hex[:8]}"
    first, second = (
        _redis_queue(redis_client, redis_keys, name, "first"),
        _redis_queue(redis_client, redis_keys, name, "second"),
    )
    keys = [f"chat-{n}" for n in range(30)]
    handled: list[tuple[str, str, int]] = []
    stop = asyncio.Event()

    def handler_of(consumer: str) -> Handler:
        async def handle(item: bytes) -> None:
            await asyncio.sleep(random.uniform(0, 0.01))
            handled.append((consumer, *_parse(item)))

        return handle

    async def produce(numbers: range) -> None:
        for number in numbers:
            for key in keys:
                await first.put(key, _item(key, number))

    def handled_count(count: int) -> Callable[[], Awaitable[bool]]:
        async def handled_enough() -> bool:
            return len(handled) == count

        return handled_enough

    async def lease_owners() -> set[str]:
        owners = await redis_client.mget([redis_keys.key(name, str(shard), "lease") for shard in range(8)])
        return {owner.decode() for owner in owners if isinstance(owner, bytes)}

    async def split() -> bool:
        return await lease_owners() == {"first", "second"}

    running = [asyncio.create_task(first.run(handler_of("first"), stop=stop))]
    try:
        await produce(range(5))
        await _eventually(handled_count(150))
        running.append(asyncio.create_task(second.run(handler_of("second"), stop=stop)))
        await produce(range(5, 10))
        await _eventually(split)
        await produce(range(10, 15))
        await _eventually(handled_count(450))
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*running), 15)

    by_key: dict[str, list[int]] = defaultdict(list)
    consumers_of: dict[str, set[str]] = defaultdict(set)
    for consumer, key, number in handled:
        by_key[key].append(number)
        consumers_of[key].add(consumer)
    assert by_key == {key: list(range(15)) for key in keys}
    assert {"first", "second"} in consumers_of.values()
    assert await lease_owners() == set()


async def test_redis_a_stopped_consumer_hands_its_leases_back_at_once(
    redis_client: redis.Redis,
    redis_keys: KeySpace,
) -> None:
    """Leases of a minute: the successor gets the shards at its first heartbeat only if they were released."""
    name = f"test-{uuid.uuid4().hex[:8]}"

    def queue(consumer: str) -> RedisWorkQueue:
        return RedisWorkQueue(
            redis_client,
            redis_keys,
            name,
            shards=8,
            dedupe_ttl=60,
            consumer=consumer,
            lease_ttl_ms=60_000,
            block_ms=50,
            backoff=FAST_RETRY,
        )

    await queue("old").put("chat", b"chat/0")
    started = asyncio.Event()

    async def hang(item: bytes) -> None:
        started.set()
        await asyncio.Event().wait()

    stopping = asyncio.create_task(queue("old").run(hang, stop=asyncio.Event()))
    await asyncio.wait_for(started.wait(), 5)
    stopping.cancel()  # what a graceful stop does to a handler still busy when its grace is over
    with contextlib.suppress(asyncio.CancelledError):
        await stopping
    handled: list[bytes] = []

    async def handler(item: bytes) -> None:
        handled.append(item)

    await _run_until(queue("new"), handler, lambda: len(handled) == 1)

    assert handled == [b"chat/0"]


_FORGET = """
for _, key in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', key) end
return 0
"""


async def _forget_everything(client: redis.Redis, prefix: str) -> None:
    """What a Redis restarted empty looks like to the processes using it: every key gone at once (one
    by one, a heartbeat in between would see the leases gone and the generation still there)."""
    await client.eval(_FORGET, 0, f"{prefix}*")  # type: ignore[misc]


async def test_redis_no_shard_is_taken_after_redis_lost_everything_until_the_item_in_hand_is_finished(
    redis_client: redis.Redis, redis_keys: KeySpace, redis_prefix: str
) -> None:
    """Two consumers; Redis loses every key while one of them is mid-item. The other (which would
    take the conversation's shard at its next heartbeat) waits until that item is finished, the
    recovery has run once, and only then is the conversation's next item handled."""
    name = f"test-{uuid.uuid4().hex[:8]}"
    queues = [_redis_queue(redis_client, redis_keys, name, consumer) for consumer in ("first", "second")]
    draining = redis_keys.key("fence", "draining")
    events: list[str] = []
    recoveries: list[str] = []

    def recovery_of(consumer: str) -> Callable[[], Awaitable[None]]:
        async def recover() -> None:
            recoveries.append(consumer)
            events.append("recovered")

        return recover

    for queue, consumer in zip(queues, ("first", "second"), strict=True):
        queue.recovery = recovery_of(consumer)
    stop = asyncio.Event()

    async def handler(item: bytes) -> None:
        events.append(f"start {item.decode()}")
        if item == b"chat/0":
            await _forget_everything(redis_client, redis_prefix)
            await queues[0].put("chat", b"chat/1")
            await eventually(lambda: redis_client.zcard(draining), "the fence saw the loss", within=5)
            members = redis_keys.key(name, "consumers")
            await eventually(
                lambda: _both_beat(redis_client, members), "both consumers beat since the loss", within=5
            )
            assert await _keys_like(redis_client, f"{redis_prefix}*:lease") == [], "no lease while held"
        events.append(f"end {item.decode()}")
        if item == b"chat/1":
            stop.set()

    await queues[0].put("chat", b"chat/0")
    running = [asyncio.create_task(queue.run(handler, stop=stop)) for queue in queues]
    await asyncio.wait_for(asyncio.gather(*running), 15)

    assert events == ["start chat/0", "end chat/0", "recovered", "start chat/1", "end chat/1"]
    assert len(recoveries) == 1


async def _both_beat(client: redis.Redis, members: str) -> bool:
    return bool(await client.zcard(members) == 2)


async def test_redis_a_recovery_that_failed_is_asked_for_again_and_then_work_goes_on(
    redis_client: redis.Redis, redis_keys: KeySpace, redis_prefix: str
) -> None:
    queue = _redis_queue(redis_client, redis_keys, f"test-{uuid.uuid4().hex[:8]}")
    attempts: list[str] = []

    async def recover() -> None:
        attempts.append("recover")
        if len(attempts) == 1:
            raise ConnectionError("the database is unreachable")

    queue.recovery = recover
    handled: list[bytes] = []

    async def handler(item: bytes) -> None:
        handled.append(item)
        if item == b"chat/0":
            await _forget_everything(redis_client, redis_prefix)
            await queue.put("chat", b"chat/1")

    await queue.put("chat", b"chat/0")
    await _run_until(queue, handler, lambda: len(handled) == 2)

    assert handled == [b"chat/0", b"chat/1"]
    assert attempts == ["recover", "recover"]


async def test_redis_a_failed_recovery_is_asked_for_again_at_the_next_heartbeat_not_when_it_lapses(
    redis_client: redis.Redis, redis_keys: KeySpace, redis_prefix: str
) -> None:
    """Regression (CI, 1 run in 7): a recovery that met Redis still restarting failed, and its claim
    held every worker for three lease TTLs (30 s) before anyone was asked again."""

    def leases(consumer: str) -> ShardLeases:
        return ShardLeases(
            redis_client,
            members_key=redis_keys.key("fenced", "consumers"),
            lease_keys=[redis_keys.key("fenced", "0", "lease")],
            fence=DataLossFence.of(redis_keys),
            consumer=consumer,
            ttl_ms=60_000,
        )

    first, second = leases("first"), leases("second")
    await first.heartbeat()
    await _forget_everything(redis_client, redis_prefix)
    assert (await first.heartbeat()).data_lost
    await redis_client.delete(redis_keys.key("fence", "quiet"))  # one lease TTL later
    assert (await first.heartbeat()).recover

    await first.recovery_failed()

    asked = await second.heartbeat()
    assert asked.recover, "asked at once, not after the claim lapses"
    assert not asked.held, "no shard until the recovery is done"
    await second.recovered()
    assert (await second.heartbeat()).held == {0}


async def test_redis_a_fresh_start_on_an_empty_redis_is_not_held(
    redis_client: redis.Redis, redis_keys: KeySpace
) -> None:
    """The fence costs nothing on a first start: nobody knew an older generation of the data."""
    queue = _redis_queue(redis_client, redis_keys, f"test-{uuid.uuid4().hex[:8]}")
    recoveries: list[int] = []

    async def recover() -> None:
        recoveries.append(1)

    queue.recovery = recover
    await queue.put("chat", b"chat/0")
    handled: list[bytes] = []

    async def handler(item: bytes) -> None:
        handled.append(item)

    await _run_until(queue, handler, lambda: len(handled) == 1)

    assert handled == [b"chat/0"]
    assert recoveries == []
    assert await redis_client.exists(redis_keys.key("fence", "quiet")) == 0


async def _keys_like(client: redis.Redis, pattern: str) -> list[bytes]:
    return [key async for key in client.scan_iter(match=pattern)]


def test_redis_queue_refuses_a_client_that_decodes_responses() -> None:
    client = redis.Redis(decode_responses=True)

    with pytest.raises(ValueError, match="decode_responses"):
        RedisWorkQueue(client, KeySpace(), "inbox", dedupe_ttl=60)

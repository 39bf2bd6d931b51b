"""Concurrent Redis commands share round trips, each keeping its own outcome and its order."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import redis.asyncio as redis
from redis.exceptions import ResponseError

from bots.state.redis import KeySpace, RedisRateLimiter, RedisSessionStore, RedisWorkQueue
from bots.state.redis.round_trips import RoundTrips
from dialogs.session import SessionState

_FAIL_ON_NEGATIVE = """
if tonumber(ARGV[1]) < 0 then return redis.error_reply('negative') end
return redis.call('INCRBY', KEYS[1], ARGV[1])
"""


async def _connections_named(admin: redis.Redis, name: str) -> int:
    return sum(1 for client in await admin.client_list() if client.get("name") == name)


async def test_concurrent_callers_share_one_connection_and_get_their_own_replies(
    redis_url: str, redis_client: redis.Redis, redis_keys: KeySpace
) -> None:
    name = f"round-trips-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(redis_url, client_name=name)
    try:
        trips = RoundTrips(client)
        keys = [redis_keys.key("rt", str(n)) for n in range(50)]
        await asyncio.gather(*(trips.command("SET", key, f"value {n}") for n, key in enumerate(keys)))

        values = await asyncio.gather(*(trips.command("GET", key) for key in keys))

        assert values == [f"value {n}".encode() for n in range(50)]
        # 100 commands asked at once: a pooled connection per round trip, not per command.
        assert await _connections_named(redis_client, name) == 1
    finally:
        await client.aclose()


async def test_an_error_reaches_only_the_caller_whose_command_failed(
    redis_client: redis.Redis, redis_keys: KeySpace
) -> None:
    trips = RoundTrips(redis_client)
    script = redis_client.register_script(_FAIL_ON_NEGATIVE)
    counter = redis_keys.key("rt", "counter")

    outcomes = await asyncio.gather(
        *(trips.script(script, [counter], [amount]) for amount in (1, -1, 2)), return_exceptions=True
    )

    assert outcomes[0] == 1
    assert isinstance(outcomes[1], ResponseError)
    assert "negative" in str(outcomes[1])
    assert outcomes[2] == 3


async def test_commands_reach_redis_in_the_order_they_were_asked(
    redis_client: redis.Redis, redis_keys: KeySpace
) -> None:
    trips = RoundTrips(redis_client, most_per_trip=7)
    stream = redis_keys.key("rt", "stream")

    await asyncio.gather(*(trips.command("XADD", stream, "*", "n", str(n)) for n in range(40)))

    entries = await redis_client.xrange(stream)
    assert [int(fields[b"n"]) for _, fields in entries] == list(range(40))


async def test_a_broken_connection_fails_every_command_of_the_trip(redis_keys: KeySpace) -> None:
    unreachable = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1)
    trips = RoundTrips(unreachable)
    try:
        outcomes = await asyncio.gather(
            *(trips.command("GET", redis_keys.key("rt", str(n))) for n in range(3)), return_exceptions=True
        )
    finally:
        await unreachable.aclose()

    assert all(isinstance(outcome, (OSError, redis.ConnectionError)) for outcome in outcomes)


@pytest.mark.parametrize("callers", [1, 3])
async def test_a_caller_that_gives_up_leaves_the_others_their_replies(
    redis_client: redis.Redis, redis_keys: KeySpace, callers: int
) -> None:
    trips = RoundTrips(redis_client)
    key = redis_keys.key("rt", "kept")
    await redis_client.set(key, b"kept")
    given_up = asyncio.create_task(trips.command("GET", key))
    others = [asyncio.create_task(trips.command("GET", key)) for _ in range(callers)]
    given_up.cancel()

    assert await asyncio.gather(*others) == [b"kept"] * callers
    with pytest.raises(asyncio.CancelledError):
        await given_up


async def test_a_process_s_queues_sessions_and_rate_buckets_share_one_connection(
    redis_url: str, redis_client: redis.Redis, redis_keys: KeySpace
) -> None:
    name = f"round-trips-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(redis_url, client_name=name)
    try:
        trips = RoundTrips(client)
        queue = RedisWorkQueue(client, redis_keys, "shared", dedupe_ttl=60, round_trips=trips)
        sessions = RedisSessionStore(client, redis_keys, ttl_seconds=60, round_trips=trips)
        limiter = RedisRateLimiter(client, redis_keys, round_trips=trips)

        outcomes = await asyncio.gather(
            *(queue.put(f"chat-{n}", b"item", dedupe_id=f"item-{n}") for n in range(20)),
            *(sessions.save(f"chat-{n}", SessionState(last_event_id=f"e{n}")) for n in range(20)),
            *(limiter.acquire(f"chat-{n}", rate=100, burst=10) for n in range(20)),
        )
        loaded = await asyncio.gather(*(sessions.load(f"chat-{n}") for n in range(20)))

        assert outcomes[:20] == [True] * 20
        assert outcomes[40:] == [0.0] * 20
        assert [state.last_event_id if state else None for state in loaded] == [f"e{n}" for n in range(20)]
        assert await queue.depth() == 20
        assert await _connections_named(redis_client, name) == 1
    finally:
        await client.aclose()

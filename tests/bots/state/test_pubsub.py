"""One contract for both pub/subs (in-process and Redis)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bots.state import PubSub
from bots.state.memory import MemoryPubSub
from bots.state.redis import KeySpace, RedisPubSub


@pytest.fixture(params=["memory", "redis"])
def pubsub(request: pytest.FixtureRequest) -> PubSub:
    if request.param == "memory":
        return MemoryPubSub()
    return RedisPubSub(request.getfixturevalue("redis_client"), request.getfixturevalue("redis_keys"))


async def _take(subscription: AsyncIterator[tuple[str, bytes]], count: int) -> list[tuple[str, bytes]]:
    received: list[tuple[str, bytes]] = []
    async for message in subscription:
        received.append(message)
        if len(received) == count:
            break
    return received


async def test_subscribers_get_the_messages_of_their_topics_in_order(pubsub: PubSub) -> None:
    async with pubsub.subscribe("console", "queue:lawyers") as first, pubsub.subscribe("console") as second:
        for number in range(3):
            await pubsub.publish("console", f"c{number}".encode())
        await pubsub.publish("elsewhere", b"not for us")
        await pubsub.publish("queue:lawyers", b"q0")

        got_first = await asyncio.wait_for(_take(aiter(first), 4), 5)
        got_second = await asyncio.wait_for(_take(aiter(second), 3), 5)

    assert got_first == [("console", b"c0"), ("console", b"c1"), ("console", b"c2"), ("queue:lawyers", b"q0")]
    assert got_second == [("console", b"c0"), ("console", b"c1"), ("console", b"c2")]


async def test_a_closed_subscription_gets_nothing_more(pubsub: PubSub) -> None:
    async with pubsub.subscribe("console") as subscription:
        await pubsub.publish("console", b"one")
        assert await asyncio.wait_for(_take(aiter(subscription), 1), 5) == [("console", b"one")]
    await pubsub.publish("console", b"two")
    async with pubsub.subscribe("console") as again:
        await pubsub.publish("console", b"three")
        assert await asyncio.wait_for(_take(aiter(again), 1), 5) == [("console", b"three")]


async def test_deployments_with_other_prefixes_do_not_hear_each_other(
    redis_client: object, redis_keys: KeySpace
) -> None:
    ours = RedisPubSub(redis_client, redis_keys)  # type: ignore[arg-type]
    theirs = RedisPubSub(redis_client, KeySpace(redis_keys.prefix + "-other"))  # type: ignore[arg-type]
    async with ours.subscribe("console") as subscription:
        await theirs.publish("console", b"theirs")
        await ours.publish("console", b"ours")
        assert await asyncio.wait_for(_take(aiter(subscription), 1), 5) == [("console", b"ours")]

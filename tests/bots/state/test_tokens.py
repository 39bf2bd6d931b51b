"""One contract for both payload-token stores."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
import redis.asyncio as redis

from bots.state import TokenStore, is_token
from bots.state.memory import MemoryTokenStore
from bots.state.redis import KeySpace, RedisTokenStore

SECRET = b"test-secret"
StoreFactory = Callable[[float], TokenStore]


@pytest.fixture(params=["memory", "redis"])
def make_store(request: pytest.FixtureRequest) -> StoreFactory:
    if request.param == "memory":
        return lambda ttl: MemoryTokenStore(ttl, secret=SECRET)
    client: redis.Redis = request.getfixturevalue("redis_client")
    keys: KeySpace = request.getfixturevalue("redis_keys")
    return lambda ttl: RedisTokenStore(client, keys, ttl, SECRET)


async def test_a_token_is_short_and_resolves_to_its_payload(make_store: StoreFactory) -> None:
    store = make_store(60)
    payload = "request:open:" + "Обращение №12345 " * 10

    token = await store.shorten(payload)

    assert is_token(token)
    assert len(token.encode()) <= 16
    assert await store.resolve(token) == payload


async def test_the_same_payload_gets_the_same_token(make_store: StoreFactory) -> None:
    store = make_store(60)

    first = await store.shorten("goto:my_requests:page=2")
    second = await store.shorten("goto:my_requests:page=2")
    other = await store.shorten("goto:my_requests:page=3")

    assert first == second
    assert other != first
    assert await store.resolve(other) == "goto:my_requests:page=3"


async def test_unknown_and_malformed_tokens_resolve_to_none(make_store: StoreFactory) -> None:
    store = make_store(60)
    known = await store.shorten("payload")

    assert await store.resolve("~" + "a" * 12) is None
    assert await store.resolve(known[1:]) is None
    assert await store.resolve("not a token") is None


async def test_a_token_expires_after_its_ttl(make_store: StoreFactory) -> None:
    store = make_store(0.15)
    token = await store.shorten("short-lived")

    await asyncio.sleep(0.25)

    assert await store.resolve(token) is None


async def test_shortening_again_renews_the_ttl(make_store: StoreFactory) -> None:
    store = make_store(0.3)
    token = await store.shorten("re-rendered")
    await asyncio.sleep(0.2)
    await store.shorten("re-rendered")
    await asyncio.sleep(0.2)

    assert await store.resolve(token) == "re-rendered"


async def test_redis_stores_with_one_secret_share_tokens(
    redis_client: redis.Redis, redis_keys: KeySpace
) -> None:
    token = await RedisTokenStore(redis_client, redis_keys, 60, SECRET).shorten("shared")

    assert await RedisTokenStore(redis_client, redis_keys, 60, SECRET).resolve(token) == "shared"


def test_is_token_accepts_only_the_token_shape() -> None:
    assert is_token("~abcdefghij23")
    assert not is_token("~abcdefghij2")
    assert not is_token("~ABCDEFGHIJ23")
    assert not is_token("abcdefghij234")
    assert not is_token("goto:main_menu")

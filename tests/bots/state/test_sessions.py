"""One contract for every session store: in-process, the embedded default's SQLite file and real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as redis

from bots.state.memory import MemorySessionStore
from bots.state.redis import KeySpace, RedisSessionStore
from bots.state.sqlite import SqliteQueueFile, SqliteSessionStore
from dialogs.session import Frame, SessionState, SessionStore, Waiting

TTL = 0.3


@pytest.fixture
async def memory_store() -> AsyncIterator[SessionStore]:
    store = MemorySessionStore(ttl_seconds=TTL)
    yield store
    await store.close()


@pytest.fixture
async def redis_store(redis_url: str, redis_keys: KeySpace) -> AsyncIterator[SessionStore]:
    client = redis.Redis.from_url(redis_url)
    store = RedisSessionStore(client, redis_keys, ttl_seconds=TTL)
    yield store
    await store.close()
    await client.aclose()


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SessionStore]:
    file = await SqliteQueueFile.open(tmp_path / "queues.db")
    store = SqliteSessionStore(file, ttl_seconds=TTL)
    yield store
    await store.close()
    await file.close()


@pytest.fixture(params=["memory_store", "sqlite_store", "redis_store"])
def store(request: pytest.FixtureRequest) -> SessionStore:
    store: SessionStore = request.getfixturevalue(request.param)
    return store


def _state() -> SessionState:
    return SessionState(
        stack=[Frame(flow="menu", step=0)],
        waiting=Waiting(flow="menu", step=0, attempts=1, buttons={"c1": "0"}, titles=["Новое обращение"]),
        slots={"topic": "family", "attachment": None, "age": 30.5},
        locale="ru",
        last_event_id="tg-1",
        turns=3,
    )


async def test_round_trip(store: SessionStore) -> None:
    await store.save("telegram:legal:1", _state())
    assert await store.load("telegram:legal:1") == _state()


async def test_missing_key(store: SessionStore) -> None:
    assert await store.load("telegram:legal:nobody") is None


async def test_delete(store: SessionStore) -> None:
    await store.save("k", _state())
    await store.delete("k")
    assert await store.load("k") is None
    await store.delete("k")


async def test_keys_are_isolated(store: SessionStore) -> None:
    other = SessionState(locale="en")
    await store.save("a", _state())
    await store.save("b", other)
    assert await store.load("a") == _state()
    assert await store.load("b") == other


async def test_sessions_expire(store: SessionStore) -> None:
    await store.save("k", _state())
    await asyncio.sleep(TTL + 0.15)
    assert await store.load("k") is None


async def test_saving_again_renews_the_ttl(store: SessionStore) -> None:
    await store.save("k", _state())
    await asyncio.sleep(TTL * 0.6)
    await store.save("k", _state())
    await asyncio.sleep(TTL * 0.6)
    assert await store.load("k") == _state()


async def test_redis_uses_the_prefix_and_a_ttl(redis_url: str, redis_keys: KeySpace) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        await RedisSessionStore(client, redis_keys, ttl_seconds=60).save("viber:legal:42", _state())
        assert await client.pttl(f"{redis_keys.prefix}:session:viber:legal:42") > 59_000
    finally:
        await client.aclose()


async def test_sqlite_sessions_outlive_the_process_that_saved_them(tmp_path: Path) -> None:
    path = tmp_path / "queues.db"
    file = await SqliteQueueFile.open(path)
    store = SqliteSessionStore(file, ttl_seconds=60)
    await store.save("telegram:legal:1", _state())
    await store.save("telegram:legal:2", _state())
    await store.delete("telegram:legal:2")
    await file.close()

    reopened = await SqliteQueueFile.open(path)
    try:
        store = SqliteSessionStore(reopened, ttl_seconds=60)
        assert await store.load("telegram:legal:1") == _state()
        assert await store.load("telegram:legal:2") is None
    finally:
        await reopened.close()


async def test_sqlite_an_expired_session_is_gone_from_memory_and_from_the_file(tmp_path: Path) -> None:
    now = [1_000.0]
    file = await SqliteQueueFile.open(tmp_path / "queues.db", prune_every=1, clock=lambda: now[0])
    try:
        store = SqliteSessionStore(file, ttl_seconds=10)
        await store.save("old", _state())
        now[0] += 11
        await store.save("new", _state())  # a write after the prune time carries the prune
        assert await store.load("old") is None
        assert await SqliteSessionStore(file, ttl_seconds=10).load("old") is None
        assert await store.load("new") == _state()
    finally:
        await file.close()

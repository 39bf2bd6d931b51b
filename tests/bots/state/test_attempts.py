"""One contract for both failed-attempt stores: only failures count, and they drain in time."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis.asyncio as redis

from bots.state import AttemptLimit, FailedAttempts
from bots.state.memory import MemoryFailedAttempts
from bots.state.redis import KeySpace, RedisFailedAttempts

TOLERANCE = 0.05


@pytest.fixture(params=["memory", "redis"])
def attempts(request: pytest.FixtureRequest) -> FailedAttempts:
    if request.param == "memory":
        return MemoryFailedAttempts()
    client: redis.Redis = request.getfixturevalue("redis_client")
    keys: KeySpace = request.getfixturevalue("redis_keys")
    return RedisFailedAttempts(client, keys)


async def test_a_name_is_refused_after_its_limit_of_failures(attempts: FailedAttempts) -> None:
    limit = AttemptLimit(limit=3, window_seconds=30)
    waits = []
    for _ in range(3):
        waits.append(await attempts.retry_after("key:a", limit))
        await attempts.record_failure("key:a", limit)

    assert waits == [0.0, 0.0, 0.0]
    assert await attempts.retry_after("key:a", limit) == pytest.approx(10.0, abs=TOLERANCE)
    assert await attempts.retry_after("key:b", limit) == 0.0


async def test_checking_costs_nothing(attempts: FailedAttempts) -> None:
    limit = AttemptLimit(limit=1, window_seconds=60)
    for _ in range(50):
        assert await attempts.retry_after("address:honest", limit) == 0.0


async def test_failures_drain_with_time(attempts: FailedAttempts) -> None:
    limit = AttemptLimit(limit=2, window_seconds=0.4)
    for _ in range(2):
        await attempts.record_failure("key:c", limit)
    assert await attempts.retry_after("key:c", limit) > 0
    deadline = time.monotonic() + 5
    while await attempts.retry_after("key:c", limit) > 0:
        assert time.monotonic() < deadline, "the failures never drained"
        await asyncio.sleep(0.02)


def test_a_limit_is_at_least_one_failure_in_a_positive_window() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        AttemptLimit(limit=0, window_seconds=10)

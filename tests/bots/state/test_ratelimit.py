"""One contract for both rate limiters (GCRA buckets)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
import redis.asyncio as redis

from bots.state import Bucket, RateLimiter
from bots.state.memory import MemoryRateLimiter
from bots.state.redis import KeySpace, RedisRateLimiter

LimiterFactory = Callable[[], RateLimiter]
TOLERANCE = 0.02


@pytest.fixture(params=["memory", "redis"])
def make_limiter(request: pytest.FixtureRequest) -> LimiterFactory:
    if request.param == "memory":
        limiter = MemoryRateLimiter()
        return lambda: limiter
    client: redis.Redis = request.getfixturevalue("redis_client")
    keys: KeySpace = request.getfixturevalue("redis_keys")
    return lambda: RedisRateLimiter(client, keys)


async def test_a_burst_passes_then_each_send_waits_one_more_interval(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter()

    calls: list[tuple[float, float, float]] = []  # (before, wait, after), on the monotonic clock
    for _ in range(8):
        before = time.monotonic()
        wait = await limiter.acquire("telegram", rate=10, burst=5)
        calls.append((before, wait, time.monotonic()))

    assert [wait for _, wait, _ in calls[:5]] == [0.0] * 5
    # The nth send past the burst waits n intervals less the time gone since the first send (a
    # loaded machine spends some of it between the calls), measured from either side of each call.
    first_before, _, first_after = calls[0]
    for n, (before, wait, after) in enumerate(calls[5:], start=1):
        earliest = n * 0.1 - (after - first_before)
        latest = n * 0.1 - (before - first_after)
        assert max(0.0, earliest) - TOLERANCE <= wait <= max(0.0, latest) + TOLERANCE


async def test_buckets_are_independent(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter()
    for _ in range(3):
        await limiter.acquire("viber", rate=1, burst=1)

    assert await limiter.acquire("whatsapp", rate=1, burst=1) == 0.0


async def test_the_bucket_refills_with_time(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter()
    for _ in range(2):
        await limiter.acquire("telegram", rate=20, burst=2)

    await asyncio.sleep(0.1)

    assert await limiter.acquire("telegram", rate=20, burst=2) == 0.0
    assert await limiter.acquire("telegram", rate=20, burst=2) == 0.0
    assert await limiter.acquire("telegram", rate=20, burst=2) == pytest.approx(0.05, abs=TOLERANCE)


async def test_limiters_share_a_bucket(make_limiter: LimiterFactory) -> None:
    await make_limiter().acquire("telegram", rate=10, burst=1)

    assert await make_limiter().acquire("telegram", rate=10, burst=1) == pytest.approx(0.1, abs=TOLERANCE)


async def test_a_slot_is_taken_in_every_bucket_at_once_and_the_longest_wait_is_kept(
    make_limiter: LimiterFactory,
) -> None:
    limiter = make_limiter()
    bot, chat = Bucket("telegram:bot", rate=1, burst=5), Bucket("telegram:bot:42", rate=10, burst=1)

    assert await limiter.acquire_each([bot, chat]) == 0.0
    # The chat's bucket is spent: the next send waits its interval, the bot's would not have.
    assert await limiter.acquire_each([bot, chat]) == pytest.approx(0.1, abs=TOLERANCE)
    # Both sends took the bot's slots: three are left of its burst of five.
    for _ in range(3):
        assert await limiter.acquire("telegram:bot", rate=1, burst=5) == 0.0
    assert await limiter.acquire("telegram:bot", rate=1, burst=5) > 0.0


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (1, 0)])
async def test_nonsense_limits_are_refused(make_limiter: LimiterFactory, rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match="rate"):
        await make_limiter().acquire("telegram", rate=rate, burst=burst)

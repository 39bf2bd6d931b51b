"""Every shared-state interface on Redis, for any number of processes under one key prefix."""

from __future__ import annotations

from bots.state.redis.attempts import RedisFailedAttempts
from bots.state.redis.keys import KeySpace
from bots.state.redis.pubsub import RedisPubSub
from bots.state.redis.queue import RedisWorkQueue
from bots.state.redis.ratelimit import RedisRateLimiter
from bots.state.redis.round_trips import RoundTrips
from bots.state.redis.sessions import RedisSessionStore
from bots.state.redis.tokens import RedisTokenStore

__all__ = [
    "KeySpace",
    "RedisFailedAttempts",
    "RedisPubSub",
    "RedisRateLimiter",
    "RedisSessionStore",
    "RedisTokenStore",
    "RedisWorkQueue",
    "RoundTrips",
]

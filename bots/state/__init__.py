"""Shared state behind small interfaces: work queues, dialog sessions, payload tokens, rate limits
and pub/sub. ``memory`` implements each for one process, ``redis`` for many; ``sqlite`` holds the
work queues of the embedded default, durable in one file for one process. One contract suite
runs against every implementation."""

from __future__ import annotations

from bots.state.attempts import AttemptLimit, FailedAttempts
from bots.state.backoff import Backoff
from bots.state.pubsub import PubSub, Subscription
from bots.state.queue import Handler, QueueUnavailable, Requeueing, WorkQueue, shard_of
from bots.state.ratelimit import Bucket, RateLimiter
from bots.state.tokens import TokenStore, is_token
from dialogs.session import SessionStore

__all__ = [
    "AttemptLimit",
    "Backoff",
    "Bucket",
    "FailedAttempts",
    "Handler",
    "PubSub",
    "QueueUnavailable",
    "RateLimiter",
    "Requeueing",
    "SessionStore",
    "Subscription",
    "TokenStore",
    "WorkQueue",
    "is_token",
    "shard_of",
]

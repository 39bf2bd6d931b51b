"""Pub/sub across processes through Redis channels under the deployment's key prefix."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.asyncio.client import PubSub as RedisClientPubSub

from bots.state.redis.keys import KeySpace


class _Subscriber:
    def __init__(self, pubsub: RedisClientPubSub, keys: KeySpace) -> None:
        self._pubsub = pubsub
        self._strip = len(keys.key("pubsub", ""))

    def __aiter__(self) -> AsyncIterator[tuple[str, bytes]]:
        return self._messages()

    async def _messages(self) -> AsyncIterator[tuple[str, bytes]]:
        async for message in self._pubsub.listen():
            if message.get("type") != "message":
                continue
            channel = message["channel"]
            name = channel.decode() if isinstance(channel, bytes) else str(channel)
            data = message["data"]
            yield name[self._strip :], data if isinstance(data, bytes) else str(data).encode()


class RedisPubSub:
    def __init__(self, redis: Redis, keys: KeySpace) -> None:
        self._redis = redis
        self._keys = keys

    async def publish(self, topic: str, message: bytes) -> None:
        await self._redis.publish(self._channel(topic), message)

    @asynccontextmanager
    async def subscribe(self, *topics: str) -> AsyncIterator[_Subscriber]:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(*(self._channel(topic) for topic in topics))
            yield _Subscriber(pubsub, self._keys)
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]  # untyped in redis-py 5

    def _channel(self, topic: str) -> str:
        return self._keys.key("pubsub", topic)

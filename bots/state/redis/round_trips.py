"""Commands of concurrent callers share one round trip to Redis.

The first caller's command leaves at once, by itself (alone, it waits for nothing and pays for
no pipeline); the commands asked while a round trip is on the wire queue up and leave together,
in one pipeline, as soon as it is back. The pipeline is no transaction: each command keeps its own
outcome, and an error of one (a script's error reply) is raised to its caller only. A broken
connection fails every command of the round trip, as it would have failed each alone. Commands
leave in the order they were asked, so two items one caller puts one after the other keep their
order.

Under load this is where the services backend's Redis cost goes down: a pooled connection, a
socket write, a read and a wake-up per round trip instead of per command (measured alone, 64
callers asking GETs at once: 94 µs of CPU per command each alone, 23 µs sharing round trips).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError
from redis.typing import EncodableT, KeyT

MOST_PER_TRIP = 256


@dataclass(slots=True)
class _Asked:
    arguments: tuple[Any, ...]
    reply: asyncio.Future[Any]
    script: AsyncScript | None = None
    script_keys: Sequence[KeyT] = ()
    script_args: Sequence[EncodableT] = ()


class RoundTrips:
    """One per component and Redis client; callers of any task of one event loop."""

    def __init__(self, redis: Redis, *, most_per_trip: int = MOST_PER_TRIP) -> None:
        self._redis = redis
        self._most = most_per_trip
        self._asked: list[_Asked] = []
        self._sending = False
        self._loaded: set[str] = set()
        self._trips: set[asyncio.Task[None]] = set()

    async def command(self, *arguments: EncodableT) -> Any:
        """A plain command (``"GET", key``); its parsed reply."""
        return await self._ask(_Asked(arguments, asyncio.get_running_loop().create_future()))

    async def script(self, script: AsyncScript, keys: Sequence[KeyT], args: Sequence[EncodableT]) -> Any:
        """A registered Lua script, by its SHA (loaded once, and again if Redis forgot it)."""
        arguments = ("EVALSHA", script.sha, len(keys), *keys, *args)
        reply = asyncio.get_running_loop().create_future()
        return await self._ask(_Asked(arguments, reply, script, keys, args))

    async def _ask(self, asked: _Asked) -> Any:
        if self._sending:
            self._asked.append(asked)
            return await asked.reply
        self._sending = True
        try:
            return await self._alone(asked)
        finally:
            if self._asked:
                trip = asyncio.create_task(self._send_while_asked())
                self._trips.add(trip)
                trip.add_done_callback(self._trips.discard)
            else:
                self._sending = False

    async def _alone(self, asked: _Asked) -> Any:
        """Nothing on the wire: the command leaves by itself, without a pipeline or a task."""
        if asked.script is not None:
            return await asked.script(keys=asked.script_keys, args=asked.script_args, client=self._redis)
        return await self._redis.execute_command(*asked.arguments)  # type: ignore[no-untyped-call]

    async def _send_while_asked(self) -> None:
        try:
            while self._asked:
                batch, self._asked = self._asked[: self._most], self._asked[self._most :]
                try:
                    replies = await self._send(batch)
                except asyncio.CancelledError:
                    for asked in batch:
                        asked.reply.cancel()
                    raise
                except Exception as error:
                    for asked in batch:
                        _answer(asked, error=error)
                    continue
                for asked, reply in zip(batch, replies, strict=True):
                    if isinstance(reply, NoScriptError) and asked.script is not None:
                        await self._again_after_load(asked)
                    elif isinstance(reply, Exception):
                        _answer(asked, error=reply)
                    else:
                        _answer(asked, reply=reply)
        finally:
            # No await between the queue found empty and this: a command asked later starts a trip.
            self._sending = False

    async def _send(self, batch: list[_Asked]) -> list[Any]:
        for script in {asked.script for asked in batch if asked.script is not None}:
            if script.sha not in self._loaded:
                await self._redis.script_load(script.script)
                self._loaded.add(script.sha)
        async with self._redis.pipeline(transaction=False) as pipe:
            for asked in batch:
                pipe.execute_command(*asked.arguments)
            return list(await pipe.execute(raise_on_error=False))

    async def _again_after_load(self, asked: _Asked) -> None:
        """Redis restarted (or flushed its scripts) since the script was loaded: alone, once more."""
        assert asked.script is not None
        self._loaded.discard(asked.script.sha)
        try:
            reply = await asked.script(keys=asked.script_keys, args=asked.script_args, client=self._redis)
        except Exception as error:
            _answer(asked, error=error)
            return
        _answer(asked, reply=reply)


def _answer(asked: _Asked, *, reply: Any = None, error: BaseException | None = None) -> None:
    """A caller that gave up (cancelled) has nothing to hear."""
    if asked.reply.done():
        return
    if error is not None:
        asked.reply.set_exception(error)
    else:
        asked.reply.set_result(reply)

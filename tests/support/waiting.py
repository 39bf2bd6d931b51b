"""Await a condition with a deadline instead of sleeping a fixed time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]], what: str = "", *, within: float = 20.0, every: float = 0.05
) -> T:
    """The first truthy value ``probe`` returns; fails naming ``what`` after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within:.0f} s: {what or probe}")
        await asyncio.sleep(every)


async def drained(http: aiohttp.ClientSession, base_url: str, *, within: float) -> bool:
    """Whether the demo app at ``base_url`` has handled every event it accepted, the sends they caused
    included (``GET /fake/_idle``, waiting up to ``within`` seconds for it to be so).

    A fake platform served without the app (a test's own bot behind it) has no such route: its bot
    answers inside the webhook, so all is handled once the webhook has answered.
    """
    params = {"within": f"{max(within, 0.0):.2f}"}
    async with http.get(f"{base_url}/fake/_idle", params=params) as response:
        if response.status == 404:
            return True
        return response.status == 200 and bool((await response.json())["idle"])

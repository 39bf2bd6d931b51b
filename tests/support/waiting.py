"""Waiting for a condition instead of a fixed time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float = 10.0, what: str = "") -> None:
    """Returns once ``check()`` holds; fails after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within:.0f} s: {what or check}")
        await asyncio.sleep(0.02)

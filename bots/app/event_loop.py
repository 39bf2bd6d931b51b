"""The event loop the served roles run on: uvloop where it is installed, else asyncio's own.

Every message crosses a socket a dozen times (the webhook, Redis, PostgreSQL, the platform's API):
uvloop's socket transports and callbacks, in C, halve asyncpg's CPU per statement
(``bench/db_path.py``). ``OMNICAB_EVENT_LOOP=asyncio`` turns it off.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
from typing import Literal

log = logging.getLogger(__name__)

EventLoopName = Literal["uvloop", "asyncio"]


def uvloop_installed() -> bool:
    return importlib.util.find_spec("uvloop") is not None


def new_event_loop(name: EventLoopName) -> asyncio.AbstractEventLoop:
    """A new loop of the kind named; asyncio's own where uvloop is asked for but missing (Windows)."""
    if name == "uvloop" and uvloop_installed():
        import uvloop

        log.debug("event loop: uvloop")
        return uvloop.new_event_loop()
    log.debug("event loop: asyncio's own%s", "" if name == "asyncio" else " (uvloop is not installed)")
    return asyncio.new_event_loop()

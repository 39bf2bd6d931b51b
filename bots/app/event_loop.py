"""The event loop the served roles run on: asyncio's own, or uvloop (``OMNICAB_EVENT_LOOP=uvloop``).

uvloop halves asyncpg's own CPU per statement (``bench/db_path.py``), but the whole pipeline measured
no faster on it (``bench/README.md``), so asyncio's loop stays the default; uvloop is not a dependency
(``pip install uvloop``), and asking for it where it is not installed gives asyncio's own.
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

"""``GET /fake/_idle`` (demo mode only): answers once every accepted event is fully handled.

Tests await it instead of a quiet period. An event is handled when the inbox has acknowledged it
and the outbox has acknowledged the sends it caused; the inbox puts those sends before it
acknowledges the event, so reading the inbox's depth first and then the outbox's sees a turn either
still in the inbox or already in the outbox. Depths are what the queues already count (the rows of
the SQLite queues, the lengths of the Redis streams), shared by every process on one Redis, so
nothing is added to the message path.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping

from aiohttp import web

from bots.app.outages import is_outage
from bots.state import WorkQueue

MAX_WAIT_SECONDS = 30.0
_POLL_SECONDS = 0.02


async def depths(queues: Mapping[str, WorkQueue]) -> dict[str, int]:
    """Each queue's depth, read in the mapping's order (the inbox before the outbox)."""
    return {name: await queue.depth() for name, queue in queues.items()}


async def await_drained(queues: Mapping[str, WorkQueue], *, within: float) -> dict[str, int]:
    """The depths once all are zero, or the last ones read when ``within`` seconds have passed."""
    deadline = time.monotonic() + within
    while True:
        counts = await depths(queues)
        if not any(counts.values()) or time.monotonic() >= deadline:
            return counts
        await asyncio.sleep(_POLL_SECONDS)


async def idle_response(queues: Mapping[str, WorkQueue], request: web.Request) -> web.Response:
    """``?within=S`` (default 0): how long to wait for the queues to drain before answering."""
    try:
        within = min(max(float(request.query.get("within", "0")), 0.0), MAX_WAIT_SECONDS)
    except ValueError:
        return web.json_response({"ok": False, "error": "within must be a number of seconds"}, status=400)
    try:
        counts = await await_drained(queues, within=within)
    except Exception as error:
        if not is_outage(error):
            raise
        return web.json_response({"idle": False, "unavailable": True}, status=503)
    return web.json_response({"idle": not any(counts.values()), **counts})

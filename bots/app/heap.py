"""What the garbage collector looks at once the app has started.

Start-up builds about 350,000 objects that live as long as the process: aiogram's, pydantic's and
SQLAlchemy's types, the compiled bots. CPython's full collection walks every one of them (0.43 s of
CPU on the 2-core bench machine) and came every few seconds under load, with a young collection
every 700 new objects: 17-19 % of the echo bench's CPU, and pauses that set its p99. So once
start-up is done the collector runs once, what is left is frozen out of every later collection
(:func:`gc.freeze`), and a young collection waits for 10,000 new objects, by when a message's
short-lived objects have been freed by their reference counts (``bench/README.md``, "The garbage
collector").
"""

from __future__ import annotations

import gc
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)

YOUNG_THRESHOLD = 10_000


def settle() -> None:
    """Collect what start-up left behind, then keep the rest out of later collections."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, oldest)
    log.debug("heap settled: %d objects frozen", gc.get_freeze_count())


def settle_again() -> None:
    """After a bot is swapped in (live reload), the old one's frozen objects are collected too."""
    if gc.get_freeze_count():
        gc.unfreeze()
        settle()


async def settle_after_start_up(app: web.Application) -> None:
    """An aiohttp start-up hook, appended after the app's own so that it runs last."""
    settle()

"""Poison never blocks: a bounded number of attempts per queued item, then a dead letter.

:class:`Bounded` wraps a queue handler. An item whose handler keeps failing is tried
``max_attempts`` times with back-off, then kept as a dead letter (with its error, counted on
``/metrics``) and acknowledged, so the conversation's next items go on. An outage (the database or
Redis unreachable) is not the item's fault: it is raised to the queue, which retries it without
counting, so an outage never dead-letters healthy work.

:func:`replay_requested` puts back the letters an admin asked to replay (``omnicab replay``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from adapters.types import ConversationRef
from bots.pipeline.metrics import Metrics
from bots.pipeline.outbox import ShuttingDown
from bots.pipeline.ports import DeadLetters
from bots.state import Backoff, Handler, WorkQueue
from bots.state.dispatch import sleep_or_stop
from cabinet_api import Replay

log = logging.getLogger(__name__)

MAX_ERROR_TEXT = 2000


@dataclass
class Bounded:
    kind: str
    handler: Handler
    key_of: Callable[[bytes], str]
    """The conversation an item belongs to ("" when the item cannot even be read)."""
    letters: DeadLetters
    metrics: Metrics
    stop: asyncio.Event
    max_attempts: int = 5
    transient: Callable[[BaseException], bool] = lambda _error: False
    backoff: Backoff = field(default_factory=lambda: Backoff(initial=0.2, maximum=5.0))

    async def __call__(self, raw: bytes) -> None:
        attempt = 0
        while True:
            try:
                await self.handler(raw)
                return
            except ShuttingDown:
                raise
            except Exception as error:
                if self.transient(error):
                    raise
                attempt += 1
                if attempt >= self.max_attempts:
                    await self._bury(raw, error, attempt)
                    return
                log.warning(
                    "%s: an item failed (%s), attempt %d of %d",
                    self.kind,
                    type(error).__name__,
                    attempt,
                    self.max_attempts,
                )
                if await sleep_or_stop(self.backoff.delay(attempt), self.stop):
                    raise ShuttingDown(f"{self.kind} stopping; the item stays queued") from error

    async def _bury(self, raw: bytes, error: Exception, attempts: int) -> None:
        text = f"{type(error).__name__}: {error}"[:MAX_ERROR_TEXT]
        letter = await self.letters.add(self.kind, self.key_of(raw), raw, error=text, attempts=attempts)
        self.metrics.dead_letters.labels(self.kind).inc()
        log.error(
            "%s: an item failed %d times (%s); dead letter %d, the conversation goes on",
            self.kind,
            attempts,
            type(error).__name__,
            letter,
        )


def conversation_key(raw: bytes) -> str:
    """The queue key of an inbox event or an outgoing message; "" when the item cannot be read."""
    try:
        return ConversationRef.model_validate(json.loads(raw)["conversation"]).key
    except (ValueError, TypeError, KeyError):
        return ""


async def replay_requested(letters: DeadLetters, queues: Mapping[str, WorkQueue]) -> int:
    """Put every letter an admin asked to replay back into its queue; the number put back."""

    async def put(replay: Replay) -> None:
        queue = queues.get(replay.kind)
        if queue is None:
            raise ValueError(f"dead letter {replay.id} of unknown kind {replay.kind!r}")
        await queue.put(replay.key, replay.payload)
        log.info("dead letter %d replayed into the %s", replay.id, replay.kind)

    return await letters.replay_requested(put)


async def run_replays(
    letters: DeadLetters,
    queues: Mapping[str, WorkQueue],
    *,
    stop: asyncio.Event,
    interval: float = 1.0,
) -> None:
    """Look for replay requests every ``interval`` seconds until ``stop``."""
    attempt = 0
    while not stop.is_set():
        try:
            await replay_requested(letters, queues)
            attempt = 0
            delay = interval
        except Exception as error:
            attempt += 1
            delay = min(30.0, interval * 2**attempt)
            log.warning("replaying dead letters failed (%s)", type(error).__name__)
        if await sleep_or_stop(delay, stop):
            return

"""The recovery sweep: accepted events never handled are queued again, at start and periodically.

Where the inbox is a Redis stream, a Redis restarted empty forgets what it held. The database has
the durable record (``AcceptedLedger``, written before the webhook's 200); an event still
unhandled ``RECOVER_AFTER`` after it was accepted is put back into the inbox under its own dedupe
id, so while Redis still holds the event (a long backlog) the put is refused as a duplicate, and
after an empty restart it is queued once. Each claim marks its rows in the database, so sweeps of
several processes never take the same event, and an event is claimed again only
``RECOVER_AFTER`` later. A conversation whose later message arrives first handles its lost
events itself, in order (``InboxWorker.ledger``); the sweep answers those nobody wrote after.

The same sweep queues again the outbox's unfinished replies (``outbox_recovery``).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bots.pipeline.outbox_recovery import requeue_unfinished
from bots.pipeline.ports import AcceptedLedger, UnfinishedReplies
from bots.state import WorkQueue
from bots.state.dispatch import sleep_or_stop

log = logging.getLogger(__name__)

RECOVER_AFTER = timedelta(seconds=10)
SWEEP_EVERY_SECONDS = 5.0
PRUNE_EVERY_SWEEPS = 60


async def sweep(ledger: AcceptedLedger, inbox: WorkQueue, *, older_than: timedelta = RECOVER_AFTER) -> int:
    """One sweep; how many events were queued again (not refused as still queued)."""
    requeued: list[str] = []
    for event in await ledger.claim_stale(older_than):
        if await inbox.put(event.conversation_key, event.payload, dedupe_id=event.dedupe_key):
            requeued.append(event.dedupe_key)
    if requeued:
        await ledger.requeued(requeued)
        log.warning("recovery: %d accepted events were no longer queued; queued again", len(requeued))
    return len(requeued)


async def run_recovery(
    ledger: AcceptedLedger,
    inbox: WorkQueue,
    *,
    replies: tuple[UnfinishedReplies, WorkQueue] | None = None,
    stop: asyncio.Event,
    every: float = SWEEP_EVERY_SECONDS,
    older_than: timedelta = RECOVER_AFTER,
) -> None:
    """Sweep at once, then every ``every`` seconds until ``stop``; outages are waited out."""
    sweeps = 0
    while not stop.is_set():
        try:
            await sweep(ledger, inbox, older_than=older_than)
            if replies is not None:
                await requeue_unfinished(*replies, older_than=older_than)
            sweeps += 1
            if sweeps % PRUNE_EVERY_SWEEPS == 1:
                await ledger.prune()
        except Exception as error:
            log.warning("recovery sweep failed (%s); trying again", type(error).__name__)
        if await sleep_or_stop(every, stop):
            return

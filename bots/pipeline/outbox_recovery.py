"""Replies Redis forgot: unfinished outgoing messages are queued again from the history.

Where the outbox is a Redis stream, a Redis restarted empty forgets the replies waiting in it. The
history keeps each reply's outbox item until the outbox finishes it (``UnfinishedReplies``), so
what is still unfinished ``RECOVER_AFTER`` after it was queued is put back under its own dedupe id:
while Redis still holds the reply (a long backlog) the put is refused as a duplicate, and after an
empty restart it is queued once. Replies come back in the history's order, which is each
conversation's order; each claim is marked in the database, so sweeps of several processes never
take the same reply, and a reply that was in fact sent is not sent again (the send journal skips a
part already ``sent`` and resolves one without a result as ``unknown``).

Right after an empty restart the queues' fence (``bots.state.redis.leases``) holds every worker
and asks one process for :func:`requeue_all_unfinished`. A turn in hand at the loss may already have
queued its reply into the empty Redis, ahead of the earlier replies Redis forgot; so every
unfinished reply is moved to the end of the queue, in the history's order, and with nothing
consumed until the fence lets go, no reply is overtaken by a later one of its conversation.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from adapters.types import Outbound
from bots.pipeline.ports import UnfinishedReplies
from bots.state import Requeueing, WorkQueue

log = logging.getLogger(__name__)

RECOVER_AFTER = timedelta(seconds=10)
BATCH = 500


async def requeue_unfinished(
    unfinished: UnfinishedReplies,
    outbox: WorkQueue,
    *,
    older_than: timedelta = RECOVER_AFTER,
    batch: int = BATCH,
) -> int:
    """Claim every unfinished reply older than ``older_than``, batch by batch in the history's order,
    and queue it again; how many were queued (not refused as still queued)."""
    requeued = 0
    after_id = 0
    while True:
        claimed = await unfinished.claim_stale(older_than, after_id=after_id, limit=batch)
        taken: list[int] = []
        for reply in claimed:
            key = Outbound.model_validate_json(reply.envelope).conversation.key
            if await outbox.put(key, reply.envelope, dedupe_id=reply.outbound_id):
                taken.append(reply.id)
        await unfinished.requeued(taken)
        requeued += len(taken)
        if len(claimed) < batch:
            break
        after_id = claimed[-1].id
    if requeued:
        log.warning("recovery: %d unfinished replies were no longer queued; queued again", requeued)
    return requeued


async def requeue_all_unfinished(
    unfinished: UnfinishedReplies, outbox: Requeueing, *, batch: int = BATCH
) -> int:
    """After Redis lost its data, with every worker held: every unfinished reply, at once, moved to
    the end of the queue in the history's order; how many. A sweep claiming rows at the same moment
    is waited for, not skipped, so that what it queues is moved too (or refused, once moved)."""
    moved = 0
    after_id = 0
    while True:
        claimed = await unfinished.claim_stale(timedelta(0), after_id=after_id, limit=batch, wait=True)
        for reply in claimed:
            key = Outbound.model_validate_json(reply.envelope).conversation.key
            await outbox.requeue(key, reply.envelope, dedupe_id=reply.outbound_id)
        await unfinished.requeued([reply.id for reply in claimed])
        moved += len(claimed)
        if len(claimed) < batch:
            break
        after_id = claimed[-1].id
    log.warning("recovery: %d unfinished replies queued again in the history's order", moved)
    return moved

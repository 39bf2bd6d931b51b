"""A conversation's earlier event that Redis forgot is answered before a later one, also when
catching it up meets an outage: the later event waits for it instead of overtaking it.

Regression: the fault suite (Redis restarted under load) answered 19 of 600 messages out of order.
The inbox caught up an event Redis had forgotten, its reply's put met Redis still restarting, the
event was set aside as if it were poison, and the later event was answered first.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from adapters.types import TextBody
from bots.app.loading import action_runner, compile_bot
from bots.app.outages import is_outage
from bots.pipeline.inbox import InboxWorker
from bots.pipeline.metrics import Metrics
from bots.pipeline.people_outlet import PeopleOutlet
from bots.pipeline.runtime import BotRuntime
from bots.pipeline.webhooks import Ingest
from bots.state import QueueUnavailable
from bots.state.memory import MemoryPubSub
from bots.state.memory.queue import MemoryWorkQueue
from bots.state.memory.sessions import MemorySessionStore
from bots.state.memory.tokens import MemoryTokenStore
from cabinet_api import CabinetServices
from cabinet_api.services.accepted import AcceptedEvent
from dialogs.engine import DialogEngine
from handoff import HandoffDesk
from tests.bots.pipeline.test_outbox_recovery import texts_in
from tests.cabinet_api.conftest import inbound

SEQBOT = Path(__file__).resolve().parents[2] / "faults" / "seqbot"


class OutboxMidRestart(MemoryWorkQueue):
    """The outbox at the instant Redis restarts: its first put is refused as Redis refuses it."""

    def __init__(self) -> None:
        super().__init__("outbox", dedupe_ttl=3600)
        self.refusals = 1

    async def put(self, key: str, item: bytes, *, dedupe_id: str | None = None) -> bool:
        if self.refusals:
            self.refusals -= 1
            try:
                raise RedisConnectionError("Connection closed by server.")
            except RedisConnectionError as error:
                raise QueueUnavailable("outbox: Redis unreachable (ConnectionError)") from error
        return await super().put(key, item, dedupe_id=dedupe_id)


def _inbox(cabinet: CabinetServices, outbox: MemoryWorkQueue) -> InboxWorker:
    compiled = compile_bot(SEQBOT, cabinet)
    engine = DialogEngine(compiled, action_runner(compiled, cabinet))
    return InboxWorker(
        {"seqbot": BotRuntime("seqbot", compiled, engine, {})},
        clients=cabinet.identity,
        history=cabinet.history,
        receipts=cabinet.delivery,
        handoff=HandoffDesk(cabinet, outlet=PeopleOutlet(cabinet.history, outbox), prompts=MemoryPubSub()),
        sessions=MemorySessionStore(ttl_seconds=60),
        tokens=MemoryTokenStore(ttl=60),
        outbox=outbox,
        metrics=Metrics(),
        ledger=cabinet.accepted,
        transient=is_outage,
    )


async def test_an_outage_while_catching_up_holds_the_later_event_back(cabinet: CabinetServices) -> None:
    forgotten, later = (inbound(TextBody(text=text), bot="seqbot", user="7001") for text in ("m1", "m2"))
    await Ingest(MemoryWorkQueue("inbox", dedupe_ttl=3600), cabinet.accepted).events([forgotten, later])
    outbox = OutboxMidRestart()
    inbox = _inbox(cabinet, outbox)

    with pytest.raises(QueueUnavailable):
        await inbox.handle(later.model_dump_json().encode())
    await inbox.handle(later.model_dump_json().encode())  # the queue's retry, Redis back

    assert await texts_in(outbox, 2) == ["e1", "e2"]
    assert await cabinet.accepted.earlier_unhandled(later.dedupe_key, later.conversation.key) == []


async def test_an_earlier_event_that_fails_on_its_own_is_set_aside_and_the_conversation_goes_on(
    cabinet: CabinetServices,
) -> None:
    later = inbound(TextBody(text="m2"), bot="seqbot", user="7002")
    unreadable = AcceptedEvent("telegram:seqbot:unreadable", later.conversation.key, b'{"event_id": 1')
    await cabinet.accepted.record([unreadable])
    await Ingest(MemoryWorkQueue("inbox", dedupe_ttl=3600), cabinet.accepted).events([later])
    outbox = MemoryWorkQueue("outbox", dedupe_ttl=3600)

    await _inbox(cabinet, outbox).handle(later.model_dump_json().encode())

    assert await texts_in(outbox, 1) == ["e2"]

"""The inbox reads the conversation's session while it identifies the client and records the
message, instead of after: one round trip (Redis on the services backend) fewer on every reply's
path. Only the inbox writes sessions, after the turn, so reading early reads the same session."""

from __future__ import annotations

import asyncio
from pathlib import Path

from adapters.types import Inbound, TextBody
from bots.app.loading import action_runner, compile_bot
from bots.pipeline.inbox import InboxWorker
from bots.pipeline.metrics import Metrics
from bots.pipeline.people_outlet import PeopleOutlet
from bots.pipeline.runtime import BotRuntime
from bots.state.memory import MemoryPubSub
from bots.state.memory.queue import MemoryWorkQueue
from bots.state.memory.sessions import MemorySessionStore
from bots.state.memory.tokens import MemoryTokenStore
from cabinet_api import CabinetServices, ClientProfile
from dialogs.engine import DialogEngine
from dialogs.session import SessionState
from handoff import HandoffDesk
from tests.bots.pipeline.test_outbox_recovery import texts_in
from tests.cabinet_api.conftest import inbound

SEQBOT = Path(__file__).resolve().parents[2] / "faults" / "seqbot"


class SessionsSeen(MemorySessionStore):
    def __init__(self) -> None:
        super().__init__(ttl_seconds=60)
        self.reading = asyncio.Event()

    async def load(self, key: str) -> SessionState | None:
        self.reading.set()
        return await super().load(key)


class IdentifiesOnceTheSessionIsBeingRead:
    """Identifies only after the session's read began: an inbox that reads it later never gets here."""

    def __init__(self, cabinet: CabinetServices, sessions: SessionsSeen) -> None:
        self._identity = cabinet.identity
        self._sessions = sessions

    async def identify(self, event: Inbound) -> ClientProfile:
        await self._sessions.reading.wait()
        return await self._identity.identify(event)

    def __getattr__(self, name: str) -> object:
        return getattr(self._identity, name)


async def test_the_session_is_read_while_the_client_is_identified(cabinet: CabinetServices) -> None:
    compiled = compile_bot(SEQBOT, cabinet)
    sessions = SessionsSeen()
    outbox = MemoryWorkQueue("outbox", dedupe_ttl=3600)
    inbox = InboxWorker(
        {
            "seqbot": BotRuntime(
                "seqbot", compiled, DialogEngine(compiled, action_runner(compiled, cabinet)), {}
            )
        },
        clients=IdentifiesOnceTheSessionIsBeingRead(cabinet, sessions),  # type: ignore[arg-type]
        history=cabinet.history,
        receipts=cabinet.delivery,
        handoff=HandoffDesk(cabinet, outlet=PeopleOutlet(cabinet.history, outbox), prompts=MemoryPubSub()),
        sessions=sessions,
        tokens=MemoryTokenStore(ttl=60),
        outbox=outbox,
        metrics=Metrics(),
    )

    for text in ("m1", "m2"):
        event = inbound(TextBody(text=text), bot="seqbot", user="7101")
        await asyncio.wait_for(inbox.handle(event.model_dump_json().encode()), 10)

    assert await texts_in(outbox, 2) == ["e1", "e2"]

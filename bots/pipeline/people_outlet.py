"""Messages of people (and handoff's notices) go to the client the way the bot's do: recorded in the
history with who wrote them, then through the same durable outbox, renderer and adapter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from adapters.types import Outbound
from bots.state import WorkQueue


class AuthoredLog(Protocol):
    async def record_outbound(
        self,
        profile_or_client_id: int,
        outbound: Outbound,
        *,
        status: str = "queued",
        author: str | None = None,
        person_id: int | None = None,
    ) -> None: ...


@dataclass
class PeopleOutlet:
    history: AuthoredLog
    outbox: WorkQueue

    async def send(
        self, client_id: int, outbound: Outbound, *, author: str, person_id: int | None = None
    ) -> None:
        await self.history.record_outbound(client_id, outbound, author=author, person_id=person_id)
        await self.outbox.put(
            outbound.conversation.key, outbound.model_dump_json().encode(), dedupe_id=outbound.id
        )

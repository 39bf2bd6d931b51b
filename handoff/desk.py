"""``HandoffDesk``: the one place that says who owns a conversation and takes requests for a person.

The inbox asks :meth:`HandoffDesk.owner` before every turn and passes the bot's requests for a person
to :meth:`HandoffDesk.request_handoff`. Until people take conversations in the console, the bot owns
every conversation, and a request is recorded as waiting in its queue.
"""

from __future__ import annotations

from typing import Protocol

from adapters.types import ConversationRef
from cabinet_api import HandoffView
from handoff.owner import BOT, Owner
from handoff.request import HandoffRequest


class HandoffRecords(Protocol):
    """The cabinet's record of requests for a person (``cabinet_api``'s ``HandoffService``)."""

    async def record_handoff(
        self, client_id: int, *, queue: str, reason: str, channel: str, note: str | None = None
    ) -> HandoffView: ...

    async def handoffs_of(self, client_id: int) -> list[HandoffView]: ...


class HandoffDesk:
    def __init__(self, records: HandoffRecords) -> None:
        self._records = records

    async def owner(self, client_id: int, conversation: ConversationRef) -> Owner:
        return BOT

    async def request_handoff(self, request: HandoffRequest) -> HandoffView:
        """Records the request (UnknownClient for a client the cabinet does not know)."""
        return await self._records.record_handoff(
            request.client_id,
            queue=request.queue,
            reason=request.reason,
            channel=request.conversation.channel.value,
            note=request.note,
        )

    async def requests_of(self, client_id: int) -> list[HandoffView]:
        """The client's requests for a person, oldest first."""
        return await self._records.handoffs_of(client_id)

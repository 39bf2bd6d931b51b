"""``Cabinet``: the one object the bots pipeline and the actions call."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from adapters.types import Inbound, Outbound
from cabinet_api.clock import utc_now
from cabinet_api.db import Database
from cabinet_api.services.handoffs import HandoffService
from cabinet_api.services.history import HistoryService
from cabinet_api.services.identity import IdentityService
from cabinet_api.services.requests import RequestService
from cabinet_api.services.views import ClientProfile, HistoryEntry, RequestView


class Cabinet:
    def __init__(self, db: Database, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.db = db
        self._identity = IdentityService(db, clock)
        self._history = HistoryService(db, clock)
        self._requests = RequestService(db, clock)
        self._handoffs = HandoffService(db, clock)

    async def identify(self, event: Inbound) -> ClientProfile:
        return await self._identity.identify(event)

    async def profile(self, client_id: int) -> ClientProfile | None:
        return await self._identity.profile(client_id)

    async def mark_recipient_gone(self, channel: str, bot: str, platform_user_id: str) -> None:
        await self._identity.mark_recipient_gone(channel, bot, platform_user_id)

    async def client_id_for(self, public_id: str) -> int | None:
        return await self._identity.client_id_for(public_id)

    async def public_id_for(self, client_id: int) -> str | None:
        return await self._identity.public_id_for(client_id)

    async def record_inbound(self, profile: ClientProfile, event: Inbound) -> bool:
        return await self._history.record_inbound(profile, event)

    async def record_outbound(
        self, profile_or_client_id: ClientProfile | int, outbound: Outbound, *, status: str = "queued"
    ) -> None:
        await self._history.record_outbound(profile_or_client_id, outbound, status=status)

    async def record_outbound_many(
        self,
        profile_or_client_id: ClientProfile | int,
        outbounds: Sequence[Outbound],
        *,
        status: str = "queued",
    ) -> None:
        await self._history.record_outbound_many(profile_or_client_id, outbounds, status=status)

    async def mark_outbound(
        self,
        outbound_id: str,
        channel: str,
        bot: str,
        *,
        status: str,
        platform_message_id: str | None = None,
        error: str | None = None,
    ) -> None:
        await self._history.mark_outbound(
            outbound_id, channel, bot, status=status, platform_message_id=platform_message_id, error=error
        )

    async def history(
        self, client_id: int, *, limit: int = 50, before_id: int | None = None
    ) -> list[HistoryEntry]:
        return await self._history.history(client_id, limit=limit, before_id=before_id)

    async def create_request(
        self,
        client_id: int,
        *,
        topic: str,
        description: str,
        answer_format: str,
        urgency: str = "normal",
        channel: str,
        attachments: Iterable[Mapping[str, Any]] = (),
    ) -> RequestView:
        return await self._requests.create_request(
            client_id,
            topic=topic,
            description=description,
            answer_format=answer_format,
            urgency=urgency,
            channel=channel,
            attachments=attachments,
        )

    async def record_handoff(
        self, client_id: int, *, queue: str, reason: str, channel: str, note: str | None = None
    ) -> int:
        return await self._handoffs.record_handoff(
            client_id, queue=queue, reason=reason, channel=channel, note=note
        )

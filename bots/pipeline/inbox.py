"""The inbox worker: one inbound event -> client profile, history, dialog turn, outbox.

Handlers run with per-conversation order (the work queue guarantees it) and may run again
for the same event after a crash, so every step is idempotent: history appends are keyed by
the message's durable identity (``Inbound.message_key``, never the platform's reusable event
id), replies by ``<message>:<n>`` ids that the outbox de-duplicates, and the session remembers
the last message it reflects so a replay never runs the dialog twice.

A turn's replies are fitted to the channel as a whole (``adapters.render.fit_turn``): where the
client sees only the newest keyboard, every choice of the turn rides on its last reply.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from adapters.render import fit_turn
from adapters.types import ButtonPress, Inbound, Outbound, StatusBody, SubscribedBody, UnsubscribedBody
from bots.pipeline.handoff_hooks import is_free_text, not_understood_handoff
from bots.pipeline.metrics import Metrics
from bots.pipeline.ports import AcceptedLedger, ClientDirectory, ConversationLog, DeliveryReceipts, Handoff
from bots.pipeline.runtime import BotRuntime
from bots.pipeline.subscriptions import Subscriptions
from bots.state import TokenStore, WorkQueue, is_token
from cabinet_api import ClientProfile
from dialogs.session import SessionState, SessionStore
from dialogs.turn import ClientView, TurnResult
from handoff import HandoffRequest

log = logging.getLogger(__name__)

STALE_BUTTON = "~stale"


@dataclass
class InboxWorker:
    runtimes: Mapping[str, BotRuntime]
    clients: ClientDirectory
    history: ConversationLog
    receipts: DeliveryReceipts
    handoff: Handoff
    sessions: SessionStore
    tokens: TokenStore
    outbox: WorkQueue
    metrics: Metrics
    ledger: AcceptedLedger | None = None
    """Where the inbox may forget accepted events (Redis): a conversation's earlier events that were
    never handled are handled before its next one, so a Redis restarted empty breaks no order."""
    subscriptions: Subscriptions | None = None
    """Opting out of broadcasts and answers to them, before the dialog and before people."""
    transient: Callable[[BaseException], bool] = lambda _error: False
    """Errors that are an outage (Redis or the database unreachable), not a fault of the event: an
    earlier event failing so is not set aside, the later one waits with it."""

    async def handle(self, raw: bytes) -> None:
        event = Inbound.model_validate_json(raw)
        if self.ledger is None or isinstance(event.body, StatusBody):
            await self._handle(event)
            return
        await self._catch_up(self.ledger, event)
        await self._handle(event)
        await self.ledger.mark_handled(event.dedupe_key)

    async def _catch_up(self, ledger: AcceptedLedger, event: Inbound) -> None:
        for dedupe_key, raw in await ledger.earlier_unhandled(event.dedupe_key, event.conversation.key):
            log.warning("event %s was accepted and never handled; handled before a later one", dedupe_key)
            try:
                await self._handle(Inbound.model_validate_json(raw))
                await ledger.mark_handled(dedupe_key)
            except Exception as error:
                if self.transient(error):
                    raise  # handled on, the later event would overtake it (CI saw 19 of 600)
                log.warning("event %s failed out of turn (%s); set aside", dedupe_key, type(error).__name__)
                await ledger.set_aside(dedupe_key)

    async def _handle(self, event: Inbound) -> None:
        started = time.perf_counter()
        runtime = self.runtimes.get(event.bot)
        if runtime is None:
            log.error("event %s for unknown bot %s dropped", event.dedupe_key, event.bot)
            return
        if isinstance(event.body, StatusBody):
            body = event.body
            await self.receipts.record_receipt(
                event.channel.value, event.bot, body.message_id, body.status, error=body.error
            )
            return
        key = f"{event.bot}:{event.conversation.key}"
        loading = asyncio.ensure_future(self.sessions.load(key))
        try:
            await self._turn(runtime, event, key, loading, started)
        finally:
            _forget(loading)

    async def _turn(
        self,
        runtime: BotRuntime,
        event: Inbound,
        key: str,
        loading: asyncio.Future[SessionState | None],
        started: float,
    ) -> None:
        """``loading`` is the conversation's session, read while the client is identified and the
        message recorded (only this worker writes sessions, and only after the turn)."""
        event = await self._resolve_button_token(event)
        adapter = runtime.adapter(event.channel)
        if adapter is not None and isinstance(event.body, ButtonPress):
            await adapter.acknowledge(event)
        profile = await self.clients.identify(event)
        await self.history.record_inbound(profile, event)
        self.metrics.inbound.labels(event.channel.value, event.body.kind).inc()
        if isinstance(event.body, UnsubscribedBody | SubscribedBody):
            return
        if self.subscriptions is not None and await self.subscriptions.intercept(profile, event):
            return
        session = await loading
        free_text = is_free_text(runtime.compiled, session, event.body)
        if await self.handoff.receive(profile, event, free_text=free_text):
            return  # people answer this conversation; they read the message in the history
        if session is not None and session.last_event_id == event.message_key:
            log.info("message %s already reflected in the session; replay skipped", event.message_ref)
            return
        result = await runtime.engine.turn(event, session, _client_view(profile, event))
        await self._deliver(runtime, profile, event, result)
        await self.sessions.save(key, result.session)
        self.metrics.turn_seconds.labels(event.channel.value).observe(time.perf_counter() - started)

    async def _resolve_button_token(self, event: Inbound) -> Inbound:
        body = event.body
        if not isinstance(body, ButtonPress) or not is_token(body.payload):
            return event
        payload = await self.tokens.resolve(body.payload)
        resolved = body.model_copy(update={"payload": payload or STALE_BUTTON})
        return event.model_copy(update={"body": resolved})

    async def _deliver(
        self, runtime: BotRuntime, profile: ClientProfile, event: Inbound, result: TurnResult
    ) -> None:
        adapter = runtime.adapter(event.channel)
        replies = fit_turn(result.replies, adapter.capabilities) if adapter is not None else result.replies
        outbounds = [
            Outbound(
                id=f"{event.message_ref}:{index}",
                conversation=event.conversation,
                reply=reply,
                in_reply_to=event.message_key,
                created_at=event.received_at,
            )
            for index, reply in enumerate(replies)
        ]
        await self.history.record_outbound_many(profile, outbounds, status="queued")
        for outbound in outbounds:
            await self.outbox.put(
                event.conversation.key, outbound.model_dump_json().encode(), dedupe_id=outbound.id
            )
        handoff = result.handoff or not_understood_handoff(runtime.compiled, result)
        if handoff is not None:
            await self.handoff.request_handoff(
                HandoffRequest(
                    client_id=profile.client_id,
                    conversation=event.conversation,
                    queue=handoff.queue,
                    reason=handoff.reason,
                    note=handoff.note,
                )
            )
            self.metrics.handoffs.labels(handoff.queue, handoff.reason).inc()


def _forget(loading: asyncio.Future[SessionState | None]) -> None:
    """A session read the turn did not wait for: cancelled, or its failure marked as seen."""
    if not loading.done():
        loading.cancel()
    elif not loading.cancelled():
        loading.exception()


def _client_view(profile: ClientProfile, event: Inbound) -> ClientView:
    return ClientView(
        id=profile.public_id,
        first_name=profile.first_name,
        locale=profile.locale,
        phone_verified=profile.phone_verified,
        channel=event.channel.value,
    )

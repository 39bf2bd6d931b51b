"""``/webhooks/{bot}/{channel}``: verify, parse, drop duplicates, enqueue, answer fast.

The raw body is verified before anything reads it as JSON; a bad or missing signature is
answered 401 and nothing is parsed or stored. Once events are in the durable inbox the
platform gets its 200; everything else happens in the inbox worker.

Two platform habits belong to the HTTP exchange itself, and adapters declare them by the
optional protocols of ``adapters.types``: a ``GET`` subscription handshake
(:class:`VerifiesSubscription`, WhatsApp), and a welcome answered in the webhook's response body
(:class:`WelcomesInWebhookResponse`, Viber's ``conversation_started``); a welcomed event is not
enqueued, since the client is not subscribed yet and any later send would be refused.

While the inbox cannot be reached (Redis down) a webhook is answered 503 with ``Retry-After``:
the platform delivers it again later, and whatever of a batch was queued before is dropped then
as a duplicate.

The inbox drops a redelivered event by its platform event id for the queue's dedupe TTL
(``OMNICAB_DEDUPE_TTL_SECONDS``), which covers every adapter's declared retry horizon; what is
stored is keyed by the message's durable identity instead (``Inbound.message_key``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from aiohttp import web

from adapters.render import render
from adapters.types import (
    BadRequest,
    Channel,
    ChannelAdapter,
    Inbound,
    Outbound,
    StatusBody,
    VerifiesSubscription,
    WelcomesInWebhookResponse,
)
from bots.pipeline.bodies import UnreadableBody, check_body
from bots.pipeline.metrics import Metrics
from bots.pipeline.ports import AcceptedLedger
from bots.pipeline.runtime import BotRuntime
from bots.pipeline.sanitize import queue_item
from bots.state import QueueUnavailable, TokenStore, WorkQueue
from cabinet_api import AcceptedEvent
from dialogs.turn import ClientView

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


class Ingest:
    """Puts parsed events into the inbox; shared by webhooks and long polling.

    With a ``ledger`` (the services backend, where the inbox is a Redis stream), each event is
    first recorded in the database, in one statement per batch: a Redis that restarts empty loses
    the stream, and :mod:`bots.pipeline.recovery` queues what was never handled again from there.
    """

    def __init__(self, inbox: WorkQueue, ledger: AcceptedLedger | None = None) -> None:
        self._inbox = inbox
        self._ledger = ledger

    async def events(self, events: list[Inbound]) -> int:
        """Queue each event on its own: one that cannot be stored is skipped, its neighbours queued.

        Texts a database cannot store are sanitised here, with a mark (:mod:`bots.pipeline.sanitize`).
        """
        items: list[tuple[Inbound, bytes]] = []
        for event in events:
            try:
                items.append((event, queue_item(event)))
            except ValueError as error:
                log.warning(
                    "%s %s: an event skipped, it cannot be queued (%s)",
                    event.channel.value,
                    event.bot,
                    type(error).__name__,
                )
        if self._ledger is not None:
            await self._record(self._ledger, items)
        fresh = 0
        for event, item in items:
            if await self._inbox.put(event.conversation.key, item, dedupe_id=event.dedupe_key):
                fresh += 1
        return fresh

    @staticmethod
    async def _record(ledger: AcceptedLedger, items: list[tuple[Inbound, bytes]]) -> None:
        """Nothing is queued unless it is recorded: a database that cannot take the record is an
        inbox that cannot take the events (503, and the platform delivers them again)."""
        accepted = [
            AcceptedEvent(event.dedupe_key, event.conversation.key, item)
            for event, item in items
            if not isinstance(event.body, StatusBody)
        ]
        try:
            await ledger.record(accepted)
        except Exception as error:
            raise QueueUnavailable(
                f"the record of accepted events failed ({type(error).__name__})"
            ) from error

    async def raw(self, adapter: ChannelAdapter, raw_body: bytes) -> int:
        """A polled update: one that cannot be parsed is skipped, or it would be fetched forever."""
        try:
            events = adapter.parse(raw_body)
        except (BadRequest, ValueError) as error:
            channel, bot = adapter.channel.value, adapter.bot
            log.warning("%s %s: a polled update skipped (%s)", channel, bot, _reason(error))
            return 0
        return await self.events(events)


class WebhookRoutes:
    def __init__(
        self, runtimes: Mapping[str, BotRuntime], ingest: Ingest, tokens: TokenStore, metrics: Metrics
    ) -> None:
        self._runtimes = runtimes
        self._ingest = ingest
        self._tokens = tokens
        self._metrics = metrics
        self._welcomers: dict[tuple[str, str], WelcomesInWebhookResponse | None] = {}

    async def handle(self, request: web.Request) -> web.Response:
        bot, channel_name = request.match_info["bot"], request.match_info["channel"]
        runtime, adapter = self._find(bot, channel_name)
        if runtime is None or adapter is None:
            return _error(404, "unknown_webhook", "no such bot or channel")
        raw = await request.read()
        if not adapter.verify(request.headers, raw):
            self._count(bot, adapter, "unauthorized")
            return _error(401, "bad_signature", "signature or secret token missing or wrong")
        try:
            check_body(raw)
            events = adapter.parse(raw)
        except Exception as error:
            # Whatever no platform sends is refused with its reason, never a 500 with a traceback.
            self._count(bot, adapter, "bad_request")
            reason = _reason(error)
            log.warning("webhook %s/%s: bad body: %s", bot, channel_name, reason)
            return _error(400, "bad_request", reason)
        welcomer = self._welcomer(adapter)
        welcomes = [event for event in events if welcomer is not None and welcomer.welcome_expected(event)]
        try:
            fresh = await self._ingest.events([event for event in events if event not in welcomes])
        except QueueUnavailable as error:
            self._count(bot, adapter, "unavailable")
            log.warning("webhook %s/%s: inbox unavailable, answered 503 (%s)", bot, channel_name, error)
            return _unavailable()
        self._count(bot, adapter, "accepted" if fresh or welcomes else "duplicate_or_empty")
        if welcomer is not None and welcomes:
            return web.json_response(await self._welcome(runtime, adapter, welcomer, welcomes[0]))
        return web.json_response({"ok": True})

    def _welcomer(self, adapter: ChannelAdapter) -> WelcomesInWebhookResponse | None:
        """The adapter as one that welcomes in the webhook's answer, if it is (asked once: a
        protocol's ``isinstance`` inspects every member)."""
        key = (adapter.bot, adapter.channel.value)
        if key not in self._welcomers:
            self._welcomers[key] = adapter if isinstance(adapter, WelcomesInWebhookResponse) else None
        return self._welcomers[key]

    async def verify_subscription(self, request: web.Request) -> web.Response:
        """The ``GET`` handshake (WhatsApp): echo the challenge when the verify token matches."""
        _, adapter = self._find(request.match_info["bot"], request.match_info["channel"])
        if not isinstance(adapter, VerifiesSubscription):
            return _error(404, "unknown_webhook", "no such bot or channel")
        challenge = adapter.verify_subscription(request.query)
        if challenge is None:
            return _error(403, "bad_verify_token", "hub.verify_token does not match")
        return web.Response(text=challenge)

    async def _welcome(
        self,
        runtime: BotRuntime,
        adapter: ChannelAdapter,
        welcomer: WelcomesInWebhookResponse,
        event: Inbound,
    ) -> dict[str, object]:
        client = ClientView(id="", first_name=event.sender.first_name, locale=event.sender.locale or "")
        outbound = Outbound(
            id=f"{event.message_ref}:welcome",
            conversation=event.conversation,
            reply=runtime.engine.welcome(client),
        )
        parts = await render(outbound, adapter.capabilities, self._tokens.shorten)
        return welcomer.welcome_body(parts[-1])

    def _find(self, bot: str, channel_name: str) -> tuple[BotRuntime | None, ChannelAdapter | None]:
        runtime = self._runtimes.get(bot)
        if runtime is None:
            return None, None
        try:
            return runtime, runtime.adapter(Channel(channel_name))
        except ValueError:
            return runtime, None

    def _count(self, bot: str, adapter: ChannelAdapter, outcome: str) -> None:
        self._metrics.webhooks.labels(bot, adapter.channel.value, outcome).inc()


def _reason(error: Exception) -> str:
    """Why a body was refused, safe to log and to answer: an adapter's own words, never the input."""
    if isinstance(error, BadRequest | UnreadableBody):
        return str(error)
    return "an event the adapter could not represent"


def _unavailable() -> web.Response:
    response = _error(503, "unavailable", "the inbox cannot take events now; deliver again later")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": {"code": code, "message": message}}, status=status)

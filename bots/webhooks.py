"""``POST /webhooks/{bot}/{channel}``: verify, parse, drop duplicates, enqueue, answer fast.

The raw body is verified before anything reads it as JSON; a bad or missing signature is
answered 401 and nothing is parsed or stored. Once events are in the durable inbox the
platform gets its 200; everything else happens in the inbox worker.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from aiohttp import web

from adapters.types import BadRequest, Channel, ChannelAdapter, Inbound
from bots.metrics import Metrics
from bots.queues import WorkQueue
from bots.runtime import BotRuntime

log = logging.getLogger(__name__)


class Ingest:
    """Puts parsed events into the inbox; shared by webhooks and long polling."""

    def __init__(self, inbox: WorkQueue, metrics: Metrics) -> None:
        self._inbox = inbox
        self._metrics = metrics

    async def events(self, events: list[Inbound]) -> int:
        fresh = 0
        for event in events:
            if await self._inbox.put(
                event.conversation.key, event.model_dump_json().encode(), dedupe_id=event.dedupe_key
            ):
                fresh += 1
        return fresh

    async def raw(self, adapter: ChannelAdapter, raw_body: bytes) -> int:
        return await self.events(adapter.parse(raw_body))


class WebhookRoutes:
    def __init__(self, runtimes: Mapping[str, BotRuntime], ingest: Ingest, metrics: Metrics) -> None:
        self._runtimes = runtimes
        self._ingest = ingest
        self._metrics = metrics

    def register(self, app: web.Application) -> None:
        app.router.add_post("/webhooks/{bot}/{channel}", self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        bot, channel_name = request.match_info["bot"], request.match_info["channel"]
        adapter = self._adapter(bot, channel_name)
        if adapter is None:
            return _error(404, "unknown_webhook", "no such bot or channel")
        raw = await request.read()
        if not adapter.verify(request.headers, raw):
            self._count(bot, adapter, "unauthorized")
            return _error(401, "bad_signature", "signature or secret token missing or wrong")
        try:
            fresh = await self._ingest.raw(adapter, raw)
        except BadRequest as error:
            self._count(bot, adapter, "bad_request")
            log.warning("webhook %s/%s: bad body: %s", bot, channel_name, error)
            return _error(400, "bad_request", str(error))
        self._count(bot, adapter, "accepted" if fresh else "duplicate_or_empty")
        return web.json_response({"ok": True})

    def _adapter(self, bot: str, channel_name: str) -> ChannelAdapter | None:
        runtime = self._runtimes.get(bot)
        if runtime is None:
            return None
        try:
            return runtime.adapter(Channel(channel_name))
        except ValueError:
            return None

    def _count(self, bot: str, adapter: ChannelAdapter, outcome: str) -> None:
        self._metrics.webhooks.labels(bot, adapter.channel.value, outcome).inc()


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": {"code": code, "message": message}}, status=status)

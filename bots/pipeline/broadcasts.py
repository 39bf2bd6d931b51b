"""The broadcast sender: every worker process runs one, and together they send each broadcast once.

Live replies first. A lane claims nothing while the outbox holds more than ``backlog`` messages, so a
live reply never waits behind a queue of broadcast messages. Each (channel, bot) lane takes a token
from its own GCRA bucket, shared by every process, at ``share`` of the platform's per-bot rate with
no burst, before it hands a recipient's message to the outbox. The outbox
then sends the message through the same per-bot bucket as live replies: broadcasts never use more
than ``share`` of it, so a live reply always finds room at once, and the platform's limit over any
second is kept (broadcasts spaced evenly, live replies in the rest).

Exactly once. A claim appends the message to the client's history in the claiming transaction; the
message then goes to the outbox under its own id (the outbox's queue drops a duplicate, its send
journal never repeats a platform call), and the claim is marked handed, its history row keeping the
outbox item until the outbox finishes it (a Redis that restarted empty loses none). A claim never
marked handed (the process died in between) is handed again later, which these guards make harmless.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from adapters.types import Button, Channel, ConversationRef, Outbound, Reply, TemplateRef
from bots.pipeline.ports import BroadcastLedger
from bots.pipeline.runtime import BotRuntime
from bots.state import RateLimiter, WorkQueue
from bots.state.dispatch import sleep_or_stop
from cabinet_api import RecipientClaim
from dialogs.engine import START_PAYLOAD

log = logging.getLogger(__name__)

PAYLOAD_PREFIX = "bc:"
DEFAULT_SHARE = 0.8
YIELD_SECONDS = 0.05
BATCH_SECONDS = 0.25
"""A lane claims this many seconds of sending at once: a pause stops it within about that long."""


def button_payload(recipient_id: int, index: int) -> str:
    return f"{PAYLOAD_PREFIX}{recipient_id}:{index}"


def parse_button_payload(payload: str) -> tuple[int, int] | None:
    if not payload.startswith(PAYLOAD_PREFIX):
        return None
    recipient, _, index = payload.removeprefix(PAYLOAD_PREFIX).partition(":")
    if not recipient.isdigit() or not index.isdigit():
        return None
    return int(recipient), int(index)


def broadcast_outbound(claim: RecipientClaim) -> Outbound:
    """The message of one recipient: its buttons carry the recipient, so a press from anyone else is
    recognised as foreign; a ``menu`` button simply starts the bot."""
    buttons = tuple(
        Button(
            title=button.title,
            payload=START_PAYLOAD if button.action == "menu" else button_payload(claim.recipient_id, index),
        )
        for index, button in enumerate(claim.buttons)
    )
    template = (
        TemplateRef(key=claim.template_key, params=claim.template_params) if claim.template_key else None
    )
    return Outbound(
        id=claim.outbound_id,
        conversation=ConversationRef(
            channel=Channel(claim.channel),
            bot=claim.bot,
            chat_id=claim.chat_id,
            user_id=claim.platform_user_id,
        ),
        reply=Reply(text=claim.text, buttons=buttons),
        template=template,
    )


@dataclass
class BroadcastSender:
    ledger: BroadcastLedger
    runtimes: Mapping[str, BotRuntime]
    outbox: WorkQueue
    limiter: RateLimiter
    stop: asyncio.Event
    share: float = DEFAULT_SHARE
    poll_seconds: float = 1.0
    stale_after: timedelta = timedelta(minutes=2)
    backlog: int = 20
    """The sender waits while the outbox holds more than this: live replies never queue behind a broadcast
    the outbox cannot keep up with (a slow platform, a busy database)."""
    transient: Callable[[BaseException], bool] = lambda _error: True
    _lanes: dict[tuple[str, str], asyncio.Task[None]] = field(default_factory=dict)

    async def run(self) -> None:
        try:
            while not self.stop.is_set():
                try:
                    await self.tick()
                except Exception as error:
                    if not self.transient(error):
                        raise
                    log.warning("broadcasts: %s; trying again", type(error).__name__)
                if await sleep_or_stop(self.poll_seconds, self.stop):
                    break
        finally:
            await asyncio.gather(*self._lanes.values(), return_exceptions=True)

    async def tick(self) -> None:
        """Start what is due, hand over lost claims, run a sending task per lane with work, close
        the finished broadcasts."""
        for public_id in await self.ledger.start_due():
            log.info("broadcast %s started", public_id)
        for claim in await self.ledger.stale_claims(self.stale_after):
            await self._hand(claim)
        for lane in await self.ledger.lanes():
            running = self._lanes.get(lane)
            if running is None or running.done():
                self._lanes[lane] = asyncio.create_task(self._lane(*lane), name=f"broadcast-{lane[0]}")
        for public_id in await self.ledger.finish_sent():
            log.info("broadcast %s done", public_id)

    def rate(self, channel: str, bot: str) -> float | None:
        runtime = self.runtimes.get(bot)
        adapter = runtime.adapter(Channel(channel)) if runtime is not None else None
        return adapter.rate_limits.per_bot * self.share if adapter is not None else None

    async def _lane(self, channel: str, bot: str) -> None:
        """Send this lane's recipients until none wait; an outage ends it, and a later tick restarts it."""
        try:
            await self._send_lane(channel, bot)
        except Exception as error:
            if not self.transient(error):
                log.exception("broadcast lane %s/%s failed", bot, channel)
                return
            log.warning(
                "broadcast lane %s/%s: %s; it resumes on a later tick", bot, channel, type(error).__name__
            )

    async def _send_lane(self, channel: str, bot: str) -> None:
        rate = self.rate(channel, bot)
        if rate is None:
            log.error("broadcast lane %s/%s has no adapter; its recipients wait", bot, channel)
            return
        bucket = f"broadcast:{channel}:{bot}"
        batch = max(1, int(rate * BATCH_SECONDS))
        while not self.stop.is_set():
            if await self._outbox_busy():
                continue
            claims = await self.ledger.claim(channel, bot, limit=batch)
            if not claims:
                return
            handed: list[int] = []
            outbounds: list[Outbound] = []
            try:
                for claim in claims:
                    wait = await self.limiter.acquire(bucket, rate=rate, burst=1)
                    if wait > 0 and await sleep_or_stop(wait, self.stop):
                        return  # the rest are handed over as stale claims (``stale_after``)
                    outbounds.append(await self._put(claim))
                    handed.append(claim.recipient_id)
            finally:
                await self.ledger.handed(handed, outbounds)

    async def _outbox_busy(self) -> bool:
        """True (after a short wait) while the outbox has more work than ``backlog``."""
        try:
            busy = await self.outbox.depth() > self.backlog
        except Exception as error:
            if not self.transient(error):
                raise
            busy = True
        if busy:
            await sleep_or_stop(YIELD_SECONDS, self.stop)
        return busy

    async def _put(self, claim: RecipientClaim) -> Outbound:
        outbound = broadcast_outbound(claim)
        await self.outbox.put(
            outbound.conversation.key, outbound.model_dump_json().encode(), dedupe_id=outbound.id
        )
        return outbound

    async def _hand(self, claim: RecipientClaim) -> None:
        await self.ledger.handed([claim.recipient_id], [await self._put(claim)])

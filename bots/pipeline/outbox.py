"""The outbox worker: render an outbound reply for its channel and get it to the platform.

Retries happen inline, so a conversation's later replies wait behind an earlier one and
arrive in order. A platform's ``retry_after`` is honoured, other transient failures back
off exponentially, and every send first takes a token from the bot's and the chat's
rate-limit buckets (shared across processes on Redis), at the rates the adapter declares.

What differs per channel comes from the adapter's declarations: a stored file goes by upload,
or by a short-lived signed link where the platform takes files by URL only; when the platform
admits only templates (:class:`OutsideWindow`), an adapter that :class:`SendsTemplates` sends
the outbound's template instead.

Every platform call is journaled (:class:`~bots.pipeline.ports.SendJournal`): its intent is
written before the call and its result after it, so a send and its record never split. When the
result cannot be written (the database is down), the writing is retried, never the call. A call
whose outcome is unknown (the connection broke after the request left, the answer timed out, or
the process died between intent and result) is never made again: the message is marked
``unknown`` in the history and counted. Only calls the platform surely did not take (connection
refused, 429, an error answer) are repeated, at most ``max_attempts`` times; then the message is
dead-lettered and the conversation's later replies go on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from adapters.render import render
from adapters.types import (
    Attachment,
    ChannelAdapter,
    FileSource,
    Outbound,
    OutcomeUnknown,
    OutsideWindow,
    RateLimits,
    RecipientGone,
    RenderedMessage,
    SendError,
    SendsTemplates,
    TemplateRef,
)
from bots.pipeline.call_window import CallWindow
from bots.pipeline.metrics import Metrics
from bots.pipeline.ports import ClientDirectory, ConversationLog, DeadLetters, FileReader, SendJournal
from bots.pipeline.runtime import BotRuntime
from bots.state import Backoff, Bucket, RateLimiter, TokenStore
from bots.state.dispatch import sleep_or_stop

log = logging.getLogger(__name__)

T = TypeVar("T")

TEMPLATE_PART = -1
"""The journal's part number of a template sent instead of the message."""


def _always(_error: BaseException) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class _Delivered:
    """A call the platform took whose result is not written yet."""

    part: int
    platform_message_id: str | None


class ShuttingDown(Exception):
    """Raised out of a handler so the work queue keeps the message for the next run."""


@dataclass
class OutboxWorker:
    runtimes: Mapping[str, BotRuntime]
    clients: ClientDirectory
    history: ConversationLog
    files: FileReader
    tokens: TokenStore
    limiter: RateLimiter
    metrics: Metrics
    journal: SendJournal
    dead_letters: DeadLetters
    max_attempts: int = 8
    base_backoff: float = 0.5
    max_backoff: float = 60.0
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    transient: Callable[[BaseException], bool] = _always
    """Whether an error writing a send's record is an outage to wait out (else it is raised)."""
    record_backoff: Backoff = field(default_factory=lambda: Backoff(initial=0.2, maximum=5.0))
    public_base_url: str = "http://127.0.0.1:8080"
    link_secret: bytes = b""
    link_ttl_seconds: int = 15 * 60
    on_finish: Callable[[Outbound, str], Awaitable[None]] | None = None
    """Told the final status of every message (handoff shows a person's refused reply as failed)."""
    _windows: dict[str, CallWindow] = field(default_factory=dict, init=False, repr=False)

    async def handle(self, raw: bytes) -> None:
        outbound = Outbound.model_validate_json(raw)
        conversation = outbound.conversation
        runtime = self.runtimes.get(conversation.bot)
        adapter = runtime.adapter(conversation.channel) if runtime else None
        if adapter is None:
            await self._finish(outbound, status="failed", error="no adapter for this bot and channel")
            return
        try:
            outbound = await self._resolve_stored_file(outbound, adapter)
            parts = await render(outbound, adapter.capabilities, self.tokens.shorten)
        except (LookupError, ValueError) as error:
            # A message that can never be rendered (a file no longer stored, media the channel cannot
            # carry) is failed once, not retried forever ahead of the conversation's later replies.
            await self._finish(outbound, status="failed", error=f"cannot render: {type(error).__name__}")
            return
        platform_ids: list[str] = []
        last_part: _Delivered | None = None
        for number, part in enumerate(parts):
            last = number == len(parts) - 1
            try:
                message_id = await self._send_with_retries(
                    adapter, outbound, number, part, settle_sent=not last
                )
            except OutcomeUnknown as error:
                await self._finish(outbound, status="unknown", error=str(error))
                return
            except OutsideWindow:
                await self._send_template_instead(adapter, outbound)
                return
            except RecipientGone as gone:
                await self._durably(
                    lambda: self.clients.mark_recipient_gone(
                        conversation.channel.value, conversation.bot, conversation.user_id
                    )
                )
                await self._finish(outbound, status="failed", error=f"recipient gone: {gone}")
                return
            except SendError as error:
                if not error.permanent:
                    await self._dead_letter(outbound, raw, error)
                    return
                await self._finish(outbound, status="failed", error=f"{error.code}: {error}")
                return
            if message_id:
                platform_ids.append(message_id)
            if last:
                last_part = _Delivered(number, message_id)
        await self._finish(
            outbound, status="sent", platform_message_id=",".join(platform_ids) or None, delivered=last_part
        )

    async def _resolve_stored_file(self, outbound: Outbound, adapter: ChannelAdapter) -> Outbound:
        """A file the cabinet stores goes by upload where the platform takes one, else by a
        short-lived signed link (``files_by_url_only``: Viber only fetches files by URL); either
        way with its size, which the platform may need to be told (Viber's file message)."""
        attachment = outbound.reply.attachment
        key = attachment.source.storage_key if attachment else None
        if attachment is None or key is None:
            return outbound
        resolved: Attachment
        if adapter.capabilities.files_by_url_only:
            link = self.files.link(
                key, secret=self.link_secret, lifetime=timedelta(seconds=self.link_ttl_seconds)
            )
            resolved = attachment.model_copy(
                update={
                    "source": FileSource(url=f"{self.public_base_url}/api/v1/files/{link.token}"),
                    "size": attachment.size or await self.files.size(key),
                }
            )
        else:
            data = await self.files.read(key)
            resolved = attachment.model_copy(update={"source": FileSource(data=data), "size": len(data)})
        return outbound.model_copy(
            update={"reply": outbound.reply.model_copy(update={"attachment": resolved})}
        )

    async def _send_template_instead(self, adapter: ChannelAdapter, outbound: Outbound) -> None:
        """The platform admits only templates now: send the outbound's template, if it has one."""
        template = outbound.template
        if template is None or not isinstance(adapter, SendsTemplates):
            await self._finish(
                outbound, status="failed", error="outside the messaging window and no template"
            )
            return
        try:
            message_id = await self._call_once(
                outbound,
                TEMPLATE_PART,
                _template_call(adapter, outbound, template),
                adapter.rate_limits,
                settle_sent=False,
            )
        except OutcomeUnknown as error:
            await self._finish(outbound, status="unknown", error=f"template: {error}")
            return
        except SendError as error:
            await self._finish(outbound, status="failed", error=f"template: {error.code}: {error}")
            return
        await self._finish(
            outbound,
            status="sent",
            platform_message_id=message_id,
            delivered=_Delivered(TEMPLATE_PART, message_id),
        )

    async def _send_with_retries(
        self,
        adapter: ChannelAdapter,
        outbound: Outbound,
        number: int,
        part: RenderedMessage,
        *,
        settle_sent: bool,
    ) -> str | None:
        """Send one part; repeated only while the platform surely did not take it (a non-permanent
        :class:`SendError`), which raises out once ``max_attempts`` calls were refused."""
        attempt = 0
        while True:
            attempt += 1
            await self._wait_for_rate(adapter, part)
            try:
                return await self._call_once(
                    outbound, number, _part_call(adapter, part), adapter.rate_limits, settle_sent=settle_sent
                )
            except SendError as error:
                if error.permanent or attempt >= self.max_attempts:
                    raise
                delay = error.retry_after if error.retry_after is not None else self._backoff(attempt)
                self.metrics.send_retries.labels(adapter.channel.value).inc()
                log.warning(
                    "send %s failed (%s, code %s); retry %d in %.1fs",
                    part.idempotency_key,
                    error,
                    error.code,
                    attempt,
                    delay,
                )
                await self._pause(delay)

    async def _call_once(
        self,
        outbound: Outbound,
        part: int,
        call: Callable[[], Awaitable[str | None]],
        limits: RateLimits,
        *,
        settle_sent: bool,
    ) -> str | None:
        """Make one journaled platform call: the intent is written first, the result after.

        Without ``settle_sent`` a call the platform took is left for :meth:`_finish` to settle, in
        the same write as the message's status (the message's last call: nothing comes between).

        A part already sent is not sent again (its platform id is returned); a part whose earlier
        call has no result may have reached the platform, so it raises :class:`OutcomeUnknown`.
        The rate is waited for before the intent: a process killed between the intent and the call
        leaves an "unknown" that was never sent, so nothing waits there but the platform's own
        ceiling, and only while this process's calls fill it (:mod:`bots.pipeline.call_window`);
        stopping during that wait records the call as refused (never made), to be made after.
        """
        ref = outbound.conversation
        channel, bot = ref.channel.value, ref.bot
        earlier = await self.journal.begin(channel, bot, outbound.id, part)
        if earlier is not None:
            if earlier.state == "sent":
                return earlier.platform_message_id
            await self._settle(outbound, part, "unknown")
            raise OutcomeUnknown("an earlier call has no recorded result; it is not repeated")
        try:
            await self._keep_ceiling(outbound, limits)
        except ShuttingDown:
            await self._settle(outbound, part, "refused")
            raise
        try:
            message_id = await call()
        except OutcomeUnknown:
            await self._settle(outbound, part, "unknown")
            raise
        except SendError:
            await self._settle(outbound, part, "refused")
            raise
        if settle_sent:
            await self._settle(outbound, part, "sent", message_id)
        return message_id

    async def _settle(self, outbound: Outbound, part: int, state: str, message_id: str | None = None) -> None:
        ref = outbound.conversation
        await self._durably(
            lambda: self.journal.settle(
                ref.channel.value, ref.bot, outbound.id, part, state=state, platform_message_id=message_id
            )
        )

    async def _durably(self, write: Callable[[], Awaitable[T]]) -> T:
        """Run a write that must not be lost after a platform call, until it lands.

        An outage of the database is waited out with back-off (the call is never repeated for it);
        any other error is raised. Stopping leaves the message queued, to be resolved by the journal.
        """
        attempt = 0
        while True:
            try:
                return await write()
            except Exception as error:
                if not self.transient(error):
                    raise
                attempt += 1
                delay = self.record_backoff.delay(attempt)
                log.warning(
                    "recording a send failed (%s), attempt %d; retry in %.1fs",
                    type(error).__name__,
                    attempt,
                    delay,
                )
                await self._pause(delay)

    async def _dead_letter(self, outbound: Outbound, raw: bytes, error: SendError) -> None:
        ref = outbound.conversation
        reason = f"{error.code}: {error}" if error.code is not None else str(error)
        letter = await self._durably(
            lambda: self.dead_letters.add("outbox", ref.key, raw, error=reason, attempts=self.max_attempts)
        )
        self.metrics.dead_letters.labels("outbox").inc()
        await self._finish(
            outbound,
            status="failed",
            error=f"dead letter {letter} after {self.max_attempts} attempts: {reason}",
        )

    async def _pause(self, seconds: float) -> None:
        """Wait, unless the worker is stopping: then leave the message unacknowledged for later."""
        if await sleep_or_stop(seconds, self.stop):
            raise ShuttingDown("outbox stopping; the message stays queued")

    async def _keep_ceiling(self, outbound: Outbound, limits: RateLimits) -> None:
        if limits.ceiling is None:
            return
        ref = outbound.conversation
        key = f"{ref.channel.value}:{ref.bot}"
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = CallWindow(limits.ceiling, limits.ceiling_seconds)
        while (held := window.wait()) > 0:
            self.metrics.ceiling_holds.labels(ref.channel.value).inc()
            await self._pause(held)

    async def _wait_for_rate(self, adapter: ChannelAdapter, part: RenderedMessage) -> None:
        ref = part.conversation
        limits = adapter.rate_limits
        bot_bucket = f"{ref.channel.value}:{ref.bot}"
        delay = await self.limiter.acquire_each(
            [
                Bucket(bot_bucket, limits.per_bot, limits.per_bot_burst),
                Bucket(f"{bot_bucket}:{ref.chat_id}", limits.per_chat, limits.per_chat_burst),
            ]
        )
        if delay > 0:
            await self._pause(delay)

    def _backoff(self, attempt: int) -> float:
        return float(min(self.max_backoff, self.base_backoff * 2 ** (attempt - 1)))

    async def _finish(
        self,
        outbound: Outbound,
        *,
        status: str,
        error: str | None = None,
        platform_message_id: str | None = None,
        delivered: _Delivered | None = None,
    ) -> None:
        """Record the message's final status; ``delivered``, the call it was sent by, is settled in
        the same write."""
        ref = outbound.conversation
        if delivered is not None:
            await self._durably(
                lambda: self.journal.settle_delivered(
                    ref.channel.value,
                    ref.bot,
                    outbound.id,
                    delivered.part,
                    platform_message_id=delivered.platform_message_id,
                    message_platform_ids=platform_message_id,
                )
            )
        else:
            await self._durably(
                lambda: self.history.mark_outbound(
                    outbound.id,
                    ref.channel.value,
                    ref.bot,
                    status=status,
                    platform_message_id=platform_message_id,
                    error=error,
                )
            )
        self.metrics.outbound.labels(ref.channel.value, status).inc()
        if status == "unknown":
            self.metrics.outbox_unknown.labels(ref.channel.value).inc()
        if status == "sent":
            latency = (datetime.now(UTC) - outbound.created_at).total_seconds()
            self.metrics.reply_seconds.labels(ref.channel.value).observe(max(latency, 0.0))
        else:
            log.error("outbound %s %s: %s", outbound.id, status, error)
        if self.on_finish is not None:
            try:
                await self.on_finish(outbound, status)
            except Exception:
                log.exception("on_finish of outbound %s failed", outbound.id)


def _part_call(adapter: ChannelAdapter, part: RenderedMessage) -> Callable[[], Awaitable[str | None]]:
    async def call() -> str | None:
        return await adapter.send(part)

    return call


def _template_call(
    adapter: SendsTemplates, outbound: Outbound, template: TemplateRef
) -> Callable[[], Awaitable[str | None]]:
    async def call() -> str | None:
        return await adapter.send_template(outbound.conversation, template)

    return call

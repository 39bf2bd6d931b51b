"""Proactive messages from the cabinet (a lawyer's answer is ready) to the client's messenger.

The message goes to the client's preferred channel when they can be reached there, else to the
channel they used last, worded from that bot's catalog in the client's language. Its button
starts the bot, so it is answerable on every channel; on WhatsApp outside the 24-hour window
the outbox sends the declared template instead.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from adapters.types import Button, Outbound, Reply, TemplateRef
from bots.pipeline.ports import ClientDirectory, ConversationLog
from bots.pipeline.runtime import BotRuntime
from bots.state import WorkQueue
from cabinet_api import Notification
from dialogs.engine import START_PAYLOAD
from dialogs.templates import format_text

log = logging.getLogger(__name__)


class Unreachable(LookupError):
    """The client has no channel a message can go to (none, or all unsubscribed)."""


@dataclass
class Notifier:
    clients: ClientDirectory
    history: ConversationLog
    runtimes: Mapping[str, BotRuntime]
    outbox: WorkQueue

    async def __call__(self, notification: Notification) -> None:
        target = await self.clients.reachable(notification.client_id)
        runtime = self.runtimes.get(target.conversation.bot) if target else None
        if target is None or runtime is None:
            raise Unreachable(f"client {notification.client_id} has no reachable channel")
        compiled = runtime.compiled
        catalog = compiled.catalog(compiled.resolve_locale(target.locale))
        number = str(notification.number)
        text = format_text(catalog.lookup(f"notifications.{notification.kind}") or "", number=number)
        reply = Reply(
            text=text,
            buttons=(
                Button(title=catalog.lookup("notifications.open_menu") or "/start", payload=START_PAYLOAD),
            ),
        )
        outbound = Outbound(
            id=f"notify:{notification.kind}:{notification.request_public_id}",
            conversation=target.conversation,
            reply=reply,
            template=TemplateRef(key=notification.kind, params=(number,)),
        )
        await self.history.record_outbound(notification.client_id, outbound)
        await self.outbox.put(
            target.conversation.key, outbound.model_dump_json().encode(), dedupe_id=outbound.id
        )
        log.info("notification %s queued for %s", notification.kind, target.conversation.channel.value)

"""Words and buttons about broadcasts, answered before the dialog and before people, for every bot.

«стоп», «отписаться», "stop", "unsubscribe" (typed alone) opt the client out of broadcasts, and
«подписаться», "subscribe" back in; each is confirmed in the client's language. A press on a
broadcast's button is kept as the client's answer, or opts them out, when the broadcast was sent
to that very client; a press on anyone else's broadcast is ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from adapters.types import ButtonPress, Inbound, Outbound, Reply, TextBody
from bots.pipeline.broadcast_texts import broadcast_text
from bots.pipeline.broadcasts import parse_button_payload
from bots.pipeline.ports import BroadcastLedger, ConversationLog
from bots.pipeline.runtime import BotRuntime
from bots.state import WorkQueue
from cabinet_api import ClientProfile

log = logging.getLogger(__name__)

OPT_OUT_WORDS = frozenset({"стоп", "отписаться", "отписка", "stop", "unsubscribe"})
OPT_IN_WORDS = frozenset({"подписаться", "subscribe"})
_TRIM = " \t\n.!«»\"'/"


def _word(text: str) -> str:
    return text.strip(_TRIM).casefold().replace("ё", "е")


@dataclass
class Subscriptions:
    ledger: BroadcastLedger
    runtimes: Mapping[str, BotRuntime]
    history: ConversationLog
    outbox: WorkQueue

    async def intercept(self, profile: ClientProfile, event: Inbound) -> bool:
        """True when the event was about broadcasts and is answered here (the dialog must not see it)."""
        body = event.body
        if isinstance(body, TextBody):
            word = _word(body.text)
            if word in OPT_OUT_WORDS:
                await self._opt(profile, event, opted_out=True)
                return True
            if word in OPT_IN_WORDS:
                await self._opt(profile, event, opted_out=False)
                return True
            return False
        if isinstance(body, ButtonPress):
            parsed = parse_button_payload(body.payload)
            if parsed is None:
                return False
            button = await self.ledger.press(profile.client_id, *parsed)
            if button is None:
                log.warning("a broadcast button of another client was pressed; ignored")
            elif button.action == "unsubscribe":
                await self._opt(profile, event, opted_out=True)
            else:
                await self._say(profile, event, "answered")
            return True
        return False

    async def _opt(self, profile: ClientProfile, event: Inbound, *, opted_out: bool) -> None:
        await self.ledger.set_opt_out(profile.client_id, opted_out)
        await self._say(profile, event, "opted_out" if opted_out else "opted_in")

    async def _say(self, profile: ClientProfile, event: Inbound, key: str) -> None:
        text = broadcast_text(self.runtimes.get(event.bot), profile.locale, key)
        outbound = Outbound(
            id=f"{event.message_ref}:broadcasts",
            conversation=event.conversation,
            reply=Reply(text=text),
            in_reply_to=event.message_key,
            created_at=event.received_at,
        )
        await self.history.record_outbound(profile, outbound)
        await self.outbox.put(
            event.conversation.key, outbound.model_dump_json().encode(), dedupe_id=outbound.id
        )

"""The rating cascade after a conversation with a person or a lawyer's answer, least intrusive first.

Buttons in the client's own channel (a WhatsApp template outside the 24-hour window), one reminder after
``remind_after`` with no answer, then a call for a person when the interaction matters (a lawyer's
queue). CSAT first; after it CES ("how easy was it"); then NPS, at most once per ``nps_period`` per client.
One request per interaction; a client who said "don't ask" (button or words, ru and en) is not asked.
A lawyer's answer is first asked about by the bot (the request's card); the cascade follows it from the
answer's time: a reminder with buttons in the client's channel, then a call for a person. A refund
application approved or rejected is asked about at once in the client's channel, and reminded once.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from adapters.types import Button, ConversationRef, Inbound, Outbound, Reply, TemplateRef
from cabinet_api.services import (
    CabinetServices,
    ClientProfile,
    ConversationView,
    NotOwned,
    RatingRequestView,
    RatingResult,
    RatingView,
)
from handoff.metrics import HandoffMetrics
from handoff.ports import Outlet
from handoff.texts import Texts

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Glance:
    """The rating state a client's free text is read against (see :meth:`RatingCascade.glance`)."""

    now: datetime
    pending: RatingRequestView | None
    """The latest conversation rating question still open for a typed score."""
    rating: RatingView | None
    """The client's latest rating, which a text right after it may comment on."""


RATE_PAYLOAD = "handoff:rate:"
CES_PAYLOAD = "handoff:ces:"
NPS_PAYLOAD = "handoff:nps:"
ANSWER_PAYLOAD = "handoff:rr:"
REFUND_PAYLOAD = "handoff:rf:"
NO_MORE_PAYLOAD = "handoff:norate"
PAYLOADS = (RATE_PAYLOAD, CES_PAYLOAD, NPS_PAYLOAD, ANSWER_PAYLOAD, REFUND_PAYLOAD, NO_MORE_PAYLOAD)
SUBJECT_PAYLOADS = {"request": ANSWER_PAYLOAD, "refund": REFUND_PAYLOAD}
ANSWERS_LOOK_BACK = timedelta(days=7)
SCALES = {"csat": range(1, 6), "ces": range(1, 8), "nps": range(0, 11)}
LOW = {"csat": 3, "ces": 4, "nps": 6}
OPT_OUT = re.compile(
    r"^(не (спрашивай(те)?|присылай(те)?|просите) (меня )?(об )?оцен\w*|без оценок|"
    r"stop ratings?|no (more )?ratings?|don'?t ask (me )?(for )?ratings?)[.!]?$"
)
OPT_IN = re.compile(r"^(спрашивать оценку|можно спрашивать оценку|ask for ratings?|ratings? on)[.!]?$")
NUMBER = re.compile(r"^\s*(-?\d{1,3})\s*$")

Prompt = Callable[[dict[str, object]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RatingPolicy:
    remind_after: timedelta = timedelta(hours=2)
    call_after: timedelta = timedelta(hours=24)
    nps_period: timedelta = timedelta(days=90)
    typed_within: timedelta = timedelta(hours=24)
    comment_within: timedelta = timedelta(minutes=30)
    call_queues: frozenset[str] = frozenset({"lawyers"})


def _score_buttons(payload: str, subject_id: str, scale: str) -> tuple[Button, ...]:
    return tuple(
        Button(title=str(score), payload=f"{payload}{subject_id}:{score}") for score in SCALES[scale]
    )


class RatingCascade:
    def __init__(
        self,
        cabinet: CabinetServices,
        *,
        outlet: Outlet,
        texts: Texts,
        prompt: Prompt,
        policy: RatingPolicy,
        metrics: HandoffMetrics,
        clock: Callable[[], datetime],
    ) -> None:
        self.cabinet = cabinet
        self.outlet = outlet
        self.texts = texts
        self.prompt = prompt
        self.policy = policy
        self.metrics = metrics
        self.clock = clock

    # ---- asking -------------------------------------------------------------------------------

    async def after_conversation(self, closed: ConversationView, locale: str) -> bool:
        """Ask the client to rate a closed conversation, once; False when not asked (opted out, or asked)."""
        asked = await self.cabinet.rating_requests.ask(
            closed.client_id,
            subject="conversation",
            subject_id=str(closed.id),
            channel=closed.channel,
            reply_to=closed.reply_to.model_dump(mode="json"),
            queue=closed.queue,
            person=closed.assignee.login if closed.assignee else None,
            remind_after=self.policy.remind_after,
            call_wanted=closed.queue in self.policy.call_queues,
        )
        if asked is None:
            return False
        self.metrics.rating_requests.labels("asked", closed.channel).inc()
        await self._ask_csat(asked, locale, "rate", closed.bot)
        return True

    async def _ask_csat(self, asked: RatingRequestView, locale: str, key: str, bot: str) -> None:
        ref = ConversationRef.model_validate(asked.reply_to)
        text = self.texts.text(bot, locale, key)
        buttons = (
            *_score_buttons(RATE_PAYLOAD, asked.subject_id, "csat"),
            Button(title=self.texts.text(bot, locale, "no_more_button"), payload=NO_MORE_PAYLOAD),
        )
        await self.outlet.send(
            asked.client_id,
            Outbound(
                id=f"handoff:{asked.subject_id}:{key}",
                conversation=ref,
                reply=Reply(
                    text=text, buttons=buttons, choices_label=self.texts.text(bot, locale, "rate_label")
                ),
                template=TemplateRef(key="rating_request", params=()),
            ),
            author="system",
        )

    # ---- the timers ---------------------------------------------------------------------------

    async def tick(self) -> None:
        """Lawyers' answers join the cascade; due reminders go out and due calls reach the console, each
        claimed by one process alone."""
        await self._follow_answers()
        await self._follow_refunds()
        for due in await self.cabinet.rating_requests.claim_due(call_after=self.policy.call_after):
            if due.state == "reminded":
                profile = await self.cabinet.identity.profile(due.client_id)
                if profile is None or await self.cabinet.rating_requests.opted_out(due.client_id):
                    continue
                bot = str(due.reply_to.get("bot", ""))
                if due.subject in SUBJECT_PAYLOADS:
                    await self._remind_answer(due, profile.locale, bot)
                else:
                    await self._ask_csat(due, profile.locale, "rate_reminder", bot)
                self.metrics.rating_requests.labels("reminded", due.channel).inc()
            elif due.state == "call":
                log.info("an unrated consultation waits for a call (request %s)", due.id)
                self.metrics.rating_requests.labels("call", due.channel).inc()
                await self.prompt({"type": "call", "id": due.id, "queue": due.queue})

    async def _follow_answers(self) -> None:
        since = self.clock() - ANSWERS_LOOK_BACK
        for answer in await self.cabinet.rating_requests.unasked_answers(since):
            target = await self.cabinet.identity.reachable(answer.client_id)
            if target is None:
                continue
            await self.cabinet.rating_requests.ask(
                answer.client_id,
                subject="request",
                subject_id=answer.request_public_id,
                channel=target.conversation.channel.value,
                reply_to=target.conversation.model_dump(mode="json"),
                person=answer.lawyer[:64],
                remind_after=self.policy.remind_after,
                call_wanted=True,
                asked_at=answer.answered_at,
            )

    async def _follow_refunds(self) -> None:
        since = self.clock() - ANSWERS_LOOK_BACK
        for refund in await self.cabinet.rating_requests.unasked_refunds(since):
            target = await self.cabinet.identity.reachable(refund.client_id)
            if target is None:
                continue
            asked = await self.cabinet.rating_requests.ask(
                refund.client_id,
                subject="refund",
                subject_id=refund.refund_public_id,
                channel=target.conversation.channel.value,
                reply_to=target.conversation.model_dump(mode="json"),
                remind_after=self.policy.remind_after,
            )
            if asked is not None:
                self.metrics.rating_requests.labels("asked", asked.channel).inc()
                await self._ask_subject(
                    asked, target.locale, target.conversation.bot, "rate_refund", refund.number
                )

    async def _remind_answer(self, due: RatingRequestView, locale: str, bot: str) -> None:
        key = "rate_answer_reminder" if due.subject == "request" else "rate_refund_reminder"
        await self._ask_subject(due, locale, bot, key, None)

    async def _ask_subject(
        self, due: RatingRequestView, locale: str, bot: str, key: str, number: str | None
    ) -> None:
        buttons = (
            *_score_buttons(SUBJECT_PAYLOADS[due.subject], due.subject_id, "csat"),
            Button(title=self.texts.text(bot, locale, "no_more_button"), payload=NO_MORE_PAYLOAD),
        )
        await self.outlet.send(
            due.client_id,
            Outbound(
                id=f"handoff:{due.subject}:{due.subject_id}:{key}",
                conversation=ConversationRef.model_validate(due.reply_to),
                reply=Reply(
                    text=self.texts.text(bot, locale, key, number=number or ""),
                    buttons=buttons,
                    choices_label=self.texts.text(bot, locale, "rate_label"),
                ),
                template=TemplateRef(key="rating_request", params=()),
            ),
            author="system",
        )

    async def _subject_rated(
        self, profile: ClientProfile, event: Inbound, subject: str, public_id: str, score: int
    ) -> None:
        try:
            result = await self.cabinet.ratings.rate(
                profile.client_id,
                subject=subject,
                subject_id=public_id,
                scale="csat",
                score=score,
                channel=event.channel.value,
            )
        except NotOwned:
            log.warning("a rating for a %s that is not the client's was ignored", subject)
            return
        if not result.already:
            await self._announce(result, "csat", event.channel.value)
        key = "already_rated_answer" if result.already else ("rated_low" if result.task_id else "rated")
        await self._say(profile, event, f"{subject}:{public_id}:{key}", key)

    # ---- what the client does -----------------------------------------------------------------

    async def pressed(self, profile: ClientProfile, event: Inbound, payload: str) -> None:
        if payload == NO_MORE_PAYLOAD:
            await self._opt(profile, event, out=True)
            return
        for subject, prefix in SUBJECT_PAYLOADS.items():
            if payload.startswith(prefix):
                public_id, _, score = payload.removeprefix(prefix).rpartition(":")
                if public_id and score.isdigit() and int(score) in SCALES["csat"]:
                    await self._subject_rated(profile, event, subject, public_id, int(score))
                    return
        for prefix, scale in ((RATE_PAYLOAD, "csat"), (CES_PAYLOAD, "ces"), (NPS_PAYLOAD, "nps")):
            if payload.startswith(prefix):
                number, _, score = payload.removeprefix(prefix).partition(":")
                if number.isdigit() and score.isdigit() and int(score) in SCALES[scale]:
                    await self._answer(profile, event, number, scale, int(score))
                    return
        log.warning("malformed rating press ignored")

    async def glance(self, profile: ClientProfile) -> Glance:
        """What :meth:`typed` checks a client's text against, read before it is needed."""
        now = self.clock()
        since = now - self.policy.typed_within
        pending, rating = await asyncio.gather(
            self.cabinet.rating_requests.latest_of(profile.client_id, "conversation", since),
            self.cabinet.ratings.latest_of(profile.client_id),
        )
        return Glance(now=now, pending=pending, rating=rating)

    async def typed(self, profile: ClientProfile, event: Inbound, text: str, glance: Glance) -> bool:
        """Opt-out and opt-in words, a score typed for the question asked, or a comment after a score."""
        said = " ".join(text.lower().replace("ё", "е").split())
        if OPT_OUT.match(said):
            await self._opt(profile, event, out=True)
            return True
        if OPT_IN.match(said):
            await self._opt(profile, event, out=False)
            return True
        now, pending = glance.now, glance.pending
        number = NUMBER.match(said)
        if pending is not None and number is not None:
            scale = await self._question(pending.subject_id)
            if scale is None:
                return False
            score = int(number.group(1))
            if score in SCALES[scale]:
                await self._answer(profile, event, pending.subject_id, scale, score)
            else:
                await self._say(profile, event, f"again:{scale}", f"rate_again_{scale}")
            return True
        return await self._comment(profile, event, text, now, glance.rating)

    async def _question(self, subject_id: str) -> str | None:
        """The question of this conversation the client still owes: CSAT, then CES, then NPS if asked."""
        rated = {
            rating.scale
            for rating in await self.cabinet.ratings.list_ratings(
                subject="conversation", subject_id=subject_id
            )
        }
        if "csat" not in rated:
            return "csat"
        if "ces" not in rated:
            return "ces"
        if "nps" not in rated and await self.cabinet.rating_requests.find("nps", subject_id) is not None:
            return "nps"
        return None

    async def _answer(
        self, profile: ClientProfile, event: Inbound, number: str, scale: str, score: int
    ) -> None:
        try:
            result = await self.cabinet.ratings.rate(
                profile.client_id,
                subject="conversation",
                subject_id=number,
                scale=scale,
                score=score,
                channel=event.channel.value,
            )
        except NotOwned:
            log.warning("a rating for a conversation that is not the client's closed one was ignored")
            return
        if result.already:
            await self._say(profile, event, f"{number}:{scale}:already", "already_rated")
            return
        if scale == "csat":
            await self.cabinet.rating_requests.answered("conversation", number)
        await self._announce(result, scale, event.channel.value)
        if scale == "csat":
            await self._next(profile, event, number, "ces", CES_PAYLOAD, low=result.task_id is not None)
        elif scale == "ces" and await self._nps_due(profile, event, number):
            await self._next(profile, event, number, "nps", NPS_PAYLOAD, low=False)
        else:
            low = await self._any_low(number)
            await self._say(profile, event, f"{number}:thanks", "thanks_final_low" if low else "thanks_final")

    async def _announce(self, result: RatingResult, scale: str, channel: str) -> None:
        self.metrics.ratings.labels(scale, channel, str(result.score)).inc()
        await self.prompt({"type": "figures"})
        if result.task_id is not None:
            self.metrics.follow_ups.labels(scale).inc()
            await self.prompt({"type": "task", "id": result.task_id, "scale": scale, "score": result.score})

    async def _next(
        self, profile: ClientProfile, event: Inbound, number: str, scale: str, payload: str, *, low: bool
    ) -> None:
        bot, locale = event.bot, profile.locale
        thanks = self.texts.text(bot, locale, "rated_low" if low else "rated")
        text = (
            f"{thanks} {self.texts.text(bot, locale, scale)}"
            if scale == "ces"
            else self.texts.text(bot, locale, scale)
        )
        await self.outlet.send(
            profile.client_id,
            Outbound(
                id=f"handoff:{number}:{scale}",
                conversation=event.conversation,
                reply=Reply(
                    text=text,
                    buttons=_score_buttons(payload, number, scale),
                    choices_label=self.texts.text(bot, locale, f"{scale}_label"),
                ),
            ),
            author="system",
        )

    async def _nps_due(self, profile: ClientProfile, event: Inbound, number: str) -> bool:
        since = self.clock() - self.policy.nps_period
        if await self.cabinet.rating_requests.nps_asked_since(profile.client_id, since):
            return False
        asked = await self.cabinet.rating_requests.ask(
            profile.client_id,
            subject="nps",
            subject_id=number,
            channel=event.channel.value,
            reply_to=event.conversation.model_dump(mode="json"),
        )
        return asked is not None

    async def _any_low(self, number: str) -> bool:
        ratings = await self.cabinet.ratings.list_ratings(subject="conversation", subject_id=number)
        return any(rating.score <= LOW.get(rating.scale, -1) for rating in ratings)

    async def _comment(
        self, profile: ClientProfile, event: Inbound, text: str, now: datetime, rating: RatingView | None
    ) -> bool:
        """Free text right after the last score of a conversation, in the channel it was given in, is that
        score's comment; the same client writing in another messenger is starting something new."""
        if rating is None or rating.subject != "conversation" or rating.comment is not None:
            return False
        if rating.channel != event.channel.value:
            return False
        if now - rating.created_at > self.policy.comment_within or await self._question(rating.subject_id):
            return False
        await self.cabinet.ratings.add_rating_comment(profile.client_id, rating.public_id, text)
        await self._say(profile, event, f"{rating.subject_id}:comment", "comment_saved")
        await self.prompt({"type": "figures"})
        return True

    async def _opt(self, profile: ClientProfile, event: Inbound, *, out: bool) -> None:
        await self.cabinet.rating_requests.set_opt_out(profile.client_id, out)
        await self._say(
            profile, event, "opted_out" if out else "opted_in", "opted_out" if out else "opted_in"
        )

    async def _say(self, profile: ClientProfile, event: Inbound, what: str, key: str) -> None:
        outbound = Outbound(
            id=f"handoff:{what}:{event.event_id}"[:200],
            conversation=event.conversation,
            reply=Reply(text=self.texts.text(event.bot, profile.locale, key)),
        )
        await self.outlet.send(profile.client_id, outbound, author="system")

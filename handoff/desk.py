"""``HandoffDesk``: who answers a client, and everything people do with a conversation.

The inbox hands every client event to :meth:`HandoffDesk.receive` before a dialog turn and passes the
bot's requests for a person to :meth:`HandoffDesk.request_handoff`; the console calls the rest. The
state lives in the database (``cabinet_api``'s conversation service, every transition guarded), so any
number of processes share one desk; the console hears about changes through prompts on the pub/sub.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from statistics import mean

from adapters.types import (
    Attachment,
    AttachmentKind,
    Button,
    ButtonPress,
    ConversationRef,
    FileSource,
    Inbound,
    Outbound,
    Reply,
    TemplateRef,
    TextBody,
)
from cabinet_api import utc_now
from cabinet_api.services import (
    CabinetServices,
    ClientProfile,
    ConversationConflict,
    ConversationEventView,
    ConversationView,
    PersonView,
    StoredFile,
    UnknownClient,
)
from handoff.access import may_act, may_see, require, sees_all
from handoff.cascade import PAYLOADS, RATE_PAYLOAD, RatingCascade, RatingPolicy
from handoff.figure_data import period_of
from handoff.figures import report
from handoff.hours import BusinessHours
from handoff.metrics import HandoffMetrics
from handoff.owner import BOT, Owner, PersonOwner
from handoff.ports import Outlet, Prompts
from handoff.queues import Queues
from handoff.request import HandoffRequest
from handoff.routing import candidates, position_changed_much, priority_of
from handoff.texts import Texts

log = logging.getLogger(__name__)

TOPIC = "console"
__all__ = ["RATE_PAYLOAD", "DeskPolicy", "HandoffDesk", "Position"]
REPLY_MAX = 4000
TEMPLATE_PARAM_MAX = 900
PERSON_OUTBOUND = "person:"
TOUCH_EVERY = timedelta(seconds=20)
OWN_INTRO = frozenset({"not_understood", "emergency", "repeat_contact", "always_human"})


@dataclass(frozen=True, slots=True)
class DeskPolicy:
    queues: Queues = field(default_factory=Queues)
    hours: BusinessHours = field(default_factory=BusinessHours)
    repeat_contact_hours: float = 24.0
    presence_timeout_seconds: float = 90.0
    notice_interval_seconds: float = 60.0
    tick_seconds: float = 5.0
    figures_every_seconds: float = 60.0
    service_level_seconds: float = 60.0
    ratings: RatingPolicy = field(default_factory=RatingPolicy)


@dataclass(frozen=True, slots=True)
class Position:
    place: int
    wait_seconds: float | None


def template_param(text: str) -> str:
    """A template parameter may not hold newlines or tabs (WhatsApp refuses them) and is kept short."""
    flat = " ".join(text.split())
    return flat if len(flat) <= TEMPLATE_PARAM_MAX else flat[: TEMPLATE_PARAM_MAX - 1] + "…"


def _attachment(stored: StoredFile) -> Attachment:
    kind = AttachmentKind.DOCUMENT
    if stored.mime.startswith("image/"):
        kind = AttachmentKind.IMAGE
    elif stored.mime.startswith("audio/"):
        kind = AttachmentKind.AUDIO
    return Attachment(
        kind=kind, source=FileSource(storage_key=stored.key), file_name=stored.name, mime_type=stored.mime
    )


class HandoffDesk:
    def __init__(
        self,
        cabinet: CabinetServices,
        *,
        outlet: Outlet,
        prompts: Prompts,
        texts: Texts | None = None,
        policy: DeskPolicy | None = None,
        metrics: HandoffMetrics | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.cabinet = cabinet
        self.conversations = cabinet.conversations
        self.people = cabinet.people
        self.outlet = outlet
        self.prompts = prompts
        self.texts = texts or Texts()
        self.policy = policy or DeskPolicy()
        self.metrics = metrics or HandoffMetrics()
        self._clock = clock
        self._touched: dict[int, datetime] = {}
        self._figures_at: datetime | None = None
        self.cascade = RatingCascade(
            cabinet,
            outlet=outlet,
            texts=self.texts,
            prompt=self._prompt,
            policy=self.policy.ratings,
            metrics=self.metrics,
            clock=clock,
        )

    def clock(self) -> datetime:
        return self._clock()

    # ---- the inbox's seam ---------------------------------------------------------------------

    async def owner(self, client_id: int, conversation: ConversationRef) -> Owner:
        """The bot, or the people of a queue (and the person holding it) while a conversation is open."""
        found = await self.conversations.open_of(client_id)
        if found is None:
            return BOT
        return PersonOwner(queue=found.queue, person=found.assignee.login if found.assignee else None)

    async def receive(self, profile: ClientProfile, event: Inbound, *, free_text: bool) -> bool:
        """Take the client's event before the bot does; True when people answer it (the bot stays silent).

        With a conversation open the message goes to its person (live), from whatever channel it came.
        ``free_text`` (typed by the client, not a command, button or answer the bot asked for) opens a
        conversation at once for an always-human client, or one who spoke to a person in the last
        ``repeat_contact_hours``. The rating cascade's buttons and words are answered here.
        """
        body = event.body
        if isinstance(body, ButtonPress) and body.payload.startswith(PAYLOADS):
            await self.cascade.pressed(profile, event, body.payload)
            return True
        if not free_text:
            found = await self.conversations.open_of(profile.client_id)
        else:
            # What a free text is checked against, read at once: the reads share one group commit
            # instead of waiting for four in turn (nearly every answer is "none").
            found, glance, last = await asyncio.gather(
                self.conversations.open_of(profile.client_id),
                self.cascade.glance(profile),
                self.conversations.last_closed(profile.client_id),
            )
        if found is not None:
            updated = await self.conversations.client_wrote(found.id, event.conversation)
            await self._prompt_message(updated)
            await self._prompt_conversation(updated)
            return True
        if not free_text:
            return False
        if isinstance(body, TextBody) and await self.cascade.typed(profile, event, body.text, glance):
            return True
        if profile.always_human:
            await self._open(
                profile.client_id, event.conversation, self.policy.queues.default, "always_human"
            )
            return True
        window = timedelta(hours=self.policy.repeat_contact_hours)
        if last is not None and last.closed_at is not None and self._clock() - last.closed_at < window:
            await self._open(profile.client_id, event.conversation, last.queue, "repeat_contact")
            return True
        return False

    async def request_handoff(self, request: HandoffRequest) -> ConversationView:
        """The bot hands the client to people (a trigger, a flow step, N failures, an emergency)."""
        if await self.cabinet.identity.profile(request.client_id) is None:
            raise UnknownClient(request.client_id)
        return await self._open(
            request.client_id, request.conversation, request.queue, request.reason, note=request.note
        )

    # ---- what people do -----------------------------------------------------------------------

    async def visible(self, person: PersonView, conversation_id: int) -> ConversationView:
        """The conversation if the person may see it (Forbidden otherwise; NotFound for none)."""
        conversation = await self.conversations.conversation(conversation_id)
        require(may_see(person, conversation), "outside your role or queues")
        return conversation

    async def take(self, person: PersonView, conversation_id: int) -> ConversationView:
        before = await self.visible(person, conversation_id)
        taken = await self.conversations.take(conversation_id, person.id, actor=person.login)
        if before.state == "queued":
            await self._joined(taken)
            await self._refresh_positions(before.queue)
        return taken

    async def reply(
        self, person: PersonView, conversation_id: int, text: str, *, file: StoredFile | None = None
    ) -> int | None:
        """Send the person's reply through the outbox; the id of its history entry."""
        conversation = await self.visible(person, conversation_id)
        self._require_holder(person, conversation)
        text = text.strip()
        if len(text) > REPLY_MAX:
            raise ValueError(f"text must have at most {REPLY_MAX} characters")
        if not text and file is None:
            raise ValueError("write a text or attach a file")
        outbound = Outbound(
            id=f"{PERSON_OUTBOUND}{conversation.id}:{uuid.uuid4().hex}",
            conversation=conversation.reply_to,
            reply=Reply(text=text, attachment=_attachment(file) if file is not None else None),
            template=TemplateRef(
                key="operator_reply", params=(template_param(text or (file.name if file else "")),)
            ),
        )
        await self.outlet.send(conversation.client_id, outbound, author="person", person_id=person.id)
        updated = await self.conversations.person_replied(conversation.id)
        if conversation.first_response_at is None and updated.first_response_at is not None:
            waited = (updated.first_response_at - conversation.queued_at).total_seconds()
            self.metrics.first_reply(conversation.channel, person.login, max(0.0, waited))
        message_id = await self.conversations.message_id(
            conversation.reply_to.channel.value, conversation.reply_to.bot, outbound.id
        )
        await self._prompt_message(updated, message_id)
        await self._prompt_conversation(updated)
        await self.route_waiting()
        return message_id

    async def note(self, person: PersonView, conversation_id: int, text: str) -> ConversationEventView:
        conversation = await self.visible(person, conversation_id)
        text = text.strip()
        if not text or len(text) > REPLY_MAX:
            raise ValueError(f"text must have 1 to {REPLY_MAX} characters")
        event = await self.conversations.add_event(
            conversation.id, kind="note", actor=person.login, text=text
        )
        await self._prompt_message(conversation)
        return event

    async def mark_read(self, person: PersonView, conversation_id: int) -> ConversationView:
        conversation = await self.visible(person, conversation_id)
        if conversation.assignee is None or conversation.assignee.id != person.id:
            return conversation
        updated = await self.conversations.mark_read(conversation_id)
        await self._prompt_conversation(updated)
        return updated

    async def transfer(
        self,
        person: PersonView,
        conversation_id: int,
        *,
        queue: str | None = None,
        to: str | None = None,
        note: str | None = None,
    ) -> ConversationView:
        """To a queue (it waits there, keeping its place) or to a named person (theirs at once)."""
        conversation = await self.visible(person, conversation_id)
        require(may_act(person, conversation), "only the assignee, a supervisor or an admin transfers")
        if (queue is None) == (to is None):
            raise ValueError("give exactly one of queue or person")
        locale = await self._locale(conversation.client_id)
        if queue is not None:
            if not self.policy.queues.known(queue):
                raise ValueError(f"unknown queue {queue}")
            moved = await self.conversations.requeue(
                conversation_id, actor=person.login, queue=queue, note=note, kind="transferred"
            )
            if moved is None:
                raise ConversationConflict("stale", "the conversation changed meanwhile; try again")
            await self._tell(moved, "transferred", self.texts.text(moved.bot, locale, "transferred"))
            await self._prompt_conversation(moved, new=True)
            if await self._route_one(moved) is None:
                await self._tell_position(moved, first=False, force=True)
            return await self.conversations.conversation(conversation_id)
        target = await self.people.person(to or "")
        if not target.active:
            raise ValueError(f"{target.login} is not active")
        moved = await self.conversations.reassign(conversation_id, target.id, actor=person.login, note=note)
        await self._tell(moved, "transferred", self.texts.text(moved.bot, locale, "transferred"))
        await self._joined(moved)
        return moved

    async def close(self, person: PersonView, conversation_id: int, reason: str) -> ConversationView:
        conversation = await self.visible(person, conversation_id)
        queued_and_visible = conversation.state == "queued"
        require(may_act(person, conversation) or queued_and_visible, "only the assignee may close it")
        closed = await self.conversations.close(conversation_id, actor=person.login, reason=reason)
        if conversation.assigned_at is not None and closed.closed_at is not None and conversation.assignee:
            handled = (closed.closed_at - conversation.assigned_at).total_seconds()
            self.metrics.closed(conversation.channel, conversation.assignee.login, max(0.0, handled))
        locale = await self._locale(closed.client_id)
        await self._tell(closed, "closed", self.texts.text(closed.bot, locale, "closed"))
        await self.cascade.after_conversation(closed, locale)
        await self._prompt_conversation(closed)
        await self._prompt({"type": "figures"})
        await self.route_waiting()
        return closed

    async def set_status(self, person: PersonView, status: str) -> PersonView:
        updated, before = await self.people.set_status(person.id, status)
        if status == "offline" and before != "offline":
            await self._requeue_all_of(updated)
        if status == "online":
            await self.route_waiting()
        await self._prompt({"type": "person", "login": updated.login})
        return updated

    async def touch(self, person: PersonView) -> None:
        """The person is present (a request, an open console); written at most every 20 seconds."""
        now = self._clock()
        last = self._touched.get(person.id)
        if last is not None and now - last < TOUCH_EVERY:
            return
        self._touched[person.id] = now
        await self.people.touch(person.id)

    async def delivery_finished(self, outbound: Outbound, status: str) -> None:
        """The outbox's word on a person's reply: the console shows a refused one as failed."""
        if not outbound.id.startswith(PERSON_OUTBOUND):
            return
        number = outbound.id.removeprefix(PERSON_OUTBOUND).split(":", 1)[0]
        if not number.isdigit():
            return
        conversation = await self.conversations.conversation(int(number))
        ref = outbound.conversation
        message_id = await self.conversations.message_id(ref.channel.value, ref.bot, outbound.id)
        await self._prompt_message(conversation, message_id, status=status)

    # ---- routing, presence and queue notices --------------------------------------------------

    async def tick(self) -> None:
        """What time alone changes: absent people go offline, waiting clients get people and news."""
        timeout = timedelta(seconds=self.policy.presence_timeout_seconds)
        for person in await self.people.absent_since(self._clock() - timeout):
            log.info("%s shows no presence for %ss: offline", person.login, int(timeout.total_seconds()))
            await self.set_status(person, "offline")
        await self.route_waiting()
        waiting = await self.conversations.find(states=("queued",))
        for conversation in waiting:
            await self._tell_position(conversation, first=False)
        now = self._clock()
        per_queue: dict[str, tuple[int, float]] = {name: (0, 0.0) for name in self.policy.queues.names}
        for conversation in waiting:
            count, longest = per_queue.get(conversation.queue, (0, 0.0))
            per_queue[conversation.queue] = (
                count + 1,
                max(longest, (now - conversation.queued_at).total_seconds()),
            )
        self.metrics.queues((queue, count, longest) for queue, (count, longest) in per_queue.items())
        await self.cascade.tick()
        await self._refresh_figures(now)

    async def _refresh_figures(self, now: datetime) -> None:
        """Today's figures on ``/metrics``, at most every ``figures_every_seconds``."""
        every = timedelta(seconds=self.policy.figures_every_seconds)
        if self._figures_at is not None and now - self._figures_at < every:
            return
        self._figures_at = now
        zone = self.policy.hours.timezone
        midnight = datetime.combine(now.astimezone(zone).date(), time(), zone)
        period = await period_of(self.cabinet, midnight, now + timedelta(seconds=1), now)
        self.metrics.figures(report(period, target_seconds=self.policy.service_level_seconds, zone=zone))

    async def run(self, stop: asyncio.Event) -> None:
        """Tick until ``stop`` is set; a failing tick is logged and the next one comes anyway."""
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:
                log.exception("handoff tick failed")
            try:
                await asyncio.wait_for(stop.wait(), self.policy.tick_seconds)
            except TimeoutError:
                continue

    async def route_waiting(self) -> None:
        """Push waiting conversations, most urgent first, to online people with room."""
        for conversation in await self.conversations.find(states=("queued",)):
            await self._route_one(conversation)

    async def position(self, conversation: ConversationView) -> Position | None:
        if conversation.state != "queued":
            return None
        ahead = await self.conversations.find(states=("queued",), queues=(conversation.queue,))
        ids = [item.id for item in ahead]
        place = ids.index(conversation.id) + 1 if conversation.id in ids else len(ids) + 1
        since = self._clock() - timedelta(hours=24)
        waits = await self.conversations.recent_waits(conversation.queue, since)
        return Position(place, mean(waits) * place if waits else None)

    # ---- inside ---------------------------------------------------------------------------------

    async def _open(
        self, client_id: int, reply_to: ConversationRef, queue: str, reason: str, *, note: str | None = None
    ) -> ConversationView:
        conversation, created = await self.conversations.open_conversation(
            client_id,
            queue=self.policy.queues.resolve(queue),
            priority=priority_of(reason),
            reason=reason,
            reply_to=reply_to,
            note=note,
        )
        if not created:
            return conversation
        await self._prompt_conversation(conversation, new=True)
        now = self._clock()
        if reason != "emergency" and not self.policy.hours.is_open(now):
            await self._after_hours(conversation, now)
            return conversation
        assigned = await self._route_one(conversation)
        if assigned is not None:
            return assigned
        await self._tell_position(conversation, first=True)
        return conversation

    async def _after_hours(self, conversation: ConversationView, now: datetime) -> None:
        """Say honestly when people answer, and file a request so nothing waits unseen."""
        locale = await self._locale(conversation.client_id)
        filed = await self.cabinet.requests.create_request(
            conversation.client_id,
            topic=self.texts.text(conversation.bot, "ru", "intro_asked"),
            description=conversation.note or self.policy.queues.title(conversation.queue),
            answer_format="written",
            channel=conversation.channel,
            source_event=f"handoff:{conversation.id}",
        )
        await self.conversations.add_event(
            conversation.id, kind="after_hours", actor="system", text=f"№{filed.number}"
        )
        hours = self.policy.hours
        when = self.texts.when(conversation.bot, locale, hours.next_opening(now), now, hours.timezone)
        text = self.texts.text(conversation.bot, locale, "after_hours", when=when, number=filed.number)
        await self._tell(conversation, "after_hours", text)

    async def _route_one(self, conversation: ConversationView) -> ConversationView | None:
        if conversation.state != "queued":
            return None
        people = await self.people.people()
        loads = await self.conversations.loads()
        for person in candidates(conversation, people, loads):
            assigned = await self.conversations.assign_if_room(
                conversation.id, person.id, expected_version=conversation.version
            )
            if assigned is not None:
                await self._joined(assigned)
                await self._refresh_positions(conversation.queue)
                return assigned
            conversation = await self.conversations.conversation(conversation.id)
            if conversation.state != "queued":
                return None
        return None

    async def _refresh_positions(self, queue: str) -> None:
        for conversation in await self.conversations.find(states=("queued",), queues=(queue,)):
            await self._tell_position(conversation, first=False)

    async def _tell_position(
        self, conversation: ConversationView, *, first: bool, force: bool = False
    ) -> None:
        now = self._clock()
        if not first and not self.policy.hours.is_open(now):
            return  # the after-hours notice said when people answer; a place in the queue would not
        position = await self.position(conversation)
        if position is None:
            return
        if not first and not force:
            told_at = conversation.position_told_at
            recently = (
                told_at is not None and (now - told_at).total_seconds() < self.policy.notice_interval_seconds
            )
            if recently or not position_changed_much(conversation.position_told, position.place):
                return
        claimed = await self.conversations.claim_position_notice(
            conversation.id, position=position.place, previous_at=conversation.position_told_at
        )
        if not claimed:
            return
        bot, locale = conversation.bot, await self._locale(conversation.client_id)
        key = "position" if first or conversation.position_told is None else "position_update"
        if position.wait_seconds is None:
            text = self.texts.text(bot, locale, f"{key}_no_estimate", position=position.place)
        else:
            wait = self.texts.wait(bot, locale, position.wait_seconds)
            text = self.texts.text(bot, locale, key, position=position.place, wait=wait)
        if first:
            reason = conversation.reason if conversation.reason in OWN_INTRO else "asked"
            intro = self.texts.text(bot, locale, f"intro_{reason}")
            text = f"{intro} {text}"
        await self._tell(conversation, f"position:{int(now.timestamp() * 1000)}", text)

    async def _joined(self, conversation: ConversationView) -> None:
        if conversation.assignee is None:
            return
        locale = await self._locale(conversation.client_id)
        text = self.texts.text(conversation.bot, locale, "joined", name=conversation.assignee.name)
        await self._tell(conversation, f"joined:{conversation.version}", text)
        await self._prompt_conversation(conversation)

    async def _requeue_all_of(self, person: PersonView) -> None:
        for conversation in await self.conversations.find(states=("assigned",), assignee_id=person.id):
            requeued = await self.conversations.requeue(
                conversation.id, actor="system", expected_version=conversation.version
            )
            if requeued is None:
                continue
            await self._prompt_conversation(requeued, new=True)
            if await self._route_one(requeued) is None:
                await self._tell_position(requeued, first=False, force=True)

    async def _tell(
        self,
        conversation: ConversationView,
        what: str,
        text: str,
        *,
        buttons: Sequence[Button] = (),
        label: str | None = None,
    ) -> None:
        """``label`` opens the choices where a channel shows them as a list (WhatsApp, over 3 buttons)."""
        outbound = Outbound(
            id=f"handoff:{conversation.id}:{what}",
            conversation=conversation.reply_to,
            reply=Reply(text=text, buttons=tuple(buttons), choices_label=label),
        )
        await self.outlet.send(conversation.client_id, outbound, author="system")

    async def _locale(self, client_id: int) -> str:
        profile = await self.cabinet.identity.profile(client_id)
        return profile.locale if profile is not None else "ru"

    @staticmethod
    def _require_holder(person: PersonView, conversation: ConversationView) -> None:
        if conversation.state == "closed":
            raise ConversationConflict("closed", "the conversation is closed")
        if conversation.assignee is None or conversation.assignee.id != person.id:
            if conversation.assignee is not None and not sees_all(person):
                raise ConversationConflict("not_yours", "another person holds the conversation")
            raise ConversationConflict("not_yours", "take the conversation first")

    async def _prompt_conversation(self, conversation: ConversationView, *, new: bool = False) -> None:
        await self._prompt(
            {
                "type": "conversation",
                "id": conversation.id,
                "queue": conversation.queue,
                "state": conversation.state,
                "assignee": conversation.assignee.login if conversation.assignee else None,
                "new": new,
            }
        )

    async def _prompt_message(
        self, conversation: ConversationView, message_id: int | None = None, *, status: str | None = None
    ) -> None:
        prompt: dict[str, object] = {
            "type": "message",
            "conversation_id": conversation.id,
            "queue": conversation.queue,
            "assignee": conversation.assignee.login if conversation.assignee else None,
            "message_id": message_id,
        }
        if status is not None:
            prompt["status"] = status
        await self._prompt(prompt)

    async def announce(self, prompt: dict[str, object]) -> None:
        """Tell every console tab that may see it (supervisors see tasks and calls)."""
        await self._prompt(prompt)

    async def _prompt(self, prompt: dict[str, object]) -> None:
        try:
            await self.prompts.publish(TOPIC, json.dumps(prompt).encode())
        except Exception as error:
            log.warning("console prompt not published: %s", type(error).__name__)

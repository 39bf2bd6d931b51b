"""The dialog interpreter: one inbound event in, replies and a new session state out.

A turn never sends and never touches a database; data comes only through actions. Given
the same inputs (and the same action results) it returns the same result, so replaying an
event after a crash produces the same replies.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from adapters.action_protocol import MAX_RECORDS, PageRequest, RecordsPage
from adapters.types import (
    Attachment,
    AttachmentKind,
    Button,
    ButtonPress,
    ContactShared,
    FileBody,
    FileSource,
    Inbound,
    LocationBody,
    Reply,
    StartBody,
    TextBody,
    UnsubscribedBody,
    UnsupportedBody,
)
from dialogs import model
from dialogs.action_effects import apply_outcome, check_outcome
from dialogs.actions import ActionError, ActionRunner
from dialogs.answers import Accepted, interpret
from dialogs.compiler import normalize_phrase
from dialogs.keywords import contains, sentence_of
from dialogs.listing import page_offers
from dialogs.outcome import ActionOutcome
from dialogs.paging import ShownPage, page_of
from dialogs.payloads import DYNAMIC_PREFIX, choice_payload, page_of_button
from dialogs.session import Frame, SessionState, Waiting
from dialogs.tracker import build_domain, build_tracker
from dialogs.turn import ClientView, HandoffRequest, TurnResult
from dialogs.turn_state import Offer, TurnState

logger = logging.getLogger(__name__)

MAX_STEPS_PER_TURN = 200
START_PAYLOAD = "/start"
CLIENT_MESSAGES = (TextBody, FileBody, ContactShared, LocationBody, UnsupportedBody)
"""What a client writes or sends, as opposed to presses of our buttons and what a platform reports."""


class DialogEngine:
    def __init__(self, bot: model.CompiledBot, actions: ActionRunner) -> None:
        self.bot = bot
        self.actions = actions
        # A greeting or «меню» inside a request is politeness, not a wish to start over.
        self._sentence_triggers = tuple(
            trigger for trigger in bot.triggers if trigger.words and trigger.target.goto != bot.start_flow
        )

    def welcome(self, client: ClientView) -> Reply:
        """The one message a platform lets a bot send before the client has written (Viber).

        Its button carries :data:`START_PAYLOAD`, which starts the bot like ``/start``.
        """
        catalog = self.bot.catalog(self.bot.resolve_locale(client.locale))
        texts = self.bot.system_texts
        return Reply(
            text=catalog.lookup(texts.welcome) or "",
            buttons=(Button(title=catalog.lookup(texts.start_button) or "/start", payload=START_PAYLOAD),),
        )

    async def turn(self, event: Inbound, session: SessionState | None, client: ClientView) -> TurnResult:
        if isinstance(event.body, ButtonPress) and event.body.payload == START_PAYLOAD:
            event = event.model_copy(update={"body": StartBody()})
        state = session.model_copy(deep=True) if session is not None else SessionState()
        locale = self.bot.resolve_locale(client.locale, state.locale)
        state.locale = locale
        turn = TurnState(
            event,
            client,
            state,
            locale,
            self.bot.catalog(locale),
            self.bot.system_texts,
            first_contact=session is None,
        )
        await self._dispatch(turn)
        state.last_event_id = event.message_key
        state.turns += 1
        state.misunderstood = state.misunderstood + 1 if turn.not_understood else 0
        return TurnResult(
            replies=tuple(turn.replies),
            session=state,
            slot_changes=dict(turn.slot_changes),
            events=tuple(turn.events),
            handoff=turn.handoff,
            ended=turn.ended,
            not_understood=state.misunderstood,
        )

    # ---- routing an inbound event -------------------------------------------------------------

    async def _dispatch(self, turn: TurnState) -> None:
        body = turn.event.body
        state = turn.state
        if isinstance(body, UnsubscribedBody):
            state.stack.clear()
            state.waiting = None
            turn.report("unsubscribed")
            return
        trigger = self._trigger_for(body)
        if trigger is not None:
            self._back_to_the_bot(state)
            await self._go(turn, trigger.target)
            return
        ask = self._waiting_ask(state)
        if ask is not None:
            await self._answer(turn, ask, body)
            return
        if state.waiting is not None:
            # The ask the client is answering is gone or changed (the bot's YAML was edited, or a
            # new version deployed): start over at the menu rather than read the answer wrongly.
            turn.report("dialog_updated", flow=state.waiting.flow)
            turn.say(turn.texts.dialog_updated)
            self._back_to_the_bot(state)
            await self._go(turn, model.Target(goto=self.bot.start_flow))
            return
        if turn.first_contact and await self._follow_words(turn, body):
            return  # the first message already says where to go («хочу поговорить с юристом»)
        if isinstance(body, StartBody) or (turn.first_contact and isinstance(body, CLIENT_MESSAGES)):
            self._back_to_the_bot(state)
            await self._go(turn, model.Target(goto=self.bot.start_flow))
            return
        if state.handed_off is not None and isinstance(body, CLIENT_MESSAGES):
            turn.say(turn.texts.handed_off)
            turn.report("message_for_person", queue=state.handed_off)
            return
        if await self._follow_words(turn, body):
            return
        turn.not_understood = not isinstance(body, ButtonPress)
        key = turn.texts.button_inactive if isinstance(body, ButtonPress) else turn.texts.not_understood
        turn.say(key)
        self._back_to_the_bot(state)
        await self._go(turn, self.bot.fallback)

    @staticmethod
    def _back_to_the_bot(state: SessionState) -> None:
        state.stack.clear()
        state.waiting = None
        state.handed_off = None

    def _trigger_for(self, body: Any) -> model.Trigger | None:
        if isinstance(body, TextBody):
            phrase = normalize_phrase(body.text)
            if not phrase:
                return None
            return next((trigger for trigger in self.bot.triggers if phrase in trigger.phrases), None)
        if isinstance(body, StartBody):
            return next((trigger for trigger in self.bot.triggers if trigger.matches_start), None)
        return None

    async def _follow_words(self, turn: TurnState, body: Any) -> bool:
        """A message not understood otherwise goes where its words point (``dialogs.keywords``)."""
        if not isinstance(body, TextBody) or not self._sentence_triggers:
            return False
        words = sentence_of(body.text)
        if not words:
            return False
        targets = {
            trigger.target
            for trigger in self._sentence_triggers
            if any(contains(words, phrase) for phrase in trigger.words)
        }
        if len(targets) != 1:
            return False
        self._back_to_the_bot(turn.state)
        await self._go(turn, targets.pop())
        return True

    def _waiting_ask(self, state: SessionState) -> model.Ask | None:
        waiting = state.waiting
        if (
            waiting is None
            or not state.stack
            or state.stack[-1] != Frame(flow=waiting.flow, step=waiting.step)
        ):
            return None
        flow = self.bot.flows.get(waiting.flow)
        if flow is None or waiting.step >= len(flow.steps):
            return None
        step = flow.steps[waiting.step]
        if not isinstance(step, model.Ask) or (waiting.shape and waiting.shape != step.shape):
            return None
        return step

    # ---- answering an ask ---------------------------------------------------------------------

    async def _answer(self, turn: TurnState, ask: model.Ask, body: Any) -> None:
        waiting = turn.state.waiting
        assert waiting is not None
        if isinstance(body, ButtonPress):
            button_id = waiting.buttons.get(body.payload)
            if button_id is None:
                turn.say(turn.texts.button_inactive)
                await self._present(turn, ask, waiting.flow, waiting.step, waiting)
                return
            await self._choose(turn, ask, waiting, button_id)
            return
        if isinstance(body, StartBody):
            await self._present(turn, ask, waiting.flow, waiting.step, waiting)
            return
        if isinstance(body, TextBody) and (button_id := _typed_choice(waiting, body.text)) is not None:
            await self._choose(turn, ask, waiting, button_id)
            return
        outcome = interpret(ask, body, turn.texts, turn.event.channel, self._client_now(turn))
        if isinstance(outcome, Accepted):
            if ask.save_as:
                turn.set_slot(ask.save_as, outcome.value)
            await self._continue_after(turn, waiting)
            return
        if await self._follow_words(turn, body):
            return
        waiting.attempts += 1
        turn.not_understood = True
        if ask.max_attempts is not None and waiting.attempts >= ask.max_attempts and ask.on_fail is not None:
            turn.report("ask_failed", flow=waiting.flow, attempts=waiting.attempts)
            turn.state.waiting = None
            await self._go(turn, ask.on_fail, replace_top=True)
            return
        turn.say(
            outcome.text_key,
            outcome.params,
            numbered_key=outcome.numbered_key,
            typed_contact_key=outcome.typed_contact_key,
        )
        await self._present(turn, ask, waiting.flow, waiting.step, waiting)

    async def _choose(self, turn: TurnState, ask: model.Ask, waiting: Waiting, button_id: str) -> None:
        page = page_of_button(button_id)
        if page is not None:
            await self._present(turn, ask, waiting.flow, waiting.step, waiting, page=page)
            return
        if button_id.startswith(DYNAMIC_PREFIX):
            if ask.save_as:
                turn.set_slot(ask.save_as, button_id.removeprefix(DYNAMIC_PREFIX))
            await self._continue_after(turn, waiting)
            return
        choice = ask.choices[int(button_id)]
        if ask.save_as:
            turn.set_slot(ask.save_as, choice.value)
        turn.state.waiting = None
        if choice.handoff is not None:
            self._hand_off(turn, choice.handoff)
        elif choice.goto is not None:
            await self._go(turn, model.Target(goto=choice.goto), replace_top=True)
        else:
            await self._continue_after(turn, waiting)

    async def _continue_after(self, turn: TurnState, waiting: Waiting) -> None:
        turn.state.waiting = None
        turn.state.stack[-1] = Frame(flow=waiting.flow, step=waiting.step + 1)
        await self._run(turn)

    def _client_now(self, turn: TurnState) -> datetime:
        """When the client wrote, in their time zone (the bot's when theirs is not known)."""
        zone = _zone(turn.client.extra.get("time_zone")) or _zone(self.bot.time_zone) or UTC
        received = turn.event.received_at
        return (received if received.tzinfo is not None else received.replace(tzinfo=UTC)).astimezone(zone)

    # ---- running flows ------------------------------------------------------------------------

    async def _go(self, turn: TurnState, target: model.Target, *, replace_top: bool = False) -> None:
        if target.handoff is not None:
            self._hand_off(turn, target.handoff)
            return
        assert target.goto is not None
        if replace_top and turn.state.stack:
            turn.state.stack[-1] = Frame(flow=target.goto)
        else:
            turn.state.stack.append(Frame(flow=target.goto))
        await self._run(turn)

    async def _leave(self, turn: TurnState, on_error: model.Target | None) -> None:
        """The flow cannot go on (an action failed or refused): ``on_error``, or the dialog stops."""
        turn.state.stack.clear()
        turn.state.waiting = None
        if on_error is not None:
            await self._go(turn, on_error)

    async def _run(self, turn: TurnState) -> None:
        stack = turn.state.stack
        for _ in range(MAX_STEPS_PER_TURN):
            if not stack:
                return
            frame = stack[-1]
            flow = self.bot.flows.get(frame.flow)
            if flow is None or frame.step >= len(flow.steps):
                stack.pop()
                continue
            step = flow.steps[frame.step]
            match step:
                case model.Ask():
                    await self._present(turn, step, frame.flow, frame.step, None)
                    return
                case model.HandOff(handoff=handoff):
                    self._hand_off(turn, handoff)
                    return
                case model.End():
                    stack.clear()
                    turn.ended = True
                    return
                case model.RunAction(name=name, on_error=on_error):
                    frame.step += 1
                    outcome = await self._call(turn, name)
                    if outcome is None or outcome.rejected:
                        await self._leave(turn, on_error)
                        return
                    if outcome.followup is not None:
                        stack[-1] = Frame(flow=outcome.followup)
                case _:
                    self._simple_step(turn, frame, step)
        turn.report("loop_detected", flow=stack[-1].flow if stack else None)
        logger.warning(
            "dialog of bot %s ran %d steps without waiting; stopped", self.bot.name, MAX_STEPS_PER_TURN
        )
        stack.clear()
        turn.state.waiting = None

    def _simple_step(self, turn: TurnState, frame: Frame, step: model.Step) -> None:
        match step:
            case model.Say(text=text, attachment=attachment):
                rendered = text.render(turn.context()) if text is not None else ""
                turn.replies.append(Reply(text=rendered, attachment=_attachment(attachment)))
                frame.step += 1
            case model.Branch(condition=condition, else_step=else_step):
                frame.step = frame.step + 1 if condition.evaluate(turn.context()) else else_step
            case model.Jump(step=target):
                frame.step = target
            case model.Goto(flow=flow):
                turn.state.stack[-1] = Frame(flow=flow)
            case model.Call(flow=flow):
                frame.step += 1
                turn.state.stack.append(Frame(flow=flow))
            case model.SetSlots(values=values):
                context = turn.context()
                for name, value in values:
                    turn.set_slot(name, value.render(context) if isinstance(value, model.Template) else value)
                frame.step += 1
            case _:
                raise AssertionError(f"unhandled step {step!r}")

    # ---- asking -------------------------------------------------------------------------------

    async def _present(
        self,
        turn: TurnState,
        ask: model.Ask,
        flow: str,
        step: int,
        previous: Waiting | None,
        *,
        page: int | None = None,
    ) -> None:
        """Ask, or ask again keeping the attempt count, the page and the buttons actions offered.

        ``offers`` are the buttons of this message; ``earlier`` those an action's message showed
        just before, which answer this ask too.
        """
        earlier = list(turn.offered) if previous is None else []
        offers: list[Offer] = []
        extra: dict[str, Any] = {}
        shown: ShownPage | None = None
        if ask.listing is not None:
            wanted = page if page is not None else (previous.page if previous is not None else None)
            shown = await self._list_page(turn, ask.listing, wanted or 0)
            if shown is None:
                await self._leave(turn, ask.listing.on_error)
                return
            extra["page"] = shown.template_data()
            offers.extend(page_offers(turn, ask.listing, shown, (flow, step), turn.context(**extra)))
        elif previous is not None:
            offers.extend(_offered_before(previous))
        context = turn.context(**extra)
        for index, choice in enumerate(ask.choices):
            offers.append(Offer(choice_payload(flow, step, index), str(index), choice.title.render(context)))
        text = ask.text.render(context)
        if shown is not None and shown.count > 1:
            text = "\n".join(
                [text, turn.text(turn.texts.page, {"page": shown.number + 1, "pages": shown.count})]
            )
        request_contact = contact_hint = None
        if ask.expect == "contact":
            request_contact = (
                ask.contact_button.render(context)
                if ask.contact_button is not None
                else turn.text(turn.texts.share_contact)
            )
            contact_hint = turn.text(turn.texts.share_contact_hint, {"button": request_contact}) or None
        turn.replies.append(
            Reply(
                text=text,
                buttons=tuple(offer.button() for offer in offers),
                request_contact=request_contact,
                contact_hint=contact_hint,
                choices_label=turn.text(turn.texts.choose) if offers else None,
            )
        )
        answerable = earlier + offers
        turn.state.waiting = Waiting(
            flow=flow,
            step=step,
            attempts=previous.attempts if previous is not None else 0,
            buttons={offer.payload: offer.button_id for offer in answerable},
            titles=[offer.title for offer in answerable],
            page=shown.number if shown is not None else None,
            shape=ask.shape,
        )

    async def _list_page(self, turn: TurnState, listing: model.ChoiceList, number: int) -> ShownPage | None:
        """One page of a list ask's records (the last one, past the end of a list that shrank);
        None when the action failed or refused."""
        shown = await self._records(turn, listing, PageRequest(number, listing.per_page))
        if shown is not None and shown.past_the_end:
            shown = await self._records(turn, listing, PageRequest(shown.count - 1, listing.per_page))
        return shown

    async def _records(
        self, turn: TurnState, listing: model.ChoiceList, wanted: PageRequest
    ) -> ShownPage | None:
        if listing.action is None:
            return page_of(RecordsPage(items=_records_in(turn.state.slots.get(listing.slot or ""))), wanted)
        outcome = await self._call(turn, listing.action, wanted)
        if outcome is None or outcome.rejected or outcome.records is None:
            return None
        return page_of(outcome.records, wanted)

    def _hand_off(self, turn: TurnState, handoff: model.Handoff) -> None:
        note = handoff.note.render(turn.context()) if handoff.note is not None else None
        turn.handoff = HandoffRequest(queue=handoff.queue, reason=handoff.reason, note=note or None)
        turn.report("handoff", queue=handoff.queue, reason=handoff.reason)
        turn.state.stack.clear()
        turn.state.waiting = None
        turn.state.handed_off = handoff.queue

    # ---- actions ------------------------------------------------------------------------------

    async def _call(
        self, turn: TurnState, name: str, page: PageRequest | None = None
    ) -> ActionOutcome | None:
        """Run an action and let its outcome take effect; None when it failed (the client was told)."""
        tracker = build_tracker(turn.event, turn.state.slots, turn.client, turn.locale, page)
        domain = build_domain(turn.state.slots, self.actions.names())
        try:
            outcome = await self.actions.run(name, tracker, domain)
            check_outcome(name, outcome, flows=self.bot.flows, listing=page is not None)
        except Exception as error:
            if isinstance(error, ActionError):
                logger.warning("action %s failed: %s", name, error)
            else:
                logger.warning("action %s raised %s", name, type(error).__name__)
            turn.report("action_failed", action=name, error=type(error).__name__)
            turn.say(turn.texts.action_failed)
            return None
        apply_outcome(turn, name, outcome)
        return outcome


def _records_in(value: Any) -> tuple[dict[str, Any], ...]:
    """A slot's list as records: a mapping is one, a plain value is ``{"value": ...}``."""
    if not isinstance(value, list | tuple):
        return ()
    return tuple(dict(item) if isinstance(item, Mapping) else {"value": item} for item in value[:MAX_RECORDS])


def _offered_before(previous: Waiting) -> list[Offer]:
    """The buttons an action offered for this ask, to show them again with it."""
    return [
        Offer(payload, button_id, title)
        for (payload, button_id), title in zip(previous.buttons.items(), previous.titles, strict=False)
        if button_id.startswith(DYNAMIC_PREFIX)
    ]


def _typed_choice(waiting: Waiting, text: str) -> str | None:
    """A button chosen by typing its title or its number (numbered fallbacks on Viber/WhatsApp)."""
    typed = normalize_phrase(text)
    if not typed:
        return None
    ids = list(waiting.buttons.values())
    if typed.isdigit() and 1 <= int(typed) <= len(ids):
        return ids[int(typed) - 1]
    for button_id, title in zip(ids, waiting.titles, strict=False):
        if normalize_phrase(title) == typed:
            return button_id
    return None


@cache
def _zone(name: Any) -> ZoneInfo | None:
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _attachment(link: model.AttachmentLink | None) -> Attachment | None:
    if link is None:
        return None
    return Attachment(
        kind=AttachmentKind(link.kind),
        source=FileSource(url=link.url),
        file_name=link.file_name,
        mime_type=link.mime_type,
    )

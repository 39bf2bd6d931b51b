"""The dialog interpreter: one inbound event in, replies and a new session state out.

A turn never sends and never touches a database; data comes only through actions. Given
the same inputs (and the same action results) it returns the same result, so replaying an
event after a crash produces the same replies.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from adapters.types import (
    Attachment,
    AttachmentKind,
    Button,
    ButtonPress,
    FileSource,
    Inbound,
    Reply,
    StartBody,
    TextBody,
    UnsubscribedBody,
)
from dialogs import model
from dialogs.actions import ActionError, ActionRunner
from dialogs.answers import Accepted, interpret
from dialogs.compiler import normalize_phrase
from dialogs.payloads import DYNAMIC_PREFIX, action_payload, choice_payload, dynamic_button_id
from dialogs.session import Frame, SessionState, Waiting
from dialogs.templates import TextCatalog, format_text
from dialogs.tracker import SYSTEM_SLOTS, build_domain, build_tracker
from dialogs.turn import ClientView, DialogEvent, HandoffRequest, TurnResult

logger = logging.getLogger(__name__)

MAX_STEPS_PER_TURN = 200
_MESSAGE_KEYS = frozenset(
    {"text", "buttons", "elements", "custom", "template", "response", "image", "attachment", "recipient_id"}
)
_BUTTON_KEYS = frozenset({"title", "payload", "response"})
REJECTED_EVENT = "action_execution_rejected"
"""rasa-sdk's ``ActionExecutionRejected``: the action said why itself; the flow leaves by ``on_error``."""


@dataclass(slots=True)
class _Turn:
    """Everything one turn accumulates; discarded when the turn returns its result."""

    event: Inbound
    client: ClientView
    state: SessionState
    locale: str
    catalog: TextCatalog
    replies: list[Reply] = field(default_factory=list)
    slot_changes: dict[str, Any] = field(default_factory=dict)
    events: list[DialogEvent] = field(default_factory=list)
    handoff: HandoffRequest | None = None
    ended: bool = False
    not_understood: bool = False
    offered: list[tuple[str, str, str]] = field(default_factory=list)
    """Buttons actions offered this turn: (payload, button id, title), answerable by the next ask."""

    def context(self) -> dict[str, Any]:
        return {"t": self.catalog, "client": self.client.as_template_data(), "slots": dict(self.state.slots)}

    def set_slot(self, name: str, value: Any) -> None:
        self.state.slots[name] = value
        self.slot_changes[name] = value


START_PAYLOAD = "/start"


class DialogEngine:
    def __init__(self, bot: model.CompiledBot, actions: ActionRunner) -> None:
        self.bot = bot
        self.actions = actions

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
        turn = _Turn(event, client, state, locale, self.bot.catalog(locale))
        await self._dispatch(turn)
        state.last_event_id = event.event_id
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

    async def _dispatch(self, turn: _Turn) -> None:
        body = turn.event.body
        state = turn.state
        if isinstance(body, UnsubscribedBody):
            state.stack.clear()
            state.waiting = None
            turn.events.append(DialogEvent("unsubscribed"))
            return
        trigger = self._trigger_for(body)
        if trigger is not None:
            state.stack.clear()
            state.waiting = None
            await self._go(turn, trigger.target)
            return
        ask = self._waiting_ask(state)
        if ask is not None:
            await self._answer(turn, ask, body)
            return
        state.waiting = None
        if isinstance(body, StartBody):
            state.stack.clear()
            await self._go(turn, model.Target(goto=self.bot.start_flow))
            return
        key = self.bot.system_texts.button_inactive if isinstance(body, ButtonPress) else None
        turn.not_understood = key is None
        self._say_key(turn, key or self.bot.system_texts.not_understood)
        state.stack.clear()
        await self._go(turn, self.bot.fallback)

    def _trigger_for(self, body: Any) -> model.Trigger | None:
        if isinstance(body, TextBody):
            phrase = normalize_phrase(body.text)
            return next((trigger for trigger in self.bot.triggers if phrase in trigger.phrases), None)
        if isinstance(body, StartBody):
            return next((trigger for trigger in self.bot.triggers if trigger.matches_start), None)
        return None

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
        return step if isinstance(step, model.Ask) else None

    # ---- answering an ask ---------------------------------------------------------------------

    async def _answer(self, turn: _Turn, ask: model.Ask, body: Any) -> None:
        waiting = turn.state.waiting
        assert waiting is not None
        if isinstance(body, ButtonPress):
            button_id = waiting.buttons.get(body.payload)
            if button_id is None:
                self._say_key(turn, self.bot.system_texts.button_inactive)
                self._present(turn, ask, waiting.flow, waiting.step, waiting)
                return
            await self._choose(turn, ask, waiting, button_id)
            return
        if isinstance(body, StartBody):
            self._present(turn, ask, waiting.flow, waiting.step, waiting)
            return
        if isinstance(body, TextBody) and (button_id := _typed_choice(waiting, body.text)) is not None:
            await self._choose(turn, ask, waiting, button_id)
            return
        outcome = interpret(ask, body, self.bot.system_texts)
        if isinstance(outcome, Accepted):
            if ask.save_as:
                turn.set_slot(ask.save_as, outcome.value)
            await self._continue_after(turn, waiting)
            return
        waiting.attempts += 1
        turn.not_understood = True
        if ask.max_attempts is not None and waiting.attempts >= ask.max_attempts and ask.on_fail is not None:
            turn.events.append(
                DialogEvent("ask_failed", {"flow": waiting.flow, "attempts": waiting.attempts})
            )
            turn.state.waiting = None
            await self._go(turn, ask.on_fail, replace_top=True)
            return
        self._say_key(turn, outcome.text_key, outcome.params)
        self._present(turn, ask, waiting.flow, waiting.step, waiting)

    async def _choose(self, turn: _Turn, ask: model.Ask, waiting: Waiting, button_id: str) -> None:
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

    async def _continue_after(self, turn: _Turn, waiting: Waiting) -> None:
        turn.state.waiting = None
        turn.state.stack[-1] = Frame(flow=waiting.flow, step=waiting.step + 1)
        await self._run(turn)

    # ---- running flows ------------------------------------------------------------------------

    async def _go(self, turn: _Turn, target: model.Target, *, replace_top: bool = False) -> None:
        if target.handoff is not None:
            self._hand_off(turn, target.handoff)
            return
        assert target.goto is not None
        if replace_top and turn.state.stack:
            turn.state.stack[-1] = Frame(flow=target.goto)
        else:
            turn.state.stack.append(Frame(flow=target.goto))
        await self._run(turn)

    async def _run(self, turn: _Turn) -> None:
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
            if isinstance(step, model.Ask):
                self._present(turn, step, frame.flow, frame.step, None)
                return
            if isinstance(step, model.HandOff):
                self._hand_off(turn, step.handoff)
                return
            if isinstance(step, model.End):
                stack.clear()
                turn.ended = True
                return
            if isinstance(step, model.RunAction):
                frame.step += 1
                if not await self._run_action(turn, step.name):
                    stack.clear()
                    if step.on_error is not None:
                        await self._go(turn, step.on_error)
                    return
                continue
            self._simple_step(turn, frame, step)
        turn.events.append(DialogEvent("loop_detected", {"flow": stack[-1].flow if stack else None}))
        logger.warning(
            "dialog of bot %s ran %d steps without waiting; stopped", self.bot.name, MAX_STEPS_PER_TURN
        )
        stack.clear()
        turn.state.waiting = None

    def _simple_step(self, turn: _Turn, frame: Frame, step: model.Step) -> None:
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

    def _present(self, turn: _Turn, ask: model.Ask, flow: str, step: int, previous: Waiting | None) -> None:
        """Ask (or ask again, keeping the attempt count and the buttons actions offered)."""
        context = turn.context()
        offered = list(turn.offered)
        if previous is not None:
            offered = [
                (payload, button_id, title)
                for (payload, button_id), title in zip(
                    previous.buttons.items(), previous.titles, strict=False
                )
                if button_id.startswith(DYNAMIC_PREFIX)
            ]
        buttons = [Button(title=title, payload=payload) for payload, _, title in offered] if previous else []
        entries = {payload: button_id for payload, button_id, _ in offered}
        titles = [title for _, _, title in offered]
        for index, choice in enumerate(ask.choices):
            title = choice.title.render(context)
            payload = choice_payload(flow, step, index)
            buttons.append(Button(title=title, payload=payload))
            entries[payload] = str(index)
            titles.append(title)
        request_contact = None
        if ask.expect == "contact":
            request_contact = (
                ask.contact_button.render(context)
                if ask.contact_button is not None
                else self._text(turn, self.bot.system_texts.share_contact)
            )
        turn.replies.append(
            Reply(
                text=ask.text.render(context),
                buttons=tuple(buttons),
                request_contact=request_contact,
                choices_label=self._text(turn, self.bot.system_texts.choose) if buttons else None,
            )
        )
        turn.state.waiting = Waiting(
            flow=flow,
            step=step,
            attempts=previous.attempts if previous is not None else 0,
            buttons=entries,
            titles=titles,
        )

    def _hand_off(self, turn: _Turn, handoff: model.Handoff) -> None:
        note = handoff.note.render(turn.context()) if handoff.note is not None else None
        turn.handoff = HandoffRequest(queue=handoff.queue, reason=handoff.reason, note=note or None)
        turn.events.append(DialogEvent("handoff", {"queue": handoff.queue, "reason": handoff.reason}))
        turn.state.stack.clear()
        turn.state.waiting = None

    # ---- actions ------------------------------------------------------------------------------

    async def _run_action(self, turn: _Turn, name: str) -> bool:
        tracker = build_tracker(turn.event, turn.state.slots, turn.client, turn.locale)
        domain = build_domain(turn.state.slots, self.actions.names())
        try:
            outcome = await self.actions.run(name, tracker, domain)
        except Exception as error:
            if not isinstance(error, ActionError):
                logger.warning("action %s raised %s", name, type(error).__name__)
            else:
                logger.warning("action %s failed: %s", name, type(error).__name__)
            turn.events.append(DialogEvent("action_failed", {"action": name, "error": type(error).__name__}))
            self._say_key(turn, self.bot.system_texts.action_failed)
            return False
        for message in outcome.messages:
            self._action_message(turn, name, message)
        for action_event in outcome.events:
            self._action_event(turn, name, action_event)
        return not any(action_event.get("event") == REJECTED_EVENT for action_event in outcome.events)

    def _action_message(self, turn: _Turn, action: str, message: dict[str, Any]) -> None:
        text = str(message.get("text") or "")
        if message.get("response"):
            params = {key: value for key, value in message.items() if key not in _MESSAGE_KEYS}
            found = turn.catalog.lookup(str(message["response"]))
            if found is None:
                turn.events.append(
                    DialogEvent("unknown_response", {"action": action, "key": message["response"]})
                )
            else:
                text = format_text(found, **params)
        buttons = []
        for button in message.get("buttons") or []:
            title = self._button_title(turn, action, button) if isinstance(button, dict) else ""
            if not title:
                continue
            value = str(button.get("payload") or title)
            payload = action_payload(value)
            buttons.append(Button(title=title, payload=payload))
            turn.offered.append((payload, dynamic_button_id(value), title))
        attachment = None
        for key, kind in (("image", AttachmentKind.IMAGE), ("attachment", AttachmentKind.DOCUMENT)):
            if isinstance(message.get(key), str) and message[key]:
                attachment = Attachment(kind=kind, source=FileSource(url=message[key]))
        if message.get("custom"):
            attachment = _stored_attachment(message["custom"]) or attachment
            turn.events.append(DialogEvent("action_custom", {"action": action, "custom": message["custom"]}))
        if text or buttons or attachment:
            turn.replies.append(Reply(text=text, buttons=tuple(buttons), attachment=attachment))

    def _button_title(self, turn: _Turn, action: str, button: dict[str, Any]) -> str:
        """The button's ``title``, or the catalog text ``response`` filled with the button's other keys."""
        key = button.get("response")
        if key:
            found = turn.catalog.lookup(str(key))
            if found is not None:
                params = {name: value for name, value in button.items() if name not in _BUTTON_KEYS}
                return format_text(found, **params)
            turn.events.append(DialogEvent("unknown_response", {"action": action, "key": key}))
        return str(button.get("title") or "")

    def _action_event(self, turn: _Turn, action: str, action_event: dict[str, Any]) -> None:
        kind = action_event.get("event")
        if kind == "slot" and isinstance(action_event.get("name"), str):
            name = action_event["name"]
            if name in SYSTEM_SLOTS:
                turn.events.append(DialogEvent("read_only_slot", {"action": action, "slot": name}))
            else:
                turn.set_slot(name, action_event.get("value"))
            return
        data = {key: value for key, value in action_event.items() if key not in ("event", "timestamp")}
        turn.events.append(DialogEvent(str(kind), {"action": action, **data}))

    # ---- texts --------------------------------------------------------------------------------

    def _text(self, turn: _Turn, key: str, params: dict[str, Any] | None = None) -> str:
        found = turn.catalog.lookup(key) or ""
        return format_text(found, **params) if params else found

    def _say_key(self, turn: _Turn, key: str, params: dict[str, Any] | None = None) -> None:
        turn.replies.append(Reply(text=self._text(turn, key, params)))


def _typed_choice(waiting: Waiting, text: str) -> str | None:
    """A button chosen by typing its title or its number (numbered fallbacks on Viber/WhatsApp)."""
    typed = normalize_phrase(text)
    ids = list(waiting.buttons.values())
    if typed.isdigit() and 1 <= int(typed) <= len(ids):
        return ids[int(typed) - 1]
    for button_id, title in zip(ids, waiting.titles, strict=False):
        if normalize_phrase(title) == typed:
            return button_id
    return None


def _stored_attachment(custom: Any) -> Attachment | None:
    """``{"attachment": {"kind", "storage_key", "mime", "name", "duration"}}``: a file the cabinet stores.

    The outbox turns the storage key into bytes or a signed link; the dialog only carries it.
    """
    spec = custom.get("attachment") if isinstance(custom, dict) else None
    if not isinstance(spec, dict) or not isinstance(spec.get("storage_key"), str) or not spec["storage_key"]:
        return None
    try:
        kind = AttachmentKind(spec.get("kind") or AttachmentKind.DOCUMENT)
    except ValueError:
        return None
    duration = spec.get("duration")
    return Attachment(
        kind=kind,
        source=FileSource(storage_key=spec["storage_key"]),
        file_name=str(spec["name"]) if spec.get("name") else None,
        mime_type=str(spec["mime"]) if spec.get("mime") else None,
        duration=duration if isinstance(duration, int) else None,
    )


def _attachment(link: model.AttachmentLink | None) -> Attachment | None:
    if link is None:
        return None
    return Attachment(
        kind=AttachmentKind(link.kind),
        source=FileSource(url=link.url),
        file_name=link.file_name,
        mime_type=link.mime_type,
    )

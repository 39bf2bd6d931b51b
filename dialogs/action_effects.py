"""What an action's typed outcome does to a turn: checked as a whole first, then said and set.

Where the flow goes next (on after the step, ``on_error`` on a rejection, another flow on a
followup) is the engine's decision; here the messages become replies and the events change slots.
"""

from __future__ import annotations

from collections.abc import Container

from adapters.types import Reply
from dialogs.actions import MalformedActionResult
from dialogs.outcome import (
    ActionButton,
    ActionOutcome,
    ActionRejected,
    BotMessage,
    FollowupFlow,
    SlotSet,
    SlotsReset,
)
from dialogs.payloads import action_payload, dynamic_button_id
from dialogs.templates import format_text
from dialogs.tracker import SYSTEM_SLOTS
from dialogs.turn_state import Offer, TurnState


def check_outcome(action: str, outcome: ActionOutcome, *, flows: Container[str], listing: bool) -> None:
    """Refuse an outcome the dialog cannot follow, before any of it takes effect."""
    for event in outcome.events:
        match event:
            case SlotSet(name=name) if name in SYSTEM_SLOTS:
                raise MalformedActionResult(action, f"slot '{name}' is filled by the engine, not by actions")
            case FollowupFlow() if listing:
                raise MalformedActionResult(
                    action, "an action listing choices cannot lead the dialog elsewhere"
                )
            case FollowupFlow(name=name) if name not in flows:
                raise MalformedActionResult(action, f"followup '{name}' names no flow of this bot")
    if listing and outcome.records is None and not outcome.rejected:
        raise MalformedActionResult(action, "an action listing choices answers with records")


def apply_outcome(turn: TurnState, action: str, outcome: ActionOutcome) -> None:
    for message in outcome.messages:
        _say(turn, action, message)
    for event in outcome.events:
        match event:
            case SlotSet(name=name, value=value):
                turn.set_slot(name, value)
            case SlotsReset():
                turn.forget_slots()
            case ActionRejected() | FollowupFlow():
                pass


def _say(turn: TurnState, action: str, message: BotMessage) -> None:
    text = message.text or ""
    key = message.response or message.template
    if key:
        found = turn.catalog.lookup(key)
        if found is None:
            turn.report("unknown_response", action=action, key=key)
        else:
            text = format_text(found, **message.params)
    offers = []
    for button in message.buttons:
        title = _button_title(turn, action, button)
        if title:
            offers.append(Offer(action_payload(button.value), dynamic_button_id(button.value), title))
    turn.offered.extend(offers)
    attachment = None
    if (file := message.file) is not None:
        attachment = file.attachment(turn.event.channel)
        if attachment is None:
            turn.report("file_of_another_channel", action=action)
    if message.custom.params:
        turn.report("action_custom", action=action, custom=message.custom.params)
    if text or offers or attachment:
        buttons = tuple(offer.button() for offer in offers)
        turn.replies.append(Reply(text=text, buttons=buttons, attachment=attachment))


def _button_title(turn: TurnState, action: str, button: ActionButton) -> str:
    """The button's ``title``, or the catalog text ``response`` filled with the button's other keys."""
    if button.response:
        found = turn.catalog.lookup(button.response)
        if found is not None:
            return format_text(found, **button.params)
        turn.report("unknown_response", action=action, key=button.response)
    return button.title

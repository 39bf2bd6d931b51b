"""What an action gives back, parsed once at the boundary into typed objects.

An action's result is rasa-sdk's: the messages its ``CollectingDispatcher`` collected and the events
it returned, as JSON (an action server answers ``POST /webhook`` with ``{"events", "responses"}``).
Both runners, in-process and remote, hand that JSON to :func:`parse_outcome`; what it does not
accept is a :class:`MalformedOutcome`, and the engine only ever handles the types defined here and
the :class:`~adapters.action_protocol.RecordsPage` they carry.

Action authors build the parts the engine reads beyond rasa-sdk's own (a file from the cabinet's
storage, the records of a list) with :func:`adapters.action_protocol.custom_payload`, so the wire
form is written in one place, and an action needs nothing of the engine.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, field_validator

from adapters.action_protocol import RecordsPage
from adapters.types import FileRef, MediaKind
from dialogs.payloads import MAX_VALUE_LENGTH

MAX_OUTCOME_BYTES = 512 * 1024
MAX_MESSAGES = 50
MAX_EVENTS = 200
MAX_BUTTONS = 100
MAX_TEXT = 16_000
_SHOWN_ERRORS = 3

Name = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)]
TextKey = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.]+$", max_length=128)]


class MalformedOutcome(ValueError):
    """An action answered something that is not an action result this engine understands."""


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class _WireWithParams(BaseModel):
    """A wire object whose keys beyond the declared ones are parameters of a catalog text."""

    model_config = ConfigDict(frozen=True, extra="allow")

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


# ---- events -----------------------------------------------------------------------------------


class SlotSet(_Wire):
    event: Literal["slot"]
    name: Name
    value: JsonValue = None


class ActionRejected(_Wire):
    """rasa-sdk's ``ActionExecutionRejected``: the action said why itself; the flow leaves by ``on_error``."""

    event: Literal["action_execution_rejected"]
    name: str | None = None


class FollowupFlow(_Wire):
    """rasa-sdk's ``FollowupAction`` naming a flow: the dialog goes on there instead of the next step."""

    event: Literal["followup"]
    name: Name


class SlotsReset(_Wire):
    """rasa-sdk's ``AllSlotsReset``: the dialog forgets every slot it holds."""

    event: Literal["reset_slots"]


ActionEvent = Annotated[SlotSet | ActionRejected | FollowupFlow | SlotsReset, Field(discriminator="event")]


# ---- messages ---------------------------------------------------------------------------------


class ActionButton(_WireWithParams):
    """A button in an action's message: its ``title``, or the catalog text ``response`` filled with
    the button's other keys; pressing it answers the next ask with ``payload`` (else the title)."""

    title: str = Field(default="", max_length=MAX_VALUE_LENGTH)
    payload: str | None = Field(default=None, max_length=MAX_VALUE_LENGTH)
    response: TextKey | None = None

    @property
    def value(self) -> str:
        return self.payload or self.title


class CustomPayload(_WireWithParams):
    """rasa-sdk's ``json_message``: a file to send, a list's records, or data reported as an event."""

    attachment: FileRef | None = None
    records: RecordsPage | None = None


class BotMessage(_WireWithParams):
    """One message an action asked the bot to say: a text or a catalog text (``response`` filled with
    the message's other keys), buttons, a file (``image``/``attachment`` URLs or a stored file)."""

    text: str | None = Field(default=None, max_length=MAX_TEXT)
    response: TextKey | None = None
    template: str | None = Field(default=None, description="rasa-sdk's old name of ``response``.")
    buttons: tuple[ActionButton, ...] = Field(default=(), max_length=MAX_BUTTONS)
    elements: tuple[JsonValue, ...] = ()
    custom: CustomPayload = CustomPayload()
    image: str | None = Field(default=None, pattern=r"^https?://", max_length=2048)
    attachment: str | None = Field(default=None, pattern=r"^https?://", max_length=2048)
    recipient_id: str | None = None

    @field_validator("buttons", "elements", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("custom", mode="before")
    @classmethod
    def _null_is_no_payload(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("elements")
    @classmethod
    def _no_carousels(cls, value: tuple[JsonValue, ...]) -> tuple[JsonValue, ...]:
        if value:
            raise ValueError("carousels ('elements') are not supported; send buttons")
        return value

    @property
    def file(self) -> FileRef | None:
        if self.custom.attachment is not None:
            return self.custom.attachment
        if self.image:
            return FileRef(url=self.image, kind=MediaKind.IMAGE)
        if self.attachment:
            return FileRef(url=self.attachment)
        return None


class ActionOutcome(BaseModel):
    """An action's messages and events: rasa-sdk's ``{"events": [...], "responses": [...]}``."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    messages: tuple[BotMessage, ...] = Field(default=(), alias="responses", max_length=MAX_MESSAGES)
    events: tuple[ActionEvent, ...] = Field(default=(), max_length=MAX_EVENTS)

    @field_validator("messages", "events", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value

    @property
    def rejected(self) -> bool:
        return any(isinstance(event, ActionRejected) for event in self.events)

    @property
    def followup(self) -> str | None:
        """The last followup's name: rasa-sdk runs one followup, the last one returned."""
        names = [event.name for event in self.events if isinstance(event, FollowupFlow)]
        return names[-1] if names else None

    @property
    def records(self) -> RecordsPage | None:
        return next((m.custom.records for m in self.messages if m.custom.records is not None), None)


def parse_outcome(raw: bytes) -> ActionOutcome:
    """An action server's JSON answer (or a local run's, see :func:`local_outcome`), typed."""
    if len(raw) > MAX_OUTCOME_BYTES:
        raise MalformedOutcome(f"the result is larger than {MAX_OUTCOME_BYTES} bytes")
    try:
        return ActionOutcome.model_validate_json(raw)
    except ValidationError as error:
        raise MalformedOutcome(_describe(error)) from None


def local_outcome(messages: Sequence[Any], events: Any) -> ActionOutcome:
    """What an in-process action collected and returned, through the same JSON as a remote one."""
    if events is not None and not isinstance(events, list | tuple):
        raise MalformedOutcome("the action returned something other than a list of events")
    try:
        raw = json.dumps({"responses": list(messages), "events": list(events or [])}, ensure_ascii=False)
    except (TypeError, ValueError) as error:
        raise MalformedOutcome(f"the result is not JSON: {type(error).__name__}") from None
    return parse_outcome(raw.encode())


def _describe(error: ValidationError) -> str:
    """Where and what, never the offending values (they may be a client's data)."""
    problems = error.errors(include_input=False, include_url=False, include_context=False)
    shown = [
        f"{'.'.join(str(part) for part in problem['loc']) or 'result'}: {problem['msg']}"
        for problem in problems[:_SHOWN_ERRORS]
    ]
    more = len(problems) - len(shown)
    return "; ".join(shown) + (f" (and {more} more)" if more > 0 else "")

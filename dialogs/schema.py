"""The YAML a bot designer writes, as pydantic models (unknown keys are errors).

These models only describe shape; references (flows, actions, text keys), templates and
regexes are checked when :mod:`dialogs.compiler` turns them into :mod:`dialogs.model`.
Every field's docstring is its documentation: it becomes the field's ``description`` in the
published JSON Schema (:mod:`dialogs.json_schema`), which editors show while the designer types.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from adapters.action_protocol import DEFAULT_PER_PAGE, MAX_PER_PAGE

Name = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)]
Expect = Literal["text", "phone", "number", "email", "contact", "file", "any", "date", "datetime"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class HandoffSpec(_Strict):
    """Hand the conversation to a person: the bot stops answering until the person closes it."""

    queue: Name
    """The queue of people who take it, e.g. `lawyers` or `duty_lawyer`."""
    reason: Name
    """Why the bot hands off, shown to the operator and counted in the figures, e.g. `asked`."""
    note: str | None = None
    """A template the operator sees with the conversation, e.g. `{{ slots.description }}`."""


class TargetSpec(_Strict):
    """Where to go: exactly one of a flow or a human."""

    goto: Name | None = None
    """The flow to continue in."""
    handoff: HandoffSpec | None = None
    """Hand the conversation to a person instead."""

    @model_validator(mode="after")
    def _exactly_one(self) -> TargetSpec:
        if (self.goto is None) == (self.handoff is None):
            raise ValueError("give exactly one of 'goto' or 'handoff'")
        return self


class ButtonSpec(_Strict):
    """A button the client may press (or whose number or title they may type)."""

    title: str
    """The button's text, a template (usually `{{ t.<key> }}`). WhatsApp shows 20 characters of a
    button and 24 of a list row: `omnicab validate` warns where a longer title would be cut."""
    value: Any = None
    """What the ask's `save_as` slot gets when this button is pressed (the title when not given)."""
    goto: Name | None = None
    """The flow to go to when pressed; without it the flow goes on with its next step."""
    handoff: HandoffSpec | None = None
    """Hand the conversation to a person when pressed."""

    @model_validator(mode="after")
    def _one_destination(self) -> ButtonSpec:
        if self.goto is not None and self.handoff is not None:
            raise ValueError("a button goes either to a flow ('goto') or to a human ('handoff'), not both")
        return self


class AttachmentSpec(_Strict):
    """A file sent with a message, fetched by the platform from a public URL."""

    url: str
    """A public https URL of the file."""
    kind: Literal["document", "image", "audio"] = "document"
    """How the messenger shows it."""
    file_name: str | None = None
    """The name the client sees."""
    mime_type: str | None = None
    """The file's MIME type, e.g. `application/pdf`."""


class SayBody(_Strict):
    """A message with an attachment (or a text given as `text:`)."""

    text: str = ""
    """The message, a template."""
    attachment: AttachmentSpec | None = None
    """A file sent with the message."""


class ChoicesSpec(_Strict):
    """Choices that come from records, one page at a time (see :mod:`dialogs.paging`): those an
    action returns when the ask is shown (`from`), or a list an earlier step saved in a slot (`slot`).

    ``title``, ``description`` and ``value`` are templates over one record, ``item``.
    """

    from_: Name | None = Field(default=None, alias="from")
    """The action that returns the records, run for each page shown, e.g. `list_requests`."""
    slot: Name | None = None
    """Instead of `from`: the slot holding the list of records, set earlier by an action or a
    `set` step, e.g. `lawyers` for `[{name: ..., id: ...}, ...]` (a plain value is the record
    `{value: ...}`). A missing slot is an empty list."""
    title: str
    """A record's button title, a template over `item`, e.g. `№{{ item.number }}`."""
    description: str | None = None
    """A second line under the title where the channel has one (a WhatsApp list row), over `item`."""
    value: str
    """What the ask's `save_as` slot gets for the chosen record, over `item`, e.g. `{{ item.id }}`."""
    per_page: int = Field(default=DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE)
    """Records per page; the engine adds «← Назад» and «Далее →» buttons."""
    on_error: TargetSpec | None = None
    """Where to go when the action fails (its message is said first)."""

    @model_validator(mode="after")
    def _one_source(self) -> ChoicesSpec:
        if (self.from_ is None) == (self.slot is None):
            raise ValueError("give exactly one of 'from' (an action) or 'slot' (a list saved earlier)")
        if self.slot is not None and self.on_error is not None:
            raise ValueError("'on_error' applies to choices 'from' an action; a slot cannot fail")
        return self


class AskBody(_Strict):
    """Ask the client and wait for the answer; the flow goes on once an answer is accepted."""

    text: str
    """The question, a template."""
    buttons: list[ButtonSpec] = Field(default_factory=list, max_length=10)
    """Buttons to choose from (at most 10). With buttons and no `expect`, only a button is an answer."""
    choices: ChoicesSpec | None = None
    """Buttons made from the records an action returns, a page at a time."""
    expect: Expect | None = None
    """What an answer is: `text` (the default without buttons), `phone`, `number`, `email`,
    `contact` (a shared phone: Telegram and Viber show a share-phone button), `file`, `any`
    (text or a file), `date` («завтра», «25.11», «25 ноября», «в пятницу», "Nov 25", ISO) or
    `datetime` (a date and a time: «завтра в 15:00», «25 ноября 15:00», «15:30»), read in the
    client's time zone and saved as an ISO 8601 string with its offset, which `| date` and
    `| datetime` render. With buttons, typed text of that kind is accepted besides a press."""
    save_as: Name | None = None
    """The slot that keeps the answer, readable as `slots.<name>` in later templates."""
    min_length: int | None = Field(default=None, ge=0)
    """Fewest characters of a text answer (`system.too_short` otherwise)."""
    max_length: int | None = Field(default=None, ge=1)
    """Most characters of a text answer (`system.too_long` otherwise)."""
    pattern: str | None = None
    """A regular expression the whole text answer must match (`system.invalid_answer` otherwise)."""
    min: float | None = None
    """The smallest accepted number (`expect: number`)."""
    max: float | None = None
    """The largest accepted number (`expect: number`)."""
    future: bool = False
    """With `expect: date` or `datetime`: refuse a day (or a moment) already past
    (`system.past_date`)."""
    invalid: str | None = None
    """A text key said instead of the system text when an answer is refused, e.g.
    `refund.invalid.amount.format`; it may use `{min}` and `{max}`."""
    max_attempts: int | None = Field(default=None, ge=1)
    """Refused answers after which the dialog goes to `on_fail`."""
    on_fail: TargetSpec | None = None
    """Where to go after `max_attempts` refused answers."""
    contact_button: str | None = None
    """The title of the share-phone button of an `expect: contact` ask, a template
    (`system.share_contact` when not given)."""

    @model_validator(mode="after")
    def _consistent(self) -> AskBody:
        textual = {"text", "any", None} if not (self.buttons or self.choices) else {"text", "any"}
        if (self.min_length, self.max_length, self.pattern) != (
            None,
            None,
            None,
        ) and self.expect not in textual:
            raise ValueError("min_length, max_length and pattern apply to 'expect: text' answers")
        if (self.min, self.max) != (None, None) and self.expect != "number":
            raise ValueError("min and max apply to 'expect: number' answers")
        if self.future and self.expect not in ("date", "datetime"):
            raise ValueError("'future' applies to 'expect: date' and 'expect: datetime' answers")
        if self.on_fail is not None and self.max_attempts is None:
            raise ValueError("'on_fail' needs 'max_attempts'")
        return self


class ActionBody(_Strict):
    """Run an action, with somewhere to go when it fails."""

    name: Name
    """The action's name."""
    on_error: TargetSpec | None = None
    """Where to go when the action fails or refuses (its message is said first)."""


class BranchBody(_Strict):
    """Steps (or a flow) chosen by a condition."""

    if_: str = Field(alias="if")
    """A Jinja expression without braces, e.g. `slots.urgency == 'urgent'`."""
    then: Name | list[StepSpec]
    """Steps run when the condition holds, or the name of a flow to go to."""
    else_: Name | list[StepSpec] = Field(default_factory=list, alias="else")
    """Steps run otherwise, or the name of a flow to go to."""


class SayStep(_Strict):
    say: str | SayBody
    """Send a message: a template (`"{{ t.menu.intro }}"`), or a text with an attachment."""


class AskStep(_Strict):
    ask: AskBody
    """Ask a question and wait for the answer."""


class BranchStep(_Strict):
    branch: BranchBody
    """Run steps only when a condition holds."""


class GotoStep(_Strict):
    goto: Name
    """Continue in another flow; this one is left."""


class CallStep(_Strict):
    call: Name
    """Run another flow and come back here when it ends."""


class ActionStep(_Strict):
    action: Name | ActionBody
    """Run an action (the cabinet's, or an action server's): it may say texts and set slots."""


class HandoffStep(_Strict):
    handoff: HandoffSpec
    """Hand the conversation to a person."""


class SetStep(_Strict):
    set: dict[Name, Any]
    """Set slots: values or templates; `null` forgets a slot."""


class EndStep(_Strict):
    end: Literal[True] = True
    """End the dialog; the client's next message starts over (triggers, then the fallback)."""


STEP_KINDS = ("say", "ask", "branch", "goto", "call", "action", "handoff", "set", "end")


def _step_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        return next((key for key in value if key in STEP_KINDS), next(iter(value), None))
    if isinstance(value, BaseModel):
        return next(iter(type(value).model_fields))
    return None


StepSpec = Annotated[
    Annotated[SayStep, Tag("say")]
    | Annotated[AskStep, Tag("ask")]
    | Annotated[BranchStep, Tag("branch")]
    | Annotated[GotoStep, Tag("goto")]
    | Annotated[CallStep, Tag("call")]
    | Annotated[ActionStep, Tag("action")]
    | Annotated[HandoffStep, Tag("handoff")]
    | Annotated[SetStep, Tag("set")]
    | Annotated[EndStep, Tag("end")],
    Discriminator(
        _step_kind,
        custom_error_type="unknown_step",
        custom_error_message=f"unknown step; a step is one of: {', '.join(STEP_KINDS)}",
    ),
]


def _bare_end(value: Any) -> Any:
    return {"end": True} if value == "end" else value


class FlowSpec(_Strict):
    """A named sequence of steps."""

    description: str | None = None
    """What the flow is for, for the next designer."""
    steps: list[StepSpec] = Field(min_length=1)
    """The steps, run in order: say, ask, branch, goto, call, action, handoff, set, end."""

    @field_validator("steps", mode="before")
    @classmethod
    def _bare_steps(cls, value: Any) -> Any:
        return [_bare_end(step) for step in value] if isinstance(value, list) else value


class TriggerSpec(_Strict):
    """Words that lead somewhere from anywhere in the dialog."""

    match: list[str] = Field(min_length=1)
    """Phrases that fire it when typed as a whole message (case, ё and punctuation do not count);
    `/start` also fires it when a client opens the chat."""
    goto: Name | None = None
    """The flow to go to."""
    handoff: HandoffSpec | None = None
    """Hand the conversation to a person instead."""

    @model_validator(mode="after")
    def _exactly_one(self) -> TriggerSpec:
        if (self.goto is None) == (self.handoff is None):
            raise ValueError("give exactly one of 'goto' or 'handoff'")
        return self


class FlowsFile(_Strict):
    """A file `flows/<any name>.yaml` of a bot: flows and triggers; a bot may have many."""

    flows: dict[Name, FlowSpec] = Field(default_factory=dict)
    """Flows by name; a name is unique across the bot's flow files."""
    triggers: list[TriggerSpec] = Field(default_factory=list)
    """Phrases that work anywhere in the dialog."""


class SystemTexts(_Strict):
    """Catalog keys of the texts the engine itself says.

    Every key has a default text in Russian and English (packaged in ``dialogs/system_texts/``),
    which a bot's own catalog overrides by defining the same key (``system.not_understood: ...``).
    Map a role to another key here to share a text the bot already has.
    """

    not_understood: str = "system.not_understood"
    """Said when free text matches nothing and the fallback takes over."""
    button_inactive: str = "system.button_inactive"
    """Said when an old button is pressed; the current question follows."""
    invalid_answer: str = "system.invalid_answer"
    """An answer does not match the ask's `pattern`."""
    choose_button: str = "system.choose_button"
    """Typed text where only a button is an answer, and the client sees the choices as buttons or a list."""
    choose_number: str = "system.choose_number"
    """The same where the choices come numbered in the text (more than the buttons hold, `omnicab chat`)."""
    unsupported_input: str = "system.unsupported_input"
    """A message of a kind the bot cannot take (a sticker, a location...)."""
    too_short: str = "system.too_short"
    """A text answer under `min_length`; may use `{min}`."""
    too_long: str = "system.too_long"
    """A text answer over `max_length`; may use `{max}`."""
    invalid_phone: str = "system.invalid_phone"
    """Not a phone number (`expect: phone`)."""
    invalid_number: str = "system.invalid_number"
    """Not a number (`expect: number`)."""
    number_out_of_range: str = "system.number_out_of_range"
    """A number outside `min`..`max`; may use `{min}` and `{max}`."""
    invalid_email: str = "system.invalid_email"
    """Not an e-mail address (`expect: email`)."""
    invalid_date: str = "system.invalid_date"
    """Not a date (`expect: date`); best with examples of what the bot understands."""
    invalid_datetime: str = "system.invalid_datetime"
    """Not a date and a time (`expect: datetime`), or a date without the time."""
    past_date: str = "system.past_date"
    """A day or a moment already past where the ask wants one ahead (`future: true`)."""
    expected_file: str = "system.expected_file"
    """Text where a file was asked for (`expect: file`)."""
    expected_contact: str = "system.expected_contact"
    """Anything but a shared phone where one was asked for (`expect: contact`)."""
    expected_contact_typed: str = "system.expected_contact_typed"
    """The same on a channel without a share-phone button (WhatsApp), where the client types the number."""
    share_contact: str = "system.share_contact"
    """The share-phone button's title."""
    share_contact_hint: str = "system.share_contact_hint"
    """The message that carries the share-phone button when the question's own message cannot (Telegram,
    next to buttons under the question); may use `{button}`, the button's title."""
    action_failed: str = "system.action_failed"
    """An action failed without saying why."""
    welcome: str = "system.welcome"
    """Viber's one message before the client writes (with the start button)."""
    start_button: str = "system.start_button"
    """The button under the welcome message."""
    choose: str = "system.choose"
    """The button that opens a WhatsApp list."""
    previous_page: str = "system.previous_page"
    """The button to the previous page of a list."""
    next_page: str = "system.next_page"
    """The button to the next page of a list."""
    page: str = "system.page"
    """Under a paged list; may use `{page}` and `{pages}`."""
    dialog_updated: str = "system.dialog_updated"
    """The bot changed while the client was answering a question that is no longer there; the
    dialog starts over at the start flow."""
    handed_off: str = "system.handed_off"
    """Said when the client writes after the bot handed the conversation to a person."""


class ActionServerSpec(_Strict):
    """A rasa-sdk action server the bot calls over the standard protocol (POST /webhook)."""

    url: str = Field(pattern=r"^https?://")
    """The server's base URL, e.g. `http://actions:5055`."""
    actions: list[Name] = Field(min_length=1)
    """The actions it serves, by name."""
    slots: list[Name] = Field(default_factory=list)
    """The slots its actions set, so that `omnicab validate` knows them when templates read them."""


Channel = Literal["telegram", "viber", "whatsapp"]
CHANNELS: tuple[Channel, ...] = ("telegram", "viber", "whatsapp")


class BotFile(_Strict):
    """A bot's `bot.yaml`: who it is and how it starts. Flows live in `flows/*.yaml` beside it,
    texts in `locales/<locale>.yaml`, conversation tests in `tests/*.yaml`."""

    name: Name
    """The bot's name."""
    default_locale: str = "ru"
    """The locale of a client whose messenger language the bot does not speak."""
    locales: list[str] = Field(default_factory=lambda: ["ru"], min_length=1)
    """The locales the bot speaks; each has a catalog `locales/<locale>.yaml` with the same keys."""
    start: Name
    """The flow a new conversation (and `/start`) begins with: the bot's menu."""
    fallback: TargetSpec | None = None
    """Where free text that no ask, button or trigger takes goes after `system.not_understood`
    (the start flow when not given)."""
    system_texts: SystemTexts = Field(default_factory=SystemTexts)
    """Which catalog key the engine says for each of its own texts; rarely needed, since each
    `system.*` key has a default and a bot overrides one by defining it in its catalogs."""
    action_server: ActionServerSpec | None = None
    """An external rasa-sdk action server for actions the cabinet does not provide."""
    channels: list[Channel] = Field(default_factory=lambda: list(CHANNELS), min_length=1)
    """The messengers the bot is written for: `omnicab validate` warns about titles and texts too
    long for any of them."""
    time_zone: str = "Europe/Moscow"
    """The IANA time zone for a client whose own zone (`client.time_zone`) is not known:
    `expect: date` and `expect: datetime` answers are read in it, and `| datetime` shows moments in
    it, saying so («по Москве»)."""
    settings: dict[str, Any] = Field(default_factory=dict)
    """Free-form values the bot's actions read (the legal bot's answer deadlines, queues...)."""

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}' (an IANA name such as Europe/Moscow)") from None
        return value

    @model_validator(mode="after")
    def _default_listed(self) -> BotFile:
        if self.default_locale not in self.locales:
            raise ValueError(f"default_locale '{self.default_locale}' is not in locales")
        return self


BranchBody.model_rebuild()

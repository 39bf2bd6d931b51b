"""The YAML a bot designer writes, as pydantic models (unknown keys are errors).

These models only describe shape; references (flows, actions, text keys), templates and
regexes are checked when :mod:`dialogs.compiler` turns them into :mod:`dialogs.model`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from dialogs.paging import DEFAULT_PER_PAGE, MAX_PER_PAGE

Name = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)]
Expect = Literal["text", "phone", "number", "email", "contact", "file", "any"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HandoffSpec(_Strict):
    queue: Name
    reason: Name
    note: str | None = None


class TargetSpec(_Strict):
    """Where to go: exactly one of a flow or a human."""

    goto: Name | None = None
    handoff: HandoffSpec | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> TargetSpec:
        if (self.goto is None) == (self.handoff is None):
            raise ValueError("give exactly one of 'goto' or 'handoff'")
        return self


class ButtonSpec(_Strict):
    title: str
    value: Any = None
    goto: Name | None = None
    handoff: HandoffSpec | None = None

    @model_validator(mode="after")
    def _one_destination(self) -> ButtonSpec:
        if self.goto is not None and self.handoff is not None:
            raise ValueError("a button goes either to a flow ('goto') or to a human ('handoff'), not both")
        return self


class AttachmentSpec(_Strict):
    url: str
    kind: Literal["document", "image", "audio"] = "document"
    file_name: str | None = None
    mime_type: str | None = None


class SayBody(_Strict):
    text: str = ""
    attachment: AttachmentSpec | None = None


class ChoicesSpec(_Strict):
    """Choices that come from an action's records, one page at a time (see :mod:`dialogs.paging`).

    ``title``, ``description`` and ``value`` are templates over one record, ``item``.
    """

    from_: Name = Field(alias="from")
    title: str
    description: str | None = None
    value: str
    per_page: int = Field(default=DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE)
    on_error: TargetSpec | None = None


class AskBody(_Strict):
    text: str
    buttons: list[ButtonSpec] = Field(default_factory=list, max_length=10)
    choices: ChoicesSpec | None = None
    expect: Expect | None = None
    save_as: Name | None = None
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1)
    pattern: str | None = None
    min: float | None = None
    max: float | None = None
    invalid: str | None = None
    max_attempts: int | None = Field(default=None, ge=1)
    on_fail: TargetSpec | None = None
    contact_button: str | None = None

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
        if self.on_fail is not None and self.max_attempts is None:
            raise ValueError("'on_fail' needs 'max_attempts'")
        return self


class ActionBody(_Strict):
    name: Name
    on_error: TargetSpec | None = None


class BranchBody(_Strict):
    if_: str = Field(alias="if")
    then: Name | list[StepSpec]
    else_: Name | list[StepSpec] = Field(default_factory=list, alias="else")


class SayStep(_Strict):
    say: str | SayBody


class AskStep(_Strict):
    ask: AskBody


class BranchStep(_Strict):
    branch: BranchBody


class GotoStep(_Strict):
    goto: Name


class CallStep(_Strict):
    call: Name


class ActionStep(_Strict):
    action: Name | ActionBody


class HandoffStep(_Strict):
    handoff: HandoffSpec


class SetStep(_Strict):
    set: dict[Name, Any]


class EndStep(_Strict):
    end: Literal[True] = True


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
    description: str | None = None
    steps: list[StepSpec] = Field(min_length=1)

    @field_validator("steps", mode="before")
    @classmethod
    def _bare_steps(cls, value: Any) -> Any:
        return [_bare_end(step) for step in value] if isinstance(value, list) else value


class TriggerSpec(_Strict):
    match: list[str] = Field(min_length=1)
    goto: Name | None = None
    handoff: HandoffSpec | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> TriggerSpec:
        if (self.goto is None) == (self.handoff is None):
            raise ValueError("give exactly one of 'goto' or 'handoff'")
        return self


class FlowsFile(_Strict):
    flows: dict[Name, FlowSpec] = Field(default_factory=dict)
    triggers: list[TriggerSpec] = Field(default_factory=list)


class SystemTexts(_Strict):
    """Catalog keys of the texts the engine itself says."""

    not_understood: str = "system.not_understood"
    button_inactive: str = "system.button_inactive"
    invalid_answer: str = "system.invalid_answer"
    choose_button: str = "system.choose_button"
    unsupported_input: str = "system.unsupported_input"
    too_short: str = "system.too_short"
    too_long: str = "system.too_long"
    invalid_phone: str = "system.invalid_phone"
    invalid_number: str = "system.invalid_number"
    number_out_of_range: str = "system.number_out_of_range"
    invalid_email: str = "system.invalid_email"
    expected_file: str = "system.expected_file"
    expected_contact: str = "system.expected_contact"
    share_contact: str = "system.share_contact"
    action_failed: str = "system.action_failed"
    welcome: str = "system.welcome"
    start_button: str = "system.start_button"
    choose: str = "system.choose"
    previous_page: str = "system.previous_page"
    next_page: str = "system.next_page"
    page: str = "system.page"
    handed_off: str = "system.handed_off"


class ActionServerSpec(_Strict):
    url: str = Field(pattern=r"^https?://")
    actions: list[Name] = Field(min_length=1)


class BotFile(_Strict):
    name: Name
    default_locale: str = "ru"
    locales: list[str] = Field(default_factory=lambda: ["ru"], min_length=1)
    start: Name
    fallback: TargetSpec | None = None
    system_texts: SystemTexts = Field(default_factory=SystemTexts)
    action_server: ActionServerSpec | None = None
    settings: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _default_listed(self) -> BotFile:
        if self.default_locale not in self.locales:
            raise ValueError(f"default_locale '{self.default_locale}' is not in locales")
        return self


BranchBody.model_rebuild()

"""A bot compiled from YAML: immutable, every reference already checked.

A flow is a flat tuple of steps. Inline ``branch`` arms are laid out in the same tuple and
joined with :class:`Jump`, so a position in a dialog is always just (flow, step index).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from adapters.action_protocol import DEFAULT_PER_PAGE
from dialogs.dates import DEFAULT_ZONE
from dialogs.schema import Expect, SystemTexts
from dialogs.templates import Expression, Template, TextCatalog

__all__ = [
    "ActionServer",
    "Ask",
    "AttachmentLink",
    "Branch",
    "Call",
    "Choice",
    "ChoiceList",
    "CompiledBot",
    "End",
    "Expression",
    "Flow",
    "Goto",
    "HandOff",
    "Handoff",
    "Jump",
    "RunAction",
    "Say",
    "SetSlots",
    "Step",
    "Target",
    "Template",
    "TextCatalog",
    "Trigger",
]


@dataclass(frozen=True, slots=True)
class Handoff:
    queue: str
    reason: str
    note: Template | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """Where a dialog continues: a flow, or a human."""

    goto: str | None = None
    handoff: Handoff | None = None


@dataclass(frozen=True, slots=True)
class AttachmentLink:
    url: str
    kind: Literal["document", "image", "audio"]
    file_name: str | None = None
    mime_type: str | None = None


@dataclass(frozen=True, slots=True)
class Say:
    text: Template | None
    attachment: AttachmentLink | None = None


@dataclass(frozen=True, slots=True)
class Choice:
    """A button an ask offers; pressing it saves ``value`` (if the ask saves) and may leave the flow."""

    title: Template
    value: Any = None
    goto: str | None = None
    handoff: Handoff | None = None


@dataclass(frozen=True, slots=True)
class ChoiceList:
    """Choices made from the records of ``action`` (or of the list in ``slot``), ``per_page`` at a
    time; templates over ``item``."""

    action: str | None
    title: Template
    value: Template
    description: Template | None = None
    per_page: int = DEFAULT_PER_PAGE
    on_error: Target | None = None
    slot: str | None = None

    @property
    def source(self) -> str:
        """Where the records come from, as a designer names it: `list_requests`, `slots.lawyers`."""
        return self.action if self.action is not None else f"slots.{self.slot}"


@dataclass(frozen=True, slots=True)
class Ask:
    text: Template
    choices: tuple[Choice, ...] = ()
    listing: ChoiceList | None = None
    expect: Expect | None = None
    save_as: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: re.Pattern[str] | None = None
    minimum: float | None = None
    maximum: float | None = None
    future: bool = False
    invalid: str | None = None
    max_attempts: int | None = None
    on_fail: Target | None = None
    contact_button: Template | None = None
    shape: str = ""
    """A digest of what the answer means (buttons and where they go, expect, save_as...), not of
    its texts: a client's answer to an ask whose shape changed under them is not taken."""


@dataclass(frozen=True, slots=True)
class Branch:
    """Continue at the next step when ``condition`` holds, else at ``else_step``."""

    condition: Expression
    else_step: int


@dataclass(frozen=True, slots=True)
class Jump:
    step: int


@dataclass(frozen=True, slots=True)
class Goto:
    flow: str


@dataclass(frozen=True, slots=True)
class Call:
    flow: str


@dataclass(frozen=True, slots=True)
class RunAction:
    name: str
    on_error: Target | None = None


@dataclass(frozen=True, slots=True)
class HandOff:
    handoff: Handoff


@dataclass(frozen=True, slots=True)
class SetSlots:
    values: tuple[tuple[str, Template | Any], ...]


@dataclass(frozen=True, slots=True)
class End:
    pass


Step = Say | Ask | Branch | Jump | Goto | Call | RunAction | HandOff | SetSlots | End


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class Trigger:
    phrases: frozenset[str]
    target: Target
    words: tuple[tuple[str, ...], ...] = ()
    """The phrases as dictionary forms of their words, to be found inside a sentence
    (``dialogs.keywords``); commands are left out."""

    @property
    def matches_start(self) -> bool:
        return "/start" in self.phrases


@dataclass(frozen=True, slots=True)
class ActionServer:
    url: str
    actions: frozenset[str]


@dataclass(frozen=True, slots=True)
class CompiledBot:
    name: str
    default_locale: str
    start_flow: str
    flows: Mapping[str, Flow]
    triggers: tuple[Trigger, ...]
    locales: Mapping[str, TextCatalog]
    system_texts: SystemTexts
    fallback: Target
    action_server: ActionServer | None
    settings: Mapping[str, Any]
    time_zone: str = DEFAULT_ZONE
    """Where dates a client types are read when the client's own zone is not known."""

    def catalog(self, locale: str) -> TextCatalog:
        return self.locales.get(locale) or self.locales[self.default_locale]

    def resolve_locale(self, *candidates: str | None) -> str:
        """The first candidate this bot speaks (``en-US`` counts as ``en``), else the default."""
        for candidate in candidates:
            if candidate:
                base = candidate.replace("_", "-").split("-")[0].lower()
                if base in self.locales:
                    return base
        return self.default_locale

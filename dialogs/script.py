"""Conversation scripts: a designer's test of a bot, in YAML, without a messenger.

```yaml
client: {first_name: Анна, locale: ru, phone_verified: false}
steps:
  - user: /start
  - bot: Здравствуйте, Анна
  - bot_buttons: [Новое обращение, Частые вопросы, Связаться с юристом]
  - press: Частые вопросы
  - contact: "+79991234567"
  - file: {file_name: contract.pdf}
  - handoff: {queue: lawyers, reason: asked}
  - slots: {topic: family}
```

``bot`` finds the first reply of the last turn, at or after the previous match, containing
the text (so one message may be checked twice, and replies are checked in order);
``bot_buttons`` compares every button the last turn offered, in order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError

from adapters.types import Channel, MediaKind, Reply
from dialogs.actions import ActionRunner
from dialogs.conversation import ButtonNotOfferedError, Conversation
from dialogs.engine import DialogEngine
from dialogs.model import CompiledBot
from dialogs.source import SourceDoc, load_yaml
from dialogs.turn import ClientView


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScriptClient(_Strict):
    id: str = "script-client"
    first_name: str | None = None
    locale: str = "ru"
    phone_verified: bool = False
    channel: Channel = Channel.TELEGRAM


class FileSpec(_Strict):
    file_name: str = "document.pdf"
    mime_type: str | None = "application/pdf"
    size: int | None = 1024
    media: MediaKind = MediaKind.DOCUMENT


class HandoffExpectation(_Strict):
    queue: str
    reason: str


class UserSays(_Strict):
    user: str


class UserPresses(_Strict):
    press: str


class UserStarts(_Strict):
    start: str | None = None


class UserSharesContact(_Strict):
    contact: str


class UserSendsFile(_Strict):
    file: FileSpec = Field(default_factory=FileSpec)


class BotSays(_Strict):
    bot: str


class BotOffers(_Strict):
    bot_buttons: list[str]


class BotHandsOff(_Strict):
    handoff: HandoffExpectation


class SlotsAre(_Strict):
    slots: dict[str, Any]


_KINDS = ("user", "press", "start", "contact", "file", "bot", "bot_buttons", "handoff", "slots")

ScriptStep = Annotated[
    Annotated[UserSays, Tag("user")]
    | Annotated[UserPresses, Tag("press")]
    | Annotated[UserStarts, Tag("start")]
    | Annotated[UserSharesContact, Tag("contact")]
    | Annotated[UserSendsFile, Tag("file")]
    | Annotated[BotSays, Tag("bot")]
    | Annotated[BotOffers, Tag("bot_buttons")]
    | Annotated[BotHandsOff, Tag("handoff")]
    | Annotated[SlotsAre, Tag("slots")],
    Discriminator(
        lambda value: next(iter(value), None) if isinstance(value, dict) else None,
        custom_error_type="unknown_step",
        custom_error_message=f"unknown script step; one of: {', '.join(_KINDS)}",
    ),
]


class ScriptFile(_Strict):
    name: str | None = None
    client: ScriptClient = Field(default_factory=ScriptClient)
    steps: list[ScriptStep] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class ScriptFailure:
    step: int
    line: int
    description: str
    expected: str
    actual: str


@dataclass(frozen=True, slots=True)
class ScriptResult:
    path: str
    name: str
    passed: bool
    steps_run: int
    failure: ScriptFailure | None = None

    def __str__(self) -> str:
        if self.failure is None:
            return f"PASS {self.path} ({self.name}): {self.steps_run} steps"
        failure = self.failure
        return (
            f"FAIL {self.path}:{failure.line} ({self.name}) step {failure.step} {failure.description}\n"
            f"  expected: {failure.expected}\n"
            f"  actual:   {failure.actual}"
        )


def discover_scripts(bot_dir: Path) -> list[Path]:
    return sorted((bot_dir / "tests").glob("*.y*ml"))


async def run_script(
    bot: CompiledBot, script_path: Path, actions: ActionRunner, *, client_id: str | None = None
) -> ScriptResult:
    """Run one script; ``client_id`` replaces the script's client id (a real client for real actions)."""
    path = str(script_path)
    doc = load_yaml(script_path, path)
    if not isinstance(doc, SourceDoc):
        return _broken(path, doc.line, str(doc))
    try:
        script = ScriptFile.model_validate(doc.data)
    except ValidationError as error:
        problems = doc.validation_errors(error)
        return _broken(path, problems[0].line, "\n".join(str(problem) for problem in problems))
    client = ClientView(
        id=client_id or script.client.id,
        first_name=script.client.first_name,
        locale=script.client.locale,
        phone_verified=script.client.phone_verified,
        channel=script.client.channel.value,
    )
    conversation = Conversation(
        DialogEngine(bot, actions), client, channel=script.client.channel, chat_id=f"chat-{client.id}"
    )
    runner = _ScriptRun(conversation)
    name = script.name or script_path.stem
    for index, step in enumerate(script.steps):
        problem = await runner.step(step)
        if problem is not None:
            line = doc.error(("steps", index), "").line
            failure = ScriptFailure(index + 1, line, _describe(step), *problem)
            return ScriptResult(path, name, False, index + 1, failure)
    return ScriptResult(path, name, True, len(script.steps))


def _broken(path: str, line: int, message: str) -> ScriptResult:
    failure = ScriptFailure(0, line, "(script cannot be read)", "a valid script", message)
    return ScriptResult(path, Path(path).stem, False, 0, failure)


def _describe(step: BaseModel) -> str:
    return ", ".join(f"{key}: {value}" for key, value in step.model_dump(mode="json").items())


class _ScriptRun:
    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.unread: list[Reply] = []

    async def step(self, step: BaseModel) -> tuple[str, str] | None:
        """Play one step; a failed expectation comes back as (expected, actual)."""
        conversation = self.conversation
        match step:
            case UserSays(user=text):
                await conversation.send(text)
            case UserPresses(press=title):
                try:
                    await conversation.press(title)
                except ButtonNotOfferedError as error:
                    return f"a button titled {title!r}", f"buttons {error.offered}"
            case UserStarts(start=payload):
                await conversation.start(payload)
            case UserSharesContact(contact=phone):
                await conversation.share_contact(phone)
            case UserSendsFile(file=spec):
                await conversation.send_file(
                    spec.file_name, mime_type=spec.mime_type, size=spec.size, media=spec.media
                )
            case BotSays(bot=text):
                return self._expect_text(text)
            case BotOffers(bot_buttons=titles):
                offered = conversation.button_titles
                return None if offered == titles else (str(titles), str(offered))
            case BotHandsOff(handoff=expected):
                handoff = conversation.last.handoff if conversation.last else None
                actual = f"queue={handoff.queue} reason={handoff.reason}" if handoff else "no handoff"
                wanted = f"queue={expected.queue} reason={expected.reason}"
                return None if actual == wanted else (wanted, actual)
            case SlotsAre(slots=expected):
                actual_slots = conversation.slots
                differing = {
                    key: actual_slots.get(key)
                    for key, value in expected.items()
                    if actual_slots.get(key) != value
                }
                return None if not differing else (str(expected), str(differing))
        if isinstance(step, UserSays | UserPresses | UserStarts | UserSharesContact | UserSendsFile):
            self.unread = list(conversation.last.replies) if conversation.last else []
        return None

    def _expect_text(self, text: str) -> tuple[str, str] | None:
        for index, reply in enumerate(self.unread):
            if text in reply.text:
                self.unread = self.unread[index:]
                return None
        return f"a reply containing {text!r}", _quote(reply.text for reply in self.unread)


def _quote(texts: Iterable[str]) -> str:
    shown = list(texts)
    return " | ".join(repr(text) for text in shown) if shown else "no unread replies"

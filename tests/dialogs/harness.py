"""A fluent test client for dialogs: ``await flow.send("hi"); await flow.press("Новое обращение")``."""

from __future__ import annotations

from pathlib import Path

from adapters.types import Channel, Reply
from cabinet_api.actions import cabinet_actions
from dialogs.actions import ActionRunner, LocalActions
from dialogs.conversation import Conversation
from dialogs.engine import DialogEngine
from dialogs.loader import load_bot
from dialogs.model import CompiledBot
from dialogs.turn import ClientView
from tests.dialogs.sample_actions import (
    AllCases,
    CasePage,
    CreateRequest,
    Explode,
    ForbiddenCases,
    GoElsewhere,
    ListRequests,
    LookupRequestStatus,
    Teleport,
    TouchSystemSlot,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LEGAL_DIR = PROJECT_ROOT / "bots" / "legal"
LAB_DIR = Path(__file__).resolve().parent / "bots" / "lab"
SAMPLE_ACTIONS = (
    CreateRequest,
    LookupRequestStatus,
    ListRequests,
    Explode,
    TouchSystemSlot,
    CasePage,
    AllCases,
    ForbiddenCases,
    GoElsewhere,
    Teleport,
)
SAMPLE_ACTION_NAMES = frozenset(action().name() for action in SAMPLE_ACTIONS)


def sample_actions() -> LocalActions:
    return LocalActions([action() for action in SAMPLE_ACTIONS])


def load_lab() -> CompiledBot:
    return load_bot(LAB_DIR, known_actions=SAMPLE_ACTION_NAMES)


def load_legal() -> CompiledBot:
    return load_bot(LEGAL_DIR, known_actions={action.name() for action in cabinet_actions()})


class DialogHarness(Conversation):
    @classmethod
    def for_bot(
        cls,
        bot: CompiledBot,
        actions: ActionRunner | None = None,
        *,
        first_name: str | None = "Анна",
        locale: str = "ru",
        channel: Channel = Channel.TELEGRAM,
    ) -> DialogHarness:
        client = ClientView(id="client-1", first_name=first_name, locale=locale, channel=channel.value)
        return cls(DialogEngine(bot, actions or sample_actions()), client, channel=channel)

    def reply_containing(self, fragment: str) -> Reply:
        for reply in self.last.replies if self.last else ():
            if fragment in reply.text:
                return reply
        raise AssertionError(f"no reply contains {fragment!r}; replies: {self.texts}")

    def assert_reply(self, fragment: str) -> None:
        self.reply_containing(fragment)

    def assert_buttons(self, *titles: str) -> None:
        assert self.button_titles == list(titles)

    def assert_handoff(self, queue: str, reason: str) -> None:
        assert self.last is not None
        assert self.last.handoff is not None, f"no handoff; replies: {self.texts}"
        assert (self.last.handoff.queue, self.last.handoff.reason) == (queue, reason)

    def assert_waiting(self) -> None:
        assert self.session is not None
        assert self.session.waiting is not None

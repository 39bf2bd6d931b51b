"""The bot hands off after N turns in a row it did not understand; free text is told from commands."""

from __future__ import annotations

from adapters.types import ButtonPress, StartBody, TextBody
from bots.pipeline.handoff_hooks import is_free_text, not_understood_handoff
from dialogs.engine import DialogEngine
from dialogs.turn import ClientView
from tests.cabinet_api.conftest import inbound
from tests.dialogs.harness import load_lab, sample_actions


async def test_the_third_misunderstood_turn_in_a_row_hands_off_and_an_understood_one_resets() -> None:
    bot = load_lab()
    engine = DialogEngine(bot, sample_actions())
    client = ClientView(id="c1")
    session = None
    counts, handoffs = [], []
    start = StartBody()
    for body in (
        start,
        _text("абракадабра"),
        _text("ещё абракадабра"),
        _text("снова"),
        start,
        _text("опять"),
    ):
        result = await engine.turn(inbound(body), session, client)
        session = result.session
        counts.append(result.not_understood)
        handoffs.append(not_understood_handoff(bot, result))

    assert counts == [0, 1, 2, 3, 0, 1]
    assert [handoff is not None for handoff in handoffs] == [False, False, False, True, False, False]
    assert handoffs[3] is not None
    assert handoffs[3].reason == "not_understood"


def _text(text: str) -> TextBody:
    return TextBody(text=text)


def test_commands_and_buttons_are_not_free_text() -> None:
    bot = load_lab()

    assert is_free_text(bot, None, TextBody(text="У меня вопрос по договору аренды")) is True
    assert is_free_text(bot, None, TextBody(text="/start")) is False
    assert is_free_text(bot, None, ButtonPress(payload="x")) is False
    assert is_free_text(bot, None, StartBody()) is False

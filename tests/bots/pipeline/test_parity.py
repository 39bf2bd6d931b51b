"""The same conversation on Telegram, Viber and WhatsApp, through each fake and the real webhook path.

Each channel renders differently (an inline keyboard, a Viber keyboard, WhatsApp buttons or a
list), but what the client is told and offered must be the same: the semantic transcript (texts
and choice titles of every turn) is compared across the three channels.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import aiohttp
import pytest

from tests.support.telegram_user import TelegramUser
from tests.support.viber_user import ViberUser
from tests.support.whatsapp_user import WhatsAppUser


class ChatUser(Protocol):
    async def send(self, text: str) -> list[Any]: ...

    async def press(self, title: str) -> list[Any]: ...

    async def send_sticker(self) -> list[Any]: ...


Step = Callable[[Any], Awaitable[list[Any]]]

SCRIPT: list[tuple[str, Step]] = [
    ("start", lambda user: user.send("/start")),
    ("new request", lambda user: user.press("Новое обращение")),
    ("topic", lambda user: user.press("Семейное право")),
    ("urgency", lambda user: user.press("Обычный вопрос")),
    ("sticker instead of text", lambda user: user.send_sticker()),
    ("description", lambda user: user.send("Бывший супруг не платит алименты уже полгода")),
    ("skip the file", lambda user: user.press("Пропустить")),
    ("answer format", lambda user: user.press("Устно")),
    ("confirm", lambda user: user.press("Отправить")),
    ("free text outside a question", lambda user: user.send("а сколько это стоит?")),
    ("faq", lambda user: user.press("Частые вопросы")),
    ("ask for a person", lambda user: user.send("юрист")),
]


def _title(value: str) -> str:
    return value.removesuffix("…")


def _text(text: str) -> str:
    """Whitespace folded; request numbers, deadlines and queue places masked (each channel files its
    own request and joins the queue behind the channels before it, and a minute may turn between them)."""
    text = re.sub(r"№\d+", "№N", " ".join(text.split()))
    text = re.sub(r"\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}", "DD.MM.YYYY HH:MM", text)
    return re.sub(r"(место в очереди|place in the queue): \d+", r"\1: N", text)


def _turn(messages: list[Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    texts = tuple(_text(m.text) for m in messages if m.text)
    titles = tuple(_title(t) for m in messages for t in m.titles())
    return texts, titles


async def _transcript(user: ChatUser) -> list[tuple[str, tuple[tuple[str, ...], tuple[str, ...]]]]:
    transcript = []
    for name, step in SCRIPT:
        transcript.append((name, _turn(await step(user))))
    return transcript


@pytest.fixture
def stack_settings() -> dict[str, object]:
    """Chats unthrottled: each channel paces a chat at its own platform's rate, and a turn's last
    message must not arrive after the transcript has moved to the next step."""
    return {f"{channel}_chat_burst": 1000 for channel in ("telegram", "viber", "whatsapp")}


@pytest.fixture
def users(http: aiohttp.ClientSession, demo: str) -> dict[str, ChatUser]:
    return {
        "telegram": TelegramUser(http, demo, user_id=7101, first_name="Ольга"),
        "viber": ViberUser(http, demo, user_id="vbUser7101==", name="Ольга"),
        "whatsapp": WhatsAppUser(http, demo, wa_id="79990007101", name="Ольга"),
    }


async def test_one_script_gives_one_transcript_on_every_channel(users: dict[str, ChatUser]) -> None:
    transcripts = {channel: await _transcript(user) for channel, user in users.items()}
    telegram = transcripts["telegram"]
    assert {"Новое обращение", "Частые вопросы", "Связаться с юристом"} <= set(telegram[0][1][1])
    assert any("принято" in text for text in telegram[8][1][0]), telegram[8]
    for channel in ("viber", "whatsapp"):
        for (step, expected), (_, actual) in zip(telegram, transcripts[channel], strict=True):
            expected_texts, expected_titles = expected
            actual_texts, actual_titles = actual
            assert actual_texts == expected_texts, f"{channel}, step {step!r}"
            assert len(actual_titles) == len(expected_titles), f"{channel}, step {step!r}"
            for want, got in zip(expected_titles, actual_titles, strict=True):
                assert want.startswith(got), f"{channel}, step {step!r}: {got!r} is not {want!r}"


async def test_sticker_where_text_is_expected_gets_a_polite_reask(users: dict[str, ChatUser]) -> None:
    for user in users.values():
        await user.send("/start")
        await user.press("Новое обращение")
        await user.press("Семейное право")
        await user.press("Обычный вопрос")
        texts, _ = _turn(await user.send_sticker())
        assert any("не понимаю" in text for text in texts), texts
        assert any("Опишите" in text for text in texts), texts

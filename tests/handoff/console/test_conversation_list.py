"""The conversation lists of the console API, on both stacks: the line each item shows under the client's
name (``preview``), beside the client's own newest message and the newest message of anyone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bots.app.settings import Settings
from tests.support.app import serving
from tests.support.console_user import ConsoleUser
from tests.support.telegram_user import TelegramUser
from tests.support.waiting import drained

ASKED = "Хочу поговорить с юристом о разводе"
URGENT = "Это срочно: суд через неделю"
ANSWER = "Здравствуйте, Ольга! Расскажите, что за суд."


@pytest.fixture
async def lawyer(stack: Settings) -> AsyncIterator[ConsoleUser]:
    person = ConsoleUser(stack.base_url)
    yield person
    await person.close()


async def item_of(person: ConsoleUser, view: str, name: str) -> dict[str, Any]:
    items = (await person.get("/conversations", params={"view": view}))["items"]
    [found] = [item for item in items if item["client"]["name"] == name]
    return dict(found)


def said(message: dict[str, Any] | None) -> tuple[str, str] | None:
    return None if message is None else (message["author"], message["text"])


async def test_a_waiting_client_shows_their_words_and_a_person_talking_the_newest_of_the_talk(
    http: aiohttp.ClientSession, stack: Settings, lawyer: ConsoleUser
) -> None:
    async with serving(stack):
        await lawyer.login("lawyer")
        telegram = TelegramUser(http, stack.base_url, user_id=9601, first_name="Ольга")
        await telegram.send("/start")
        await telegram.share_contact("+79990009601")
        told = await telegram.send(ASKED)
        assert any("место в очереди: 1" in message.text for message in told), [m.text for m in told]

        waiting = await item_of(lawyer, "queue", "Ольга")
        assert waiting["state"] == "queued"
        assert said(waiting["preview"]) == ("client", ASKED)
        assert said(waiting["client_message"]) == ("client", ASKED)
        assert waiting["last_message"]["author"] == "system"
        assert "место в очереди" in waiting["last_message"]["text"]

        status, _ = await telegram.post_update(telegram.message_update(URGENT))
        assert status == 200
        assert await drained(http, stack.base_url, within=10.0)
        waiting = await item_of(lawyer, "queue", "Ольга")
        assert said(waiting["preview"]) == ("client", URGENT)
        assert said(waiting["last_message"]) == ("client", URGENT)

        path = f"/conversations/{waiting['id']}"
        taken = (await lawyer.post(f"{path}/take"))["conversation"]
        assert said(taken["preview"]) == ("client", URGENT)
        assert taken["last_message"]["author"] == "system"
        assert "подключил" in taken["last_message"]["text"]

        await lawyer.post(f"{path}/messages", {"text": ANSWER}, expect=201)
        talking = await item_of(lawyer, "mine", "Ольга")
        assert said(talking["preview"]) == ("person", ANSWER)
        assert talking["preview"]["person"]["login"] == "lawyer"
        assert said(talking["client_message"]) == ("client", URGENT)
        packet = await lawyer.get(path)
        assert said(packet["preview"]) == ("person", ANSWER)


async def test_a_waiting_client_who_only_pressed_buttons_shows_the_button_they_pressed_last(
    http: aiohttp.ClientSession, stack: Settings, lawyer: ConsoleUser
) -> None:
    async with serving(stack):
        await lawyer.login("lawyer")
        telegram = TelegramUser(http, stack.base_url, user_id=9602, first_name="Глеб")
        await telegram.send("/start")
        await telegram.share_contact("+79990009602")
        await telegram.press("Частые вопросы")
        await telegram.press("Главное меню")
        told = await telegram.press("Связаться с юристом")
        assert any("место в очереди: 1" in message.text for message in told), [m.text for m in told]

        waiting = await item_of(lawyer, "queue", "Глеб")

        assert said(waiting["preview"]) == ("client", "Связаться с юристом")
        assert waiting["preview"]["kind"] == "button"
        assert waiting["client_message"] is None
        assert waiting["last_message"]["author"] == "system"
        packet = await lawyer.get(f"/conversations/{waiting['id']}")
        assert said(packet["preview"]) == ("client", "Связаться с юристом")

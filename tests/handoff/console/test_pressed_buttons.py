"""A button the client pressed reads in the console as the words on it, not as «a sticker or something»."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bots.app.settings import Settings
from tests.support.app import serving
from tests.support.console_user import ConsoleUser
from tests.support.telegram_user import TelegramUser


@pytest.fixture
async def supervisor(stack: Settings) -> AsyncIterator[ConsoleUser]:
    async with serving(stack):
        person = ConsoleUser(stack.base_url)
        await person.login("supervisor")
        yield person
        await person.close()


def _presses(entries: list[dict[str, Any]]) -> list[str | None]:
    return [entry["text"] for entry in entries if entry["kind"] == "button"]


async def test_the_history_names_each_button_the_client_pressed(
    supervisor: ConsoleUser, stack: Settings, http: aiohttp.ClientSession
) -> None:
    telegram = TelegramUser(http, stack.base_url, user_id=7301, first_name="Олег")
    await telegram.send("/start")
    await telegram.press("Новое обращение")
    await telegram.press("Трудовые споры")
    await telegram.send("оператор")
    [item] = (await supervisor.get("/conversations", params={"view": "queue"}))["items"]

    packet = await supervisor.get(f"/conversations/{item['id']}")

    assert _presses(packet["history"]) == ["Новое обращение", "Трудовые споры"]


async def test_a_press_that_arrives_after_the_cursor_is_named_too(
    supervisor: ConsoleUser, stack: Settings, http: aiohttp.ClientSession
) -> None:
    """A tab catching up reads only what came after its cursor; the bot's offer is before it."""
    telegram = TelegramUser(http, stack.base_url, user_id=7302, first_name="Ирина")
    await telegram.send("/start")
    menu = telegram.last
    await telegram.send("оператор")
    [item] = (await supervisor.get("/conversations", params={"view": "queue"}))["items"]
    cursor = (await supervisor.get(f"/conversations/{item['id']}"))["cursor"]

    [button] = [b for message in menu for b in message.buttons if b["text"] == "Мои обращения"]
    await telegram.press_data(button["callback_data"], menu[-1])
    entries = await supervisor.entries_until(
        item["id"], lambda entry: entry["kind"] == "button", after=cursor
    )

    assert _presses(entries) == ["Мои обращения"]

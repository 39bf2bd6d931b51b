"""The whole way, on the real demo app: a client in the simulator page, a person in the console page.

A client writes «оператор» in the Telegram simulator and is told their place in the queue; the
conversation appears live in the console with the context packet; the reply reaches the fake Telegram;
the client follows up from WhatsApp with the same verified phone and it lands in the same conversation;
closing it asks the client to rate.
"""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser, Page, expect

from tests.handoff.console.test_console_pages import history, sign_in
from tests.handoff.console.world import ConsoleWorld

pytestmark = pytest.mark.browser

REPLY_MS = 15_000
PHONE = "+79000000001"
REPLY = "Здравствуйте! Меня зовут Иван, я юрист. Вижу ваши обращения — расскажите, что случилось."


def bot_message(simulator: Page, text: str) -> Any:
    return simulator.locator(".message-bot").filter(has_text=text)


async def simulator_send(simulator: Page, text: str) -> None:
    composer = simulator.get_by_role("textbox", name="Сообщение")
    await composer.fill(text)
    await composer.press("Enter")


async def telegram_outbox_texts(base_url: str) -> list[str]:
    async with aiohttp.ClientSession() as http, http.get(f"{base_url}/fake/telegram/outbox") as answer:
        calls = (await answer.json())["calls"]
    return [str((call.get("body") or {}).get("text", "")) for call in calls]


async def test_a_client_is_served_across_channels_from_the_console(
    browser: Browser, page: Page, world: ConsoleWorld
) -> None:
    base_url = world.base_url
    await sign_in(page, world, "lawyer")
    client_context = await browser.new_context(viewport={"width": 1100, "height": 900}, locale="ru-RU")
    simulator = await client_context.new_page()
    await simulator.goto(f"{base_url}/")

    # The client verifies their phone in Telegram (the cabinet asks for it), then asks for a person.
    await simulator.get_by_role("textbox", name="Имя").fill("Анна")
    phone = simulator.locator("#phone")
    await phone.fill(PHONE)
    await phone.press("Tab")
    await simulator_send(simulator, "/start")
    await bot_message(simulator, "Чем могу помочь?").get_by_role("button", name="Мои обращения").click()
    await simulator.get_by_role("button", name="Поделиться номером").last.click(timeout=REPLY_MS)
    await simulator.get_by_role("dialog").get_by_role("button", name="Поделиться").click()
    await expect(simulator.locator(".message-bot").last).to_be_visible(timeout=REPLY_MS)
    await simulator_send(simulator, "оператор")
    await expect(bot_message(simulator, "место в очереди")).to_be_visible(timeout=REPLY_MS)

    # The conversation appears live in the console, with the context packet.
    item = page.locator("#conversation-list .conv-item").filter(has_text="Анна")
    await expect(item).to_be_visible(timeout=REPLY_MS)
    await item.click()
    context = page.get_by_role("complementary", name="Контекст")
    await expect(context.get_by_role("heading", name=re.compile("Анна"))).to_be_visible()
    await expect(context.locator('[data-section="requests"] .card-row').first).to_be_visible()
    await expect(context.locator('[data-section="recordings"] audio[controls]')).to_have_count(1)
    await expect(history(page).locator(".msg-bot").first).to_be_visible()
    await expect(history(page).locator(".msg-in").filter(has_text="оператор")).to_have_count(1)

    # The person takes it and replies; the reply goes through the fake Telegram.
    await page.locator("#take-button").click()
    box = page.get_by_role("textbox", name="Ответ клиенту")
    await box.fill(REPLY)
    await box.press("Enter")
    await expect(bot_message(simulator, REPLY)).to_be_visible(timeout=REPLY_MS)
    assert REPLY in await telegram_outbox_texts(base_url)

    # The same client writes from WhatsApp: it lands in the same conversation.
    await simulator.get_by_role("tab", name="WhatsApp").click()
    await expect(simulator.get_by_test_id("user-id")).to_have_text(PHONE.lstrip("+"))
    await simulator_send(simulator, "Пишу из WhatsApp: договор пришлю сюда")
    follow_up = history(page).locator(".msg-in").filter(has_text="Пишу из WhatsApp")
    await expect(follow_up).to_have_count(1, timeout=REPLY_MS)
    await expect(follow_up.locator(".channel-mark")).to_have_attribute("aria-label", "WhatsApp")

    # Closing asks the client to rate the conversation in their channel.
    await page.get_by_role("button", name="Закрыть", exact=True).click()
    await (
        page.get_by_role("dialog", name="Закрыть диалог").get_by_role("button", name="Закрыть диалог").click()
    )
    await expect(page.locator(".chat-banner")).to_contain_text("Диалог закрыт", timeout=REPLY_MS)
    await expect(bot_message(simulator, "Оцените")).to_be_visible(timeout=REPLY_MS)
    await client_context.close()

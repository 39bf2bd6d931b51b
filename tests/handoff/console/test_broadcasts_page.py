"""The broadcasts page in Chromium, as a supervisor uses it: compose, see who would get it, send, watch."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.handoff.console.test_console_pages import LIVE_MS, open_from_queue, sign_in
from tests.handoff.console.world import Client, ConsoleWorld

pytestmark = pytest.mark.browser

GLEB = Client("Глеб", 7121, "79990007121")
VERA = Client("Вера", 7122, "79990007122")


async def test_a_supervisor_composes_sees_the_audience_sends_and_watches_it_done(
    page: Page, world: ConsoleWorld
) -> None:
    await world.client_starts(GLEB)
    await world.client_starts(VERA)
    await sign_in(page, world, "supervisor")

    await page.get_by_role("link", name="Рассылки").click()
    await expect(page.get_by_role("heading", name="Рассылки", level=1)).to_be_visible()
    await page.get_by_label("Название").fill("Новый тариф")
    await page.get_by_label("Текст сообщения").fill(
        "С 1 декабря консультации юриста — круглосуточно и без выходных."
    )
    await expect(page.locator(".bc-phone")).to_contain_text("круглосуточно")
    await expect(page.locator(".audience-total")).to_have_text("2 клиента", timeout=LIVE_MS)
    await page.locator(".bc-check").filter(has_text="Viber").click()
    await page.locator(".bc-check").filter(has_text="WhatsApp").click()
    await expect(page.locator(".audience-channels")).to_have_text("Telegram · 2")
    await page.get_by_role("button", name="Запустить рассылку").click()

    card = page.locator(".bc-card").filter(has_text="Новый тариф")
    await expect(card.locator(".bc-status")).to_have_text("Отправлена", timeout=LIVE_MS)
    await expect(card.locator(".bc-stat").filter(has_text="Адресатов").locator("dd")).to_have_text("2")
    assert "круглосуточно" in " ".join(await world.texts_to(GLEB, "telegram"))
    await expect(page.get_by_label("Название")).to_have_value("")
    await expect(page.locator(".bc-check input:checked")).to_have_count(3)
    await expect(page.get_by_label("Надпись на кнопке")).to_have_count(2)
    await expect(page.get_by_label("Надпись на кнопке").first).to_have_value("Да, интересно")
    await expect(page.get_by_label("Не писать после низкой оценки, дней")).to_have_value("30")

    await world.client_asks_for_person(GLEB)
    await page.get_by_role("link", name="Диалоги").click()
    await open_from_queue(page, GLEB.name)
    marked = page.locator(".msg").filter(has_text="Рассылка «Новый тариф»")
    await expect(marked).to_contain_text("круглосуточно")
    in_context = page.get_by_role("group").filter(has_text="Рассылки").filter(has_text="Новый тариф")
    await expect(in_context).to_have_count(1)


async def test_an_audience_of_nobody_cannot_be_sent(page: Page, world: ConsoleWorld) -> None:
    await sign_in(page, world, "supervisor")
    await page.goto(f"{world.base_url}/console/#/broadcasts")

    await page.get_by_label("Писали за последние, дней").fill("1")
    await page.get_by_label("Открытое обращение").select_option("yes")

    await expect(page.locator(".audience-total")).to_have_text("0 клиентов", timeout=LIVE_MS)
    await expect(page.get_by_role("button", name="Запустить рассылку")).to_be_disabled()


async def test_a_template_the_bot_does_not_declare_is_refused_with_the_reason(
    page: Page, world: ConsoleWorld
) -> None:
    await world.client_starts(GLEB)
    await sign_in(page, world, "supervisor")
    await page.goto(f"{world.base_url}/console/#/broadcasts")

    await page.get_by_label("Название").fill("Новости")
    await page.get_by_label("Текст сообщения").fill("С 1 декабря консультации юриста — круглосуточно.")
    await page.locator(".bc-more summary").click()
    await page.get_by_label("Шаблон бота").fill("no_such_template")
    await expect(page.locator(".audience-total")).to_have_text("1 клиент", timeout=LIVE_MS)
    await page.get_by_role("button", name="Запустить рассылку").click()

    await expect(page.get_by_role("alert")).to_have_text(
        "Шаблона «no_such_template» для WhatsApp у бота нет: сначала объявите его в настройках бота."
    )
    await expect(page.locator(".bc-card")).to_have_count(0)


async def test_an_operator_has_no_broadcasts(page: Page, world: ConsoleWorld) -> None:
    await sign_in(page, world, "operator")
    await expect(page.get_by_role("link", name="Рассылки")).to_have_count(0)

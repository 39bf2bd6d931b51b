"""The designer's side of the simulator, in Chromium: the flow graph of the bot being tried, and
live reload: an edited flow file answers on the next message, a broken one shows its errors while
the last good version answers, until it is fixed.

The app runs a copy of the legal bot in ``tmp_path`` (the test edits it; never ``bots/legal``).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Page, async_playwright, expect

from bots.app.settings import PROJECT_ROOT
from tests.conftest import CHROMIUM_ARGS
from tests.support.app import demo_settings, running_app
from tests.support.waiting import eventually

REPLY_TIMEOUT_MS = 10_000
RELOAD_TIMEOUT_MS = 10_000
MENU_TEXT = '          text: "{{ t.menu.question }}"\n'


@pytest.fixture
def legal_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "bots" / "legal"
    shutil.copytree(PROJECT_ROOT / "bots" / "legal", copy)
    return copy


@pytest.fixture
async def studio(tmp_path: Path, legal_copy: Path) -> AsyncIterator[str]:
    async with running_app(demo_settings(tmp_path, bots=[str(legal_copy)])) as base_url:
        async with aiohttp.ClientSession() as http:

            async def webhook_set() -> bool:
                params = {"method": "setWebhook"}
                async with http.get(f"{base_url}/fake/telegram/outbox", params=params) as response:
                    return any(call["ok"] for call in (await response.json())["calls"])

            await eventually(webhook_set, "the bot registers its webhook")
        yield base_url


@pytest.fixture
async def page(chromium_path: str) -> AsyncIterator[Page]:
    """A Chromium page; a JavaScript error on it fails the test."""
    errors: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")
            page.on("pageerror", lambda error: errors.append(str(error)))
            yield page
        finally:
            await browser.close()
    assert errors == []


async def _send(page: Page, text: str) -> None:
    composer = page.get_by_role("textbox", name="Сообщение")
    await composer.fill(text)
    await composer.press("Enter")


def _bot_message(page: Page, text: str) -> Any:
    return page.locator(".message-bot").filter(has_text=text)


def _rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.browser
async def test_the_flow_graph_shows_the_flows_of_the_bot_being_tried(
    studio: str, page: Page, tmp_path: Path
) -> None:
    await page.goto(f"{studio}/")
    await page.get_by_role("button", name="Схема").click()

    graph = page.get_by_test_id("flow-graph")
    await expect(page.get_by_role("dialog", name="Схема бота legal")).to_be_visible()
    await expect(graph.locator('g[data-id="flow_main_menu"]')).to_contain_text("▶ main_menu")
    for flow in ("menu", "new_request", "faq", "refund_confirm"):
        await expect(graph.locator(f'g[data-id="flow_{flow}"]')).to_be_visible()
    await expect(graph.locator("g.node-handoff")).to_have_count(2)
    await expect(graph.locator("text.edge-label", has_text="Новое обращение").first).to_be_visible()
    await expect(page.get_by_role("link", name="Mermaid")).to_have_attribute(
        "href", "/studio/bots/legal/graph?format=mermaid"
    )
    screenshot = tmp_path / "simulator-graph.png"
    await page.screenshot(path=str(screenshot))
    assert screenshot.stat().st_size > 10_000


@pytest.mark.browser
async def test_an_edited_flow_file_answers_on_the_next_message(
    studio: str, page: Page, legal_copy: Path
) -> None:
    await page.goto(f"{studio}/")
    await _send(page, "меню")
    await expect(_bot_message(page, "Чем могу помочь?")).to_be_visible(timeout=REPLY_TIMEOUT_MS)

    _rewrite(legal_copy / "flows" / "main.yaml", MENU_TEXT, '          text: "Что у вас случилось?"\n')
    toast = page.get_by_role("status").filter(has_text="перезагружен")
    await expect(toast).to_be_visible(timeout=RELOAD_TIMEOUT_MS)

    await _send(page, "меню")
    await expect(_bot_message(page, "Что у вас случилось?")).to_be_visible(timeout=REPLY_TIMEOUT_MS)


@pytest.mark.browser
async def test_a_broken_flow_file_shows_its_error_while_the_old_text_answers(
    studio: str, page: Page, legal_copy: Path, tmp_path: Path
) -> None:
    flows = legal_copy / "flows" / "main.yaml"
    good = flows.read_text(encoding="utf-8")
    await page.goto(f"{studio}/")
    await _send(page, "меню")
    await expect(_bot_message(page, "Чем могу помочь?")).to_have_count(1, timeout=REPLY_TIMEOUT_MS)

    broken = good.replace(MENU_TEXT, '          text: "Что у вас случилось?\n', 1)
    flows.write_text(broken, encoding="utf-8")
    after = good[: good.index(MENU_TEXT)].count("\n") + 1
    errors = page.get_by_test_id("reload-errors")
    await expect(errors).to_be_visible(timeout=RELOAD_TIMEOUT_MS)
    await expect(errors).to_contain_text("Бот не перезагружен: в YAML ошибки.")
    # The unclosed quote takes in the next line (`buttons:`); the parser stops at the first button.
    where = re.compile(rf"^legal/flows/main\.yaml:{after + 2}:\d+: YAML syntax error")
    await expect(errors.locator("li").first).to_have_text(where)
    screenshot = tmp_path / "simulator-reload-error.png"
    await page.screenshot(path=str(screenshot))

    await _send(page, "меню")
    await expect(_bot_message(page, "Чем могу помочь?")).to_have_count(2, timeout=REPLY_TIMEOUT_MS)

    flows.write_text(good.replace(MENU_TEXT, '          text: "Что у вас случилось?"\n', 1), encoding="utf-8")
    await expect(errors).to_be_hidden(timeout=RELOAD_TIMEOUT_MS)
    await _send(page, "меню")
    await expect(_bot_message(page, "Что у вас случилось?")).to_be_visible(timeout=REPLY_TIMEOUT_MS)

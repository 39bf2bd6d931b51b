"""The simulator page: served by the app, and driven in Chromium against the whole demo app.

The browser tests go the full way a person's message goes after ``make run``: the page posts an
update in the messenger's own webhook format (Telegram, Viber or WhatsApp) to that fake platform,
which signs it and delivers it to the bot's webhook; the bot answers through the platform's API,
and the page reads those calls from the fake's outbox and draws them as that messenger would.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from playwright.async_api import Page, async_playwright, expect
from ruamel.yaml import YAML

from bots.app.factory import create_app
from bots.app.settings import PROJECT_ROOT, Settings
from bots.demo import DemoMode
from bots.demo.web import mount_simulator
from tests.conftest import CHROMIUM_ARGS

REPLY_TIMEOUT_MS = 10_000
HELPDESK_DIR = Path(__file__).resolve().parent / "helpdesk"


def _catalog(locale: str) -> dict[str, Any]:
    """The demo bot's texts, its ``system.*`` over the packaged defaults as the bot reads them."""
    path = PROJECT_ROOT / "bots" / "legal" / "locales" / f"{locale}.yaml"
    defaults = PROJECT_ROOT / "dialogs" / "system_texts" / f"{locale}.yaml"
    loaded: dict[str, Any] = YAML(typ="safe").load(path)
    system: dict[str, Any] = YAML(typ="safe").load(defaults)["system"]
    loaded["system"] = {**system, **loaded.get("system", {})}
    return loaded


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _wait_for_webhook(base_url: str) -> None:
    """The bot registers its webhook with the fake Telegram shortly after the server starts."""
    async with aiohttp.ClientSession() as http:
        for _ in range(150):
            if await _webhook_registered(http, base_url):
                return
            await asyncio.sleep(0.1)
    raise AssertionError("the demo bot did not register its Telegram webhook within 15 s")


async def _webhook_registered(http: aiohttp.ClientSession, base_url: str) -> bool:
    query = {"method": "setWebhook"}
    async with http.get(f"{base_url}/fake/telegram/outbox", params=query) as response:
        calls = (await response.json())["calls"]
    return any(call["ok"] for call in calls)


@pytest.fixture
async def demo_server(tmp_path: Path) -> AsyncIterator[str]:
    settings = Settings(
        demo=True,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/omnicab.db",
        redis_url=None,
        port=_free_port(),
        data_dir=tmp_path,
    )
    runner = web.AppRunner(create_app(settings, demo=DemoMode()))
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    try:
        await _wait_for_webhook(settings.base_url)
        yield settings.base_url
    finally:
        await runner.cleanup()


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


# ---- in the browser, against the demo app ------------------------------------------------------


@pytest.mark.browser
async def test_a_client_opens_the_menu_and_reads_an_faq_answer(
    demo_server: str, page: Page, tmp_path: Path
) -> None:
    ru = _catalog("ru")
    await page.goto(f"{demo_server}/")
    await page.get_by_role("textbox", name="Имя").fill("Анна")

    await _send(page, "/start")

    greeting = ru["menu"]["greeting"].format(name="Анна")
    await expect(_bot_message(page, greeting)).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    menu = _bot_message(page, ru["menu"]["question"])
    await expect(menu.get_by_role("button", name=ru["menu"]["faq"])).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    await expect(menu.get_by_role("button", name=ru["menu"]["new_request"])).to_be_visible()

    await menu.get_by_role("button", name=ru["menu"]["faq"]).click()

    questions = _bot_message(page, ru["faq"]["question"])
    deadlines = questions.get_by_role("button", name=ru["faq"]["deadlines"]["title"])
    await expect(deadlines).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    await deadlines.click()

    answer = ru["faq"]["deadlines"]["answer"]
    await expect(_bot_message(page, answer[:60])).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    await expect(page.locator(".message-user .status-check-double")).to_have_count(1)

    screenshot = tmp_path / "simulator-faq.png"
    await page.screenshot(path=str(screenshot))
    assert screenshot.stat().st_size > 10_000


@pytest.mark.browser
async def test_a_client_files_a_request_with_an_attached_document(demo_server: str, page: Page) -> None:
    ru = _catalog("ru")
    request = ru["request"]

    async def press(title: str) -> None:
        button = page.locator(".message-bot").last.get_by_role("button", name=title, exact=True)
        await expect(button).to_be_visible(timeout=REPLY_TIMEOUT_MS)
        await button.click()

    await page.goto(f"{demo_server}/")
    await _send(page, "/start")
    await press(ru["menu"]["new_request"])
    await press(ru["topics"]["labor"])
    await press(request["urgency_normal"])
    await expect(_bot_message(page, request["describe"][:40])).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    await _send(page, "Работодатель не выплатил зарплату за два месяца")
    await expect(_bot_message(page, request["skip"])).to_be_visible(timeout=REPLY_TIMEOUT_MS)

    await page.locator("#file-input").set_input_files(
        {"name": "трудовой договор.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n" + b"0" * 4096}
    )

    await expect(page.locator(".message-user .file-name")).to_have_text("трудовой договор.pdf")
    await press(ru["formats"]["written"])
    summary = page.locator(".message-bot").last
    await expect(summary).to_contain_text("трудовой договор.pdf", timeout=REPLY_TIMEOUT_MS)
    await press(request["send"])
    created = request["created"].split("{", 1)[0]
    await expect(_bot_message(page, created)).to_be_visible(timeout=REPLY_TIMEOUT_MS)


@pytest.mark.browser
async def test_language_switch_and_a_new_user_reach_the_bot(demo_server: str, page: Page) -> None:
    en = _catalog("en")
    await page.goto(f"{demo_server}/")
    first_id = await page.get_by_test_id("user-id").inner_text()

    await page.get_by_role("radio", name="English").click()
    await page.get_by_role("button", name="Новый пользователь").click()
    await expect(page.get_by_test_id("user-id")).not_to_have_text(first_id)
    await page.get_by_role("textbox", name="Имя").fill("Mary")
    await page.get_by_role("button", name="Начать").click()

    await expect(_bot_message(page, en["menu"]["greeting"].format(name="Mary"))).to_be_visible(
        timeout=REPLY_TIMEOUT_MS
    )
    await expect(page.get_by_role("button", name=en["menu"]["faq"])).to_be_visible(timeout=REPLY_TIMEOUT_MS)

    await page.reload()
    await expect(_bot_message(page, en["menu"]["greeting"].format(name="Mary"))).to_be_visible()
    await expect(page.get_by_role("radio", name="English")).to_have_attribute("aria-checked", "true")


async def _open_tab(page: Page, demo_server: str, title: str) -> None:
    await page.goto(f"{demo_server}/")
    await page.get_by_role("tab", name=title).click()
    await expect(page.get_by_role("tab", name=title)).to_have_attribute("aria-selected", "true")


@pytest.mark.browser
async def test_a_viber_client_opens_the_chat_and_uses_the_keyboard(
    demo_server: str, page: Page, tmp_path: Path
) -> None:
    ru = _catalog("ru")
    await _open_tab(page, demo_server, "Viber")
    await expect(page.locator("#chat")).to_have_attribute("data-channel", "viber")
    keyboard = page.get_by_role("group", name="Клавиатура Viber")

    await expect(_bot_message(page, ru["system"]["welcome"][:40])).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    await keyboard.get_by_role("button", name=ru["system"]["start_button"]).click()

    await expect(_bot_message(page, ru["menu"]["question"])).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    faq = keyboard.get_by_role("button", name=ru["menu"]["faq"])
    await expect(faq).to_be_visible()
    await expect(page.locator(".message-bot .inline-keyboard")).to_have_count(0)
    await faq.click()

    deadlines = keyboard.get_by_role("button", name=ru["faq"]["deadlines"]["title"])
    await expect(deadlines).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    grid_columns = await deadlines.evaluate("node => getComputedStyle(node).gridColumnStart")
    assert grid_columns.startswith("span")
    await deadlines.click()

    answer = ru["faq"]["deadlines"]["answer"]
    await expect(_bot_message(page, answer[:60])).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    await expect(page.locator(".message-user")).to_have_count(0)
    await expect(page.locator("#api-log")).to_contain_text("welcome_message")
    await page.screenshot(path=str(tmp_path / "simulator-viber.png"))


@pytest.mark.browser
async def test_telegram_asks_for_the_phone_with_a_button_under_the_input_that_shares_the_contact(
    demo_server: str, page: Page, tmp_path: Path
) -> None:
    """Regression: the reply keyboard with «Поделиться номером» was drawn above the input, where
    Telegram never puts it, so the request read as a bare bubble; Telegram shows it under the input."""
    ru = _catalog("ru")
    await page.goto(f"{demo_server}/")
    phone = await page.locator("#phone").input_value()
    await _send(page, "/start")
    my_requests = _bot_message(page, ru["menu"]["question"]).get_by_role(
        "button", name=ru["menu"]["my_requests"]
    )
    await expect(my_requests).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    await my_requests.click()

    keyboard = page.get_by_role("group", name="Клавиатура бота")
    share = keyboard.get_by_role("button", name=ru["system"]["share_contact"])
    await expect(share).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    hint = ru["system"]["share_contact_hint"].format(button=ru["system"]["share_contact"])
    await expect(_bot_message(page, hint)).to_have_count(1)
    bare = page.locator(".message-bot .text").filter(
        has_text=re.compile(rf"^\s*{ru['system']['share_contact']}\s*$")
    )
    await expect(bare).to_have_count(0)
    composer = await page.get_by_role("textbox", name="Сообщение").bounding_box()
    button = await share.bounding_box()
    assert composer is not None
    assert button is not None
    assert button["y"] >= composer["y"] + composer["height"]
    await page.screenshot(path=str(tmp_path / "simulator-telegram-contact.png"))

    async with page.expect_response(lambda response: response.url.endswith("/fake/telegram/updates")) as sent:
        await share.click()
        await page.get_by_role("dialog").get_by_role("button", name="Поделиться").click()
    delivery = await sent.value
    update = json.loads(delivery.request.post_data or "{}")
    message = update["message"]
    assert message["contact"] == {
        "phone_number": phone,
        "first_name": message["from"]["first_name"],
        "user_id": message["from"]["id"],
    }
    assert (await delivery.json())["delivered"] is True

    await expect(page.locator(".message-user").filter(has_text=phone)).to_be_visible()
    await expect(_bot_message(page, ru["requests"]["empty"][:40])).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    await expect(share).to_be_hidden()


@pytest.mark.browser
async def test_telegram_sends_a_text_over_4096_characters_as_two_messages_answered_in_order(
    two_bots_server: str, page: Page
) -> None:
    """Regression: the composer cut a pasted text at 4,096 characters without a word; Telegram's apps
    send a longer text as several messages, each within the limit, cut at a space."""
    first = "Первая часть вопроса: " + "работодатель задерживает зарплату " * 130
    second = "Вторая часть вопроса: " + "прошу помочь с претензией " * 20
    text = (first + second).strip()
    assert 4096 < len(text) <= 5000
    await page.goto(f"{two_bots_server}/")
    await page.get_by_role("radiogroup", name="Кому пишем").get_by_role("radio", name="Справочная").click()
    await _send(page, "меню")
    await expect(_bot_message(page, "Что вы хотите узнать?")).to_be_visible(timeout=REPLY_TIMEOUT_MS)

    composer = page.get_by_role("textbox", name="Сообщение")
    await composer.fill(text)
    await expect(page.locator("#text-counter")).to_contain_text("Telegram разделит на 2 сообщения")
    await composer.press("Enter")

    users = page.locator(".message-user")
    await expect(users).to_have_count(3, timeout=REPLY_TIMEOUT_MS)
    parts = [await users.nth(index).locator(".text").inner_text() for index in (1, 2)]
    assert all(len(part) <= 4096 for part in parts)
    assert parts[0].startswith("Первая часть")
    assert " ".join(parts) == " ".join(text.split())
    await expect(page.locator(".message-user .status-alert")).to_have_count(0)
    await expect(page.locator(".notice")).to_have_count(0)
    heard = page.locator(".message-bot").filter(has_text="Справочная записала вопрос:")
    await expect(heard).to_have_count(2, timeout=REPLY_TIMEOUT_MS)
    await expect(heard.nth(0)).to_contain_text("Первая часть")
    await expect(heard.nth(1)).to_contain_text(parts[1][:60])


@pytest.mark.browser
@pytest.mark.parametrize(("tab", "limit"), [("Viber", r"7\s000"), ("WhatsApp", r"65\s536")])
async def test_viber_and_whatsapp_refuse_a_text_over_their_limit_visibly(
    demo_server: str, page: Page, tmp_path: Path, tab: str, limit: str
) -> None:
    """Regression: the composer cut a pasted text at 4,096 characters on every tab without a word."""
    await _open_tab(page, demo_server, tab)
    size = {"Viber": 7001, "WhatsApp": 65537}[tab]
    composer = page.get_by_role("textbox", name="Сообщение")
    await composer.fill("я" * size)
    counter = page.locator("#text-counter")
    await expect(counter).to_have_class("composer-counter is-over")
    await composer.press("Enter")
    refusal = re.compile(rf"{tab} не отправит сообщение длиннее {limit} символов")
    await expect(page.locator("#toast")).to_contain_text(refusal)
    await expect(page.locator(".message-user")).to_have_count(0)
    assert len(await composer.input_value()) == size
    await page.screenshot(path=str(tmp_path / f"simulator-too-long-{tab.lower()}.png"))


async def _pick_from_list(page: Page, message: Any, title: str) -> None:
    """WhatsApp's list message: the button under the bubble opens a sheet; pick a row, then send.

    Row titles are cut to WhatsApp's 24 characters, so a row is found by the start of its title.
    """
    opener = message.locator(".wa-action")
    await expect(opener).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    await opener.click()
    sheet = page.get_by_role("dialog")
    await sheet.get_by_role("radio", name=title[:20]).check()
    await sheet.get_by_role("button", name="Отправить").click()
    await expect(sheet).to_have_count(0)


@pytest.mark.browser
async def test_a_whatsapp_client_picks_from_lists_and_presses_reply_buttons(
    demo_server: str, page: Page, tmp_path: Path
) -> None:
    ru = _catalog("ru")
    await _open_tab(page, demo_server, "WhatsApp")
    await expect(page.get_by_test_id("user-id")).to_have_text("79000000001")

    await page.get_by_role("button", name="Начать").click()

    await _pick_from_list(page, _bot_message(page, ru["menu"]["question"]), ru["menu"]["faq"])
    await expect(page.locator(".message-user").filter(has_text=ru["menu"]["faq"])).to_be_visible()
    await _pick_from_list(page, _bot_message(page, ru["faq"]["question"]), ru["faq"]["deadlines"]["title"])

    answer = ru["faq"]["deadlines"]["answer"]
    await expect(_bot_message(page, answer[:60])).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    follow_up = _bot_message(page, ru["faq"]["next"])
    await expect(follow_up.locator(".wa-action")).to_have_count(3, timeout=REPLY_TIMEOUT_MS)
    await expect(page.locator(".message-user .status-check-double")).to_have_count(3)
    await page.screenshot(path=str(tmp_path / "simulator-whatsapp.png"))

    await follow_up.get_by_role("button", name=ru["faq"]["more"]).click()
    await expect(_bot_message(page, ru["faq"]["question"])).to_have_count(2, timeout=REPLY_TIMEOUT_MS)


@pytest.mark.browser
async def test_each_tab_keeps_its_own_chat(demo_server: str, page: Page) -> None:
    ru = _catalog("ru")
    await page.goto(f"{demo_server}/")
    await _send(page, "/start")
    telegram_menu = _bot_message(page, ru["menu"]["question"])
    await expect(telegram_menu.locator(".inline-button")).not_to_have_count(0, timeout=REPLY_TIMEOUT_MS)

    await page.get_by_role("tab", name="WhatsApp").click()
    await expect(page.locator(".message")).to_have_count(0)
    await _send(page, "меню")
    await expect(_bot_message(page, ru["menu"]["question"]).locator(".wa-action")).not_to_have_count(
        0, timeout=REPLY_TIMEOUT_MS
    )

    await page.get_by_role("tab", name="Telegram").click()
    await expect(telegram_menu.locator(".inline-button")).not_to_have_count(0)
    await expect(page.locator(".wa-action")).to_have_count(0)


@pytest.mark.browser
async def test_with_one_bot_there_is_nothing_to_pick(demo_server: str, page: Page) -> None:
    ru = _catalog("ru")
    await page.goto(f"{demo_server}/")
    await page.get_by_role("textbox", name="Имя").fill("Анна")
    await _send(page, "/start")
    greeting = ru["menu"]["greeting"].format(name="Анна")
    await expect(_bot_message(page, greeting)).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    await expect(page.get_by_role("radiogroup", name="Кому пишем")).to_be_hidden()


@pytest.fixture
async def two_bots_server(tmp_path: Path) -> AsyncIterator[str]:
    """The demo app with ``legal`` and the small ``helpdesk`` bot of ``tests/bots/demo/helpdesk``."""
    settings = Settings(
        demo=True,
        bots=["legal", str(HELPDESK_DIR)],
        database_url=f"sqlite+aiosqlite:///{tmp_path}/omnicab.db",
        redis_url=None,
        port=_free_port(),
        data_dir=tmp_path,
    )
    runner = web.AppRunner(create_app(settings, demo=DemoMode()))
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    try:
        await _wait_for_webhook(settings.base_url)
        yield settings.base_url
    finally:
        await runner.cleanup()


@pytest.mark.browser
@pytest.mark.parametrize("tab", ["Telegram", "Viber", "WhatsApp"])
async def test_with_two_bots_a_person_picks_the_bot_to_write_to(
    two_bots_server: str, page: Page, tmp_path: Path, tab: str
) -> None:
    ru = _catalog("ru")
    await _open_tab(page, two_bots_server, tab)
    picker = page.get_by_role("radiogroup", name="Кому пишем")
    legal = picker.get_by_role("radio", name="Omnicab Legal")
    helpdesk = picker.get_by_role("radio", name="Справочная")
    await expect(picker.get_by_role("radio")).to_have_count(2)
    await expect(legal).to_have_attribute("aria-checked", "true")

    await helpdesk.click()
    await expect(helpdesk).to_have_attribute("aria-checked", "true")
    await expect(page.locator("#bot-name")).to_have_text("Справочная")
    await _send(page, "меню")
    await expect(_bot_message(page, "Справочная на связи.").last).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    await _send(page, "Когда вы работаете?")
    heard = _bot_message(page, "Справочная записала вопрос: Когда вы работаете?")
    await expect(heard).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    await expect(page.locator(".notice")).to_have_count(0)
    await page.screenshot(path=str(tmp_path / f"simulator-two-bots-{tab.lower()}.png"))

    await legal.click()
    await expect(heard).to_have_count(0)
    await _send(page, "меню")
    greeting = ru["menu"]["greeting"].split("{name}")[0]
    await expect(_bot_message(page, greeting).last).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    await expect(_bot_message(page, "Справочная")).to_have_count(0)

    await helpdesk.click()
    await expect(heard).to_be_visible()
    await page.reload()
    await expect(helpdesk).to_have_attribute("aria-checked", "true")
    await expect(heard).to_be_visible()


# ---- over HTTP ---------------------------------------------------------------------------------


@pytest.fixture
async def simulator_client() -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = web.Application()
    mount_simulator(app)
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_the_page_is_served_with_a_strict_content_policy(
    simulator_client: TestClient[web.Request, web.Application],
) -> None:
    response = await simulator_client.get("/")
    assert response.status == 200
    assert response.content_type == "text/html"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    page = await response.text()
    for asset in ("/static/simulator.css", "/static/simulator.js", "/static/favicon.svg"):
        assert asset in page


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("simulator.js", "text/javascript"),
        ("telegram.js", "text/javascript"),
        ("chat-view.js", "text/javascript"),
        ("profile.js", "text/javascript"),
        ("fake-http.js", "text/javascript"),
        ("viber.js", "text/javascript"),
        ("viber-view.js", "text/javascript"),
        ("whatsapp.js", "text/javascript"),
        ("whatsapp-view.js", "text/javascript"),
        ("simulator.css", "text/css"),
        ("favicon.svg", "image/svg+xml"),
    ],
)
async def test_assets_are_served_with_their_types(
    simulator_client: TestClient[web.Request, web.Application], name: str, content_type: str
) -> None:
    response = await simulator_client.get(f"/static/{name}")
    assert response.status == 200
    assert response.content_type == content_type
    assert len(await response.read()) > 0


@pytest.mark.parametrize(
    "name", ["__init__.py", "simulator.html", "missing.js", "..%2F__init__.py", ".hidden.js"]
)
async def test_nothing_but_assets_is_served_from_the_package(
    simulator_client: TestClient[web.Request, web.Application], name: str
) -> None:
    response = await simulator_client.get(f"/static/{name}")
    assert response.status == 404


async def _share_phone(page: Page, keyboard: Any) -> None:
    await keyboard.get_by_role("button", name="Поделиться номером").click()
    await page.get_by_role("dialog").get_by_role("button", name="Поделиться").click()


@pytest.mark.browser
@pytest.mark.parametrize("tab", ["Telegram", "Viber", "WhatsApp"])
async def test_a_call_recording_plays_on_every_tab(demo_server: str, page: Page, tab: str) -> None:
    """Regression: a recording reached Viber as a file without a player and WhatsApp as media by id
    that the page could not fetch; only the Telegram tab could play it."""
    ru = _catalog("ru")
    await _open_tab(page, demo_server, tab)
    await expect(page.get_by_test_id("user-id")).not_to_have_text("—")
    await page.get_by_role("textbox", name="Имя").fill("Анна")
    if tab == "WhatsApp":
        await expect(page.get_by_test_id("user-id")).to_have_text("79000000001")
        await _send(page, ru["menu"]["recordings"])
        listed = _bot_message(page, ru["recordings"]["list"].split(",")[0])
        await _pick_from_list(page, listed.last, "Иван Смирнов")
    else:
        await page.locator("#phone").fill("+79000000001")
        await page.locator("#phone").dispatch_event("change")
        keyboard = (
            page.locator("#reply-keyboard")
            if tab == "Telegram"
            else page.get_by_role("group", name="Клавиатура Viber")
        )
        if tab == "Telegram":
            await _send(page, "/start")
            entry = _bot_message(page, ru["menu"]["question"]).get_by_role(
                "button", name=ru["menu"]["recordings"]
            )
        else:
            await keyboard.get_by_role("button", name=ru["system"]["start_button"]).click()
            entry = keyboard.get_by_role("button", name=ru["menu"]["recordings"])
        await expect(entry).to_be_visible(timeout=REPLY_TIMEOUT_MS)
        await entry.click()
        await _share_phone(page, keyboard)
        recording = (
            _bot_message(page, ru["recordings"]["list"].split(",")[0]).get_by_role("button")
            if tab == "Telegram"
            else keyboard.get_by_role("button")
        ).filter(has_text="Иван Смирнов")
        await expect(recording).to_be_visible(timeout=REPLY_TIMEOUT_MS)
        await recording.click()

    player = page.locator(".message-bot audio")
    await expect(player).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    source = await player.get_attribute("src")
    assert source
    response = await page.request.get(source if source.startswith("http") else f"{demo_server}{source}")
    assert response.status == 200
    assert (response.headers.get("content-type") or "").startswith("audio/")

"""The console pages in Chromium, driven as an operator, a lawyer or a supervisor would drive them,
against the real demo app (``world``: clients write through the fake platforms)."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from playwright.async_api import Locator, Page, Request, WebSocketRoute, expect

from tests.handoff.console.screenshots import LOW_SCORE_COMMENT, serve_and_close
from tests.handoff.console.world import KNOWN_CLIENT, Client, ConsoleWorld

pytestmark = pytest.mark.browser

LIVE_MS = 10_000
ALINA = Client("Алина", 7101, "79990007101")
BORIS = Client("Борис", 7102, "79990007102")


async def sign_in(page: Page, world: ConsoleWorld, login: str = "lawyer", *, online: bool = False) -> None:
    """Signs in; the person stays "away" (as after any login) so nothing is assigned to them automatically."""
    await page.goto(f"{world.base_url}/console/")
    await page.get_by_label("Логин").fill(login)
    await page.get_by_label("Пароль", exact=True).fill("demo")
    await page.get_by_role("button", name="Войти").click()
    await expect(page.get_by_role("heading", name="Диалоги")).to_be_visible()
    later = page.get_by_role("button", name="Не сейчас")
    if await later.is_visible():
        await later.click()
    if online:
        await page.get_by_role("button", name=re.compile("^Мой статус")).click()
        await page.get_by_role("menuitemradio", name=re.compile("^На линии")).click()
        await expect(page.get_by_role("button", name="Мой статус: На линии")).to_be_visible()


def conversation_in_list(page: Page, name: str) -> Any:
    return page.locator("#conversation-list .conv-item").filter(has_text=name)


async def open_from_queue(page: Page, name: str) -> None:
    item = conversation_in_list(page, name)
    await expect(item).to_be_visible(timeout=LIVE_MS)
    await item.click()
    await expect(page.get_by_role("heading", name=name, level=2)).to_be_visible()


async def take(page: Page, name: str) -> None:
    await open_from_queue(page, name)
    await page.locator("#take-button").click()
    await expect(page.get_by_role("textbox", name="Ответ клиенту")).to_be_visible()


async def serving(page: Page, world: ConsoleWorld, client: Client, login: str = "lawyer") -> Locator:
    """Signs in, lets ``client`` ask for a person and takes the conversation; answers the reply box."""
    await sign_in(page, world, login)
    await world.client_asks_for_person(client)
    await take(page, client.name)
    return page.get_by_role("textbox", name="Ответ клиенту")


async def reply(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Ответ клиенту")
    await box.fill(text)
    await box.press("Enter")


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Waits (up to LIVE_MS) for something outside the page, such as what reached the client."""
    deadline = time.monotonic() + LIVE_MS / 1000
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {LIVE_MS} ms: {what}")
        await asyncio.sleep(0.05)


async def received(world: ConsoleWorld, client: Client, text: str) -> None:
    async def check() -> bool:
        return text in await world.texts_to(client, "telegram")

    await eventually(check, f"{client.name} received {text!r}")


def history(page: Page) -> Any:
    return page.get_by_role("log", name="История переписки")


def replies(page: Page) -> Locator:
    """The people's replies in the history (not the notices the system sent the client)."""
    return history(page).locator(".msg-out:not(.is-notice)")


# ---- signing in -------------------------------------------------------------------------------


async def test_a_wrong_password_is_told_politely_and_the_form_stays(page: Page, world: ConsoleWorld) -> None:
    await page.goto(f"{world.base_url}/console/")
    await page.get_by_label("Логин").fill("operator")
    await page.get_by_label("Пароль", exact=True).fill("not the password")
    await page.get_by_role("button", name="Войти").click()

    await expect(page.get_by_role("alert")).to_contain_text("Неверный логин или пароль")
    await expect(page.get_by_label("Пароль", exact=True)).to_be_focused()
    await expect(page.get_by_label("Пароль", exact=True)).to_have_value("")


async def test_too_many_attempts_say_when_to_try_again_and_hold_the_button(
    page: Page, world: ConsoleWorld
) -> None:
    await page.goto(f"{world.base_url}/console/")
    await page.get_by_label("Логин").fill("lawyer")
    submit = page.locator(".login-form button[type=submit]")
    alert = page.get_by_role("alert")
    for _ in range(8):
        await page.get_by_label("Пароль", exact=True).fill("guess")
        await submit.click()
        await expect(submit).not_to_have_text("Входим…")
        if "Слишком много" in await alert.inner_text():
            break

    await expect(alert).to_contain_text("Слишком много попыток входа")
    await expect(alert).to_contain_text(re.compile(r"в \d{2}:\d{2}"))
    await expect(page.get_by_role("button", name=re.compile(r"^Войти · \d+:\d{2}"))).to_be_disabled()


async def test_the_session_cookie_is_sent_and_a_reload_keeps_the_person_signed_in(
    page: Page, world: ConsoleWorld
) -> None:
    await sign_in(page, world)
    await page.reload()
    await expect(page.get_by_role("heading", name="Диалоги")).to_be_visible()
    await expect(page.get_by_role("status").filter(has_text="Перерыв")).to_be_visible()


async def test_an_ended_session_sends_the_person_back_to_the_login(page: Page, world: ConsoleWorld) -> None:
    await sign_in(page, world)
    await page.context.clear_cookies()
    await page.get_by_role("button", name=re.compile("^Мой статус")).click()
    await page.get_by_role("menuitemradio", name=re.compile("^На линии")).click()

    await expect(page.get_by_role("heading", name="Вход в консоль")).to_be_visible()
    await expect(page.get_by_role("alert")).to_contain_text("Сессия закончилась")


async def test_english_is_one_click_away_and_remembered(page: Page, world: ConsoleWorld) -> None:
    await page.goto(f"{world.base_url}/console/")
    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_role("heading", name="Sign in to the console")).to_be_visible()
    await page.get_by_label("Login").fill("operator")
    await page.get_by_label("Password", exact=True).fill("demo")
    await page.get_by_role("button", name="Sign in").click()

    await expect(page.get_by_role("heading", name="Conversations")).to_be_visible()
    await expect(page.get_by_role("tab", name=re.compile("^Queue"))).to_be_visible()
    await page.reload()
    await expect(page.get_by_role("tab", name=re.compile("^Mine"))).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await page.get_by_role("button", name=re.compile("^Interface language")).click()
    await expect(page.get_by_role("tab", name=re.compile("^Очередь"))).to_be_visible()


# ---- the queue and a conversation --------------------------------------------------------------


async def test_a_new_client_appears_live_with_a_ticking_wait(page: Page, world: ConsoleWorld) -> None:
    await sign_in(page, world)
    await expect(page.get_by_text("Очередь пуста")).to_be_visible()

    await world.client_asks_for_person(ALINA)

    item = conversation_in_list(page, ALINA.name)
    await expect(item).to_be_visible(timeout=LIVE_MS)
    await expect(item.locator(".channel-mark")).to_have_attribute("aria-label", "Telegram")
    await expect(item.locator(".chip-queue").filter(has_text="Юристы")).to_have_count(1)
    await expect(page.get_by_role("tab", name=re.compile(r"^Очередь: 1"))).to_be_visible()
    wait = item.locator(".conv-wait .tick")
    first = await wait.inner_text()
    await expect(wait).not_to_have_text(first, timeout=3000)
    await expect(page).to_have_title(re.compile(r"^\(1\) "))


async def test_a_waiting_client_shows_what_they_asked_not_the_queue_notice(
    page: Page, world: ConsoleWorld
) -> None:
    await sign_in(page, world)

    told = await world.client_asks_for_person(ALINA, "Хочу поговорить с юристом о наследстве")

    assert any(text.startswith("Передаём ваш вопрос") for text in told), told
    preview = conversation_in_list(page, ALINA.name).locator(".conv-preview")
    await expect(preview).to_have_text("Хочу поговорить с юристом о наследстве", timeout=LIVE_MS)
    await world.client_writes(ALINA, "Срок принятия наследства истекает завтра")
    await expect(preview).to_have_text("Срок принятия наследства истекает завтра", timeout=LIVE_MS)


async def test_a_waiting_client_who_only_pressed_buttons_shows_the_button_they_pressed_last(
    page: Page, world: ConsoleWorld
) -> None:
    await sign_in(page, world)

    telegram = await world.client_starts(BORIS)
    await telegram.press("Частые вопросы")
    await telegram.press("Главное меню")
    await telegram.press("Связаться с юристом")

    pressed = conversation_in_list(page, BORIS.name).locator(".conv-preview")
    await expect(pressed).to_have_text("Кнопка: Связаться с юристом", timeout=LIVE_MS)
    await page.get_by_role("button", name=re.compile("^Язык интерфейса")).click()
    await expect(pressed).to_have_text("Pressed: Связаться с юристом")


async def test_take_reply_and_the_reply_reaches_the_client(page: Page, world: ConsoleWorld) -> None:
    await serving(page, world, ALINA)
    await expect(page.get_by_role("tab", name=re.compile(r"^Мои: 1"))).to_be_visible()

    await reply(page, "Здравствуйте, Алина! Чем помочь?")

    mine = replies(page).filter(has_text="Здравствуйте, Алина! Чем помочь?")
    await expect(mine).to_have_count(1)
    await expect(mine.locator(".msg-status")).to_have_text(
        re.compile("Отправлено|Доставлено|Прочитано|Ждёт отправки")
    )
    await received(world, ALINA, "Здравствуйте, Алина! Чем помочь?")


async def test_shift_enter_starts_a_new_line_and_enter_sends_both(page: Page, world: ConsoleWorld) -> None:
    box = await serving(page, world, ALINA)

    await box.type("Первая строка")
    await box.press("Shift+Enter")
    await box.type("Вторая строка")
    await expect(box).to_have_value("Первая строка\nВторая строка")
    await expect(replies(page)).to_have_count(0)
    await box.press("Enter")

    await expect(replies(page).locator(".bubble")).to_have_text("Первая строка\nВторая строка")
    await expect(box).to_have_value("")


async def test_the_clients_messages_arrive_live_in_order_and_once(page: Page, world: ConsoleWorld) -> None:
    await serving(page, world, ALINA)

    for number in range(1, 6):
        await world.client_writes(ALINA, f"сообщение {number}")

    incoming = history(page).locator(".msg-in .bubble").filter(has_text=re.compile(r"^сообщение \d$"))
    await expect(incoming).to_have_count(5, timeout=LIVE_MS)
    assert await incoming.all_inner_texts() == [f"сообщение {n}" for n in range(1, 6)]


class LiveLine:
    """The page's WebSocket, relayed to the server by Playwright: a test can hold the prompts back (a tab
    that has not heard yet) or cut the line and keep it cut (a tab that lost the connection)."""

    def __init__(self) -> None:
        self.cut = False
        self.held = False
        self.routes: list[WebSocketRoute] = []

    async def relay(self, route: WebSocketRoute) -> None:
        if self.cut:
            await route.close(code=4000, reason="cut by the test")
            return
        server = route.connect_to_server()
        server.on_message(lambda message: None if self.held else route.send(message))
        self.routes.append(route)

    async def cut_off(self) -> None:
        self.cut = True
        for route in self.routes:
            await route.close(code=4000, reason="cut by the test")
        self.routes.clear()


async def test_a_stale_tab_reconnects_and_catches_up_without_losing_or_repeating(
    page: Page, world: ConsoleWorld
) -> None:
    line = LiveLine()
    await page.route_web_socket(re.compile(r"/console/api/live$"), line.relay)
    await serving(page, world, ALINA)
    await world.client_writes(ALINA, "до обрыва")
    await expect(history(page).get_by_text("до обрыва")).to_have_count(1, timeout=LIVE_MS)

    await line.cut_off()
    await expect(page.get_by_role("status").filter(has_text="Нет связи")).to_be_visible(timeout=LIVE_MS)
    await world.client_writes(ALINA, "пока не было связи")
    await world.client_writes(ALINA, "и ещё одно")
    line.cut = False
    await page.get_by_role("button", name="Подключиться сейчас").click()

    await expect(page.get_by_role("status").filter(has_text="Нет связи")).to_be_hidden(timeout=LIVE_MS)
    await expect(history(page).get_by_text("пока не было связи")).to_have_count(1, timeout=LIVE_MS)
    await expect(history(page).get_by_text("и ещё одно")).to_have_count(1)
    await expect(history(page).get_by_text("до обрыва")).to_have_count(1)


async def test_two_people_take_at_once_and_the_second_is_told_politely(
    page: Page, world: ConsoleWorld
) -> None:
    line = LiveLine()
    await page.route_web_socket(re.compile(r"/console/api/live$"), line.relay)
    await sign_in(page, world)
    await world.client_asks_for_person(ALINA)
    await open_from_queue(page, ALINA.name)

    line.held = True
    await world.another_person_takes(ALINA, "supervisor")
    await page.locator("#take-button").click()

    await expect(page.get_by_role("alert").filter(has_text="уже взял другой сотрудник")).to_be_visible()
    await expect(page.locator(".chat-banner")).to_contain_text("Диалог ведёт", timeout=LIVE_MS)
    await expect(page.get_by_role("textbox", name="Ответ клиенту")).to_have_count(0)


async def test_a_reply_the_platform_refuses_shows_failed_and_is_retried(
    page: Page, world: ConsoleWorld
) -> None:
    await serving(page, world, ALINA)

    await world.refuse_next_reply()
    await reply(page, "Ответ, который не дойдёт")

    failed = history(page).locator(".msg-out.is-failed").filter(has_text="Ответ, который не дойдёт")
    await expect(failed.locator(".msg-status")).to_contain_text("Не отправлено", timeout=LIVE_MS)
    await failed.get_by_role("button", name="Повторить").click()
    delivered = (
        replies(page).and_(page.locator(":not(.is-failed)")).filter(has_text="Ответ, который не дойдёт")
    )
    await expect(delivered).to_have_count(1, timeout=LIVE_MS)
    await received(world, ALINA, "Ответ, который не дойдёт")


async def test_canned_replies_open_with_a_slash_and_come_filled_in(page: Page, world: ConsoleWorld) -> None:
    box = await serving(page, world, ALINA)

    await box.type("/прив")
    options = page.get_by_role("listbox", name="Шаблоны ответов").get_by_role("option")
    await expect(options).to_have_count(1)
    await box.press("Enter")

    await expect(box).to_have_value(re.compile(f"^Здравствуйте, {ALINA.name}!"))
    await expect(replies(page)).to_have_count(0)


async def test_a_private_note_stays_with_colleagues(page: Page, world: ConsoleWorld) -> None:
    await serving(page, world, ALINA)

    await page.get_by_role("radio", name="Заметка").click()
    note = page.get_by_role("textbox", name="Заметка для коллег")
    await note.fill("Клиентка просила перезвонить после 18:00")
    await note.press("Enter")

    shown = history(page).locator(".msg-note").filter(has_text="перезвонить после 18:00")
    await expect(shown).to_have_count(1)
    await expect(shown.locator(".msg-head")).to_contain_text("Заметка")
    assert all("перезвонить" not in text for text in await world.texts_to(ALINA, "telegram"))


async def test_transfer_to_a_queue_with_a_note(page: Page, world: ConsoleWorld) -> None:
    await serving(page, world, ALINA, "supervisor")

    await page.get_by_role("button", name="Передать").click()
    dialog = page.get_by_role("dialog", name="Передать диалог")
    await dialog.get_by_role("radio", name=re.compile("first_line")).check()
    await dialog.get_by_label("Заметка для коллеги").fill("Вопрос про оплату, не юридический")
    await dialog.get_by_role("button", name="Передать").click()

    await expect(dialog).to_be_hidden()
    await expect(
        page.get_by_role("alert").or_(page.locator(".toast")).filter(has_text="Диалог передан")
    ).to_be_visible()
    await expect(page.locator(".chat-header .chip-queue")).to_have_text("Первая линия", timeout=LIVE_MS)


async def test_close_with_a_reason_asks_the_client_to_rate(page: Page, world: ConsoleWorld) -> None:
    await serving(page, world, ALINA)
    await reply(page, "Рада была помочь!")

    await page.get_by_role("button", name="Закрыть", exact=True).click()
    dialog = page.get_by_role("dialog", name="Закрыть диалог")
    await expect(dialog.get_by_role("radio", name="Вопрос решён")).to_be_checked()
    await dialog.get_by_role("button", name="Закрыть диалог").click()

    await expect(page.locator(".chat-banner")).to_contain_text("Диалог закрыт: Вопрос решён", timeout=LIVE_MS)
    await expect(page.locator(".composer-locked")).to_contain_text("ответить нельзя")
    await expect(page.get_by_role("tab", name=re.compile(r"^Мои: 0"))).to_be_visible()
    await eventually(lambda: world.rating_asked(ALINA), "the client was asked to rate the conversation")


async def test_the_context_packet_shows_the_client_their_requests_and_recordings(
    page: Page, world: ConsoleWorld
) -> None:
    await sign_in(page, world)
    client = await world.client_with_history_asks_for_person()
    await open_from_queue(page, client.name)
    context = page.get_by_role("complementary", name="Контекст")

    await expect(context.get_by_role("heading", name=client.name)).to_be_visible()
    await expect(context.locator('[data-section="requests"] .card-row').first).to_be_visible()
    audio = context.locator('[data-section="recordings"] audio[controls]')
    await expect(audio).to_have_count(1)
    assert await audio.evaluate("node => node.src.includes('/console/api/files/')")
    await expect(context.locator('[data-section="channels"] .channel-row').first).to_contain_text("Telegram")
    await expect(context.locator('[data-section="handoff"]')).to_contain_text("Клиент попросил человека")


async def test_ratings_say_what_they_were_for_and_nps_is_out_of_ten(page: Page, world: ConsoleWorld) -> None:
    """The walk saw «request · _VLyteDQbnDtKdWl» under a score, and an NPS of 9 drawn as five stars."""
    telegram = await world.client_starts(KNOWN_CLIENT)
    await telegram.send("меню")
    await telegram.press("Мои обращения")
    await telegram.press("№2 · Аренда квартиры · ответ готов")
    await telegram.press("4")
    await world.client_writes(KNOWN_CLIENT, "оператор")
    conversation = await world.conversation_of(KNOWN_CLIENT)
    operator = await world.colleague("operator")
    await operator.post(f"/conversations/{conversation}/take")
    await operator.post(f"/conversations/{conversation}/close", {"reason": "Вопрос решён"})
    await telegram.replies()
    for score in ("5", "7", "9"):
        await telegram.press(score)

    await sign_in(page, world, "supervisor")
    await page.goto(f"{world.base_url}/console/#/c/{conversation}")
    rows = page.get_by_role("complementary", name="Контекст").locator('[data-section="ratings"] .card-row')

    await expect(rows.filter(has_text="за ответ по обращению №2")).to_have_count(1, timeout=LIVE_MS)
    await expect(rows.filter(has_text="за разговор с сотрудником")).to_have_count(3)
    await expect(rows.filter(has_text="Готовность рекомендовать (NPS)")).to_contain_text("9 / 10")
    await expect(rows.filter(has_text="_")).to_have_count(0)


async def test_a_record_the_bot_kept_is_folded_under_its_first_fields(
    page: Page, world: ConsoleWorld
) -> None:
    """The walk saw the request card the bot had cached spread over the panel as one long JSON line."""
    telegram = await world.client_starts(KNOWN_CLIENT)
    await telegram.send("меню")
    await telegram.press("Мои обращения")
    await telegram.press("№3 · Трудовой спор · в работе")
    await world.client_writes(KNOWN_CLIENT, "оператор")

    await sign_in(page, world)
    await open_from_queue(page, KNOWN_CLIENT.name)
    learned = page.get_by_role("complementary", name="Контекст").locator('[data-section="handoff"] .slots')
    record = learned.locator("dd details").filter(has_text="number: 3")

    await expect(record.locator("summary")).to_have_text(
        re.compile(r"^id: .+, number: 3, topic: Трудовой спор$")
    )
    await expect(record.locator("pre")).to_be_hidden()
    await record.locator("summary").click()
    await expect(record.locator("pre")).to_contain_text('"events": [')


# ---- the requests themselves -----------------------------------------------------------------


async def test_every_change_carries_the_csrf_token(page: Page, world: ConsoleWorld) -> None:
    changes: list[Request] = []
    page.on(
        "request",
        lambda request: (
            changes.append(request) if request.method in {"POST", "PUT", "PATCH", "DELETE"} else None
        ),
    )
    await serving(page, world, ALINA)
    await reply(page, "Проверка")
    await expect(replies(page)).to_have_count(1)
    await page.get_by_role("status").get_by_role("button", name="На линии").click()
    await expect(page.get_by_role("button", name="Мой статус: На линии")).to_be_visible()

    api_changes = [
        request
        for request in changes
        if "/console/api/" in request.url and not request.url.endswith("/login")
    ]
    assert {request.url.rsplit("/", 1)[-1] for request in api_changes} >= {"status", "take", "messages"}
    for request in api_changes:
        assert (await request.all_headers()).get("x-csrf-token"), request.url


# ---- the supervisor ------------------------------------------------------------------------------


async def test_the_supervisor_sees_queues_people_and_a_chart(page: Page, world: ConsoleWorld) -> None:
    await world.client_asks_for_person(ALINA)
    await sign_in(page, world, "supervisor")

    await page.get_by_role("link", name="Мониторинг").click()

    await expect(page.get_by_role("heading", name="Мониторинг смены")).to_be_visible()
    await expect(page.locator(".kpi").filter(has_text="В очереди").locator(".kpi-value")).to_have_text("1")
    queues = page.locator("section").filter(has=page.get_by_role("heading", name="Очереди"))
    await expect(queues.get_by_role("row").filter(has_text="Первая линия")).to_be_visible()
    people = page.locator("section").filter(has=page.get_by_role("heading", name="Сотрудники"))
    await expect(people.get_by_role("row").filter(has_text="Руководитель смены")).to_contain_text("Перерыв")
    await expect(page.locator(".chart-box canvas")).to_have_count(2, timeout=LIVE_MS)  # the hours, the days


async def test_the_supervisor_is_alerted_to_a_low_score_sees_the_quality_charts_and_calls_back(
    page: Page, world: ConsoleWorld
) -> None:
    operator = await world.colleague("operator")
    try:
        await serve_and_close(world, operator, BORIS, ("5", "7", "10"))
        await sign_in(page, world, "supervisor")
        await page.get_by_role("link", name="Мониторинг").click()
        quality = page.locator(".quality")
        await expect(quality.locator(".chart-box canvas")).to_have_count(1, timeout=LIVE_MS)

        await serve_and_close(world, operator, ALINA, ("2", "3", "5"))
    finally:
        await operator.close()

    await expect(page.get_by_text("Низкая оценка: CSAT 2. Открыта задача на звонок.")).to_be_visible()
    await expect(quality.locator(".kpi").filter(has_text="CSAT").locator(".kpi-value")).to_have_text(
        re.compile(r"^50\s?%$")
    )
    await expect(quality.locator(".kpi").filter(has_text="NPS").locator(".kpi-value")).to_have_text("0")
    today = page.locator(".kpi").filter(has_text="CSAT сегодня").locator(".kpi-value")
    await expect(today).to_have_text(re.compile(r"^50\s?%$"), timeout=LIVE_MS)
    tasks = quality.locator(".task")
    await expect(tasks).to_have_count(3)
    await expect(tasks.filter(has_text="NPS 5")).to_contain_text(LOW_SCORE_COMMENT)  # after the last score
    task = tasks.filter(has_text="CSAT 2")
    await task.get_by_role("button", name="Взять").click()
    await expect(task).to_contain_text("supervisor")
    await task.get_by_label("Итог звонка").select_option("explained")
    await task.get_by_role("button", name="Записать звонок").click()
    await expect(task).to_contain_text("Объяснили")
    await task.get_by_role("button", name="Закрыть").click()
    await expect(tasks).to_have_count(2)
    href = await quality.get_by_role("link", name="Скачать CSV").get_attribute("href")
    assert href is not None
    assert href.startswith("/console/api/figures.csv?from=")
    exported = await page.evaluate("(url) => fetch(url).then((response) => response.text())", href)
    assert exported.splitlines()[0].startswith("scope,name,csat,rating_avg,response_rate,ces_avg,nps")


async def test_an_operator_has_no_monitoring(page: Page, world: ConsoleWorld) -> None:
    await sign_in(page, world, "operator")
    await expect(page.get_by_role("link", name="Мониторинг")).to_have_count(0)


# ---- keyboard, accessibility, smaller screens ---------------------------------------------------------


async def test_the_workspace_works_from_the_keyboard(page: Page, world: ConsoleWorld) -> None:
    await world.client_asks_for_person(ALINA)
    await world.client_asks_for_person(BORIS)
    await sign_in(page, world)
    await expect(page.locator("#conversation-list .conv-item")).to_have_count(2, timeout=LIVE_MS)

    await page.keyboard.press("Alt+ArrowDown")
    await expect(page.get_by_role("heading", name=ALINA.name, level=2)).to_be_visible()
    await page.keyboard.press("Alt+ArrowDown")
    await expect(page.get_by_role("heading", name=BORIS.name, level=2)).to_be_visible()

    await page.get_by_role("tab", name=re.compile("^Очередь")).focus()
    await page.keyboard.press("ArrowRight")
    await expect(page.get_by_role("tab", name=re.compile("^Мои"))).to_have_attribute("aria-selected", "true")


async def test_every_control_has_a_name(page: Page, world: ConsoleWorld) -> None:
    await serving(page, world, ALINA)
    unnamed = await page.evaluate(
        """() => [...document.querySelectorAll('button, a[href], input, textarea, select, [role=tab]')]
            .filter((node) => node.offsetParent !== null)
            .filter((node) => !(node.getAttribute('aria-label') || node.textContent.trim()
                              || node.labels?.length || node.getAttribute('placeholder')
                              || node.getAttribute('title')))
            .map((node) => node.outerHTML.slice(0, 120))"""
    )
    assert unnamed == []


@pytest.mark.parametrize(("width", "height"), [(1024, 768), (820, 1180)])
async def test_a_tablet_gets_the_context_as_a_drawer(
    page: Page, world: ConsoleWorld, width: int, height: int
) -> None:
    await page.set_viewport_size({"width": width, "height": height})
    await sign_in(page, world)
    client = await world.client_with_history_asks_for_person()
    await open_from_queue(page, client.name)
    context = page.get_by_role("complementary", name="Контекст")
    await expect(context).to_be_hidden()

    await page.get_by_role("button", name="Контекст клиента").click()
    await expect(context).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(context).to_be_hidden()
    if width < 900:
        await page.get_by_role("button", name="К списку").click()
        await expect(conversation_in_list(page, client.name)).to_be_visible()


# ---- files and notifications ----------------------------------------------------------------------


async def test_a_file_goes_with_the_reply(page: Page, world: ConsoleWorld) -> None:
    await serving(page, world, ALINA)

    await page.locator(".composer input[type=file]").set_input_files(
        {"name": "претензия.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n" + b"0" * 2048}
    )
    await expect(page.locator(".file-chip")).to_contain_text("претензия.pdf")
    await reply(page, "Образец претензии во вложении")

    sent = replies(page).filter(has_text="Образец претензии во вложении")
    await expect(sent.locator(".attachment")).to_contain_text("претензия.pdf")
    await expect(sent.locator(".msg-status")).not_to_contain_text("Не отправлено")
    await expect(page.locator(".file-chip")).to_have_count(0)

    async def delivered() -> bool:
        return "претензия.pdf" in await world.files_to(ALINA)

    await eventually(delivered, "the client got the file in Telegram")


NOTICES_AND_CHIMES = """
    window.__notices = [];
    window.__chimes = 0;
    window.Notification = class {
        static permission = 'granted';
        static requestPermission() { return Promise.resolve('granted'); }
        constructor(title, options) { window.__notices.push({ title, body: options?.body }); }
        close() {}
    };
    const start = OscillatorNode.prototype.start;
    OscillatorNode.prototype.start = function (...args) {
        window.__chimes += 1;
        return start.apply(this, args);
    };
    document.hasFocus = () => false;
"""


async def test_a_new_client_in_my_queues_chimes_and_notifies_the_desktop(
    page: Page, world: ConsoleWorld
) -> None:
    await page.add_init_script(NOTICES_AND_CHIMES)
    await sign_in(page, world)
    await page.get_by_role("heading", name="Диалоги").click()

    await world.client_asks_for_person(ALINA)

    await expect(conversation_in_list(page, ALINA.name)).to_be_visible(timeout=LIVE_MS)
    notices = await page.evaluate("window.__notices")
    assert [notice["title"] for notice in notices] == [f"Новый диалог: {ALINA.name}"]
    assert "Telegram" in notices[0]["body"]
    assert await page.evaluate("window.__chimes") >= 2


# ---- the context, the queue's order, other people's conversations ---------------------------------


async def test_overdue_requests_and_card_numbers_are_shown_masked(page: Page, world: ConsoleWorld) -> None:
    client = await world.client_stuck_in_a_refund_asks_for_person()
    number = await world.crm_files_an_urgent_request(client)
    await sign_in(page, world)
    await open_from_queue(page, client.name)
    context = page.get_by_role("complementary", name="Контекст")

    overdue = context.locator(".card-row.is-overdue")
    await expect(overdue).to_have_count(1)
    await expect(overdue).to_contain_text(f"№{number}")
    await expect(overdue.locator(".deadline")).to_contain_text("просрочено")
    await expect(context.locator('[data-section="requests"] summary .count.is-alert')).to_have_text("1")
    slots = context.locator(".slots")
    await expect(slots).to_contain_text("refund_card")
    await expect(slots).to_contain_text("••••4242")
    await expect(slots).not_to_contain_text("4242 4242")
    await expect(context.locator('[data-section="recordings"] audio[controls]')).to_have_count(1)


async def test_an_emergency_leads_the_queue_and_says_so(page: Page, world: ConsoleWorld) -> None:
    await world.client_asks_for_person(ALINA)
    await world.client_has_an_emergency(BORIS)

    async def told_their_place() -> bool:
        return any("место в очереди: 1" in text for text in await world.texts_to(BORIS, "telegram"))

    await eventually(told_their_place, "the client with an emergency is first in the lawyer on duty's queue")
    await sign_in(page, world, "lawyer")

    first = page.locator("#conversation-list .conv-item").first
    await expect(first).to_contain_text(BORIS.name)
    await expect(first.locator(".chip-emergency")).to_have_text("Экстренно")
    await expect(
        page.get_by_role("tab", name=re.compile("^Очередь: 2")).locator(".count-emergency")
    ).to_be_visible()
    await first.click()
    await expect(page.locator(".chat-banner.is-danger")).to_contain_text("Экстренная консультация")
    await expect(page.locator(".chat-header .chip-queue")).to_have_text("Дежурный юрист")


async def test_a_conversation_outside_my_queues_is_explained(page: Page, world: ConsoleWorld) -> None:
    await world.client_asks_for_person(ALINA)
    conversation = await world.supervisor_moves(ALINA, "first_line")
    await sign_in(page, world, "lawyer")

    await page.goto(f"{world.base_url}/console/#/c/{conversation}")

    await expect(page.get_by_text("Этот диалог вне ваших очередей")).to_be_visible()


async def test_a_colleagues_conversation_is_read_only_but_takes_notes(
    page: Page, world: ConsoleWorld
) -> None:
    await world.client_asks_for_person(ALINA)
    await world.another_person_takes(ALINA, "lawyer")
    await sign_in(page, world, "supervisor")

    await page.get_by_role("tab", name=re.compile("^Все")).click()
    await open_from_queue(page, ALINA.name)

    await expect(page.locator(".chat-banner")).to_contain_text("Диалог ведёт Иван Смирнов")
    await expect(page.get_by_role("textbox", name="Ответ клиенту")).to_have_count(0)
    await expect(page.get_by_role("textbox", name="Заметка для коллег")).to_be_visible()


async def test_going_online_is_one_click_and_the_server_is_told(page: Page, world: ConsoleWorld) -> None:
    await sign_in(page, world)
    hint = page.get_by_role("status").filter(has_text="Перерыв")
    await expect(hint).to_be_visible()

    await hint.get_by_role("button", name="На линии").click()

    await expect(page.get_by_role("button", name="Мой статус: На линии")).to_be_visible()
    await expect(hint).to_be_hidden()
    assert await world.status_of("lawyer") == "online"


async def test_both_languages_have_every_text(page: Page, world: ConsoleWorld) -> None:
    await page.goto(f"{world.base_url}/console/")
    difference = await page.evaluate(
        """async () => {
            const ru = (await import('/console/static/strings-ru.js')).default;
            const en = (await import('/console/static/strings-en.js')).default;
            const forms = ['one', 'few', 'many', 'other'];
            const plural = (value) => Object.keys(value).every((key) => forms.includes(key));
            const keys = (object, prefix = '') => Object.entries(object).flatMap(([key, value]) =>
                value && typeof value === 'object' && !Array.isArray(value) && !plural(value)
                    ? keys(value, `${prefix}${key}.`) : [`${prefix}${key}`]);
            const [a, b] = [new Set(keys(ru)), new Set(keys(en))];
            return [[...a].filter((key) => !b.has(key)), [...b].filter((key) => !a.has(key))];
        }"""
    )
    assert difference == [[], []]

"""Takes the console screenshots of the README: ``python -m tests.handoff.console.screenshots [folder]``.

The pages run against the real demo app, after a shift played through it as it would happen: clients
write in Telegram and WhatsApp, people take, answer, note and close in the console, clients rate. Headless
Chromium at a laptop's 1440×900; the files are ``console-login.png``, ``console-workspace.png`` and
``console-supervisor.png`` and ``console-figures.png`` (the quality section: ratings, tasks, client
signals) in ``docs/screenshots`` unless another folder is given.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import tempfile
from pathlib import Path

import aiohttp
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.conftest import CHROMIUM_ARGS
from tests.handoff.console.world import KNOWN_CLIENT, Client, ConsoleWorld
from tests.support.app import demo_settings, running_app
from tests.support.console_user import ConsoleUser

DEFAULT_FOLDER = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
SERVED = (
    (Client("Олег Журавлёв", 7301, "79990007301"), "operator", ("5", "7", "10")),
    (Client("Светлана Белова", 7302, "79990007302"), "lawyer", ("5", "6", "9")),
    (Client("Кирилл Новиков", 7303, "79990007303"), "operator", ("4", "6", "8")),
    (Client("Нина Орлова", 7304, "79990007304"), "lawyer", ("5", "7", "10")),
    (Client("Денис Крылов", 7305, "79990007305"), "operator", ("3", "4", "6")),
)
LOW_SCORE_COMMENT = "Ответили только через полчаса, а вопрос был срочный."
PETR = Client("Пётр Волков", 7311, "79990007311")
MARIA = Client("Мария Кузнецова", 7312, "79990007312")
IGOR = Client("Игорь Соколов", 7313, "79990007313")


async def serve_and_close(
    world: ConsoleWorld, person: ConsoleUser, client: Client, scores: tuple[str, ...]
) -> None:
    """Served and closed; the client answers the rating questions with ``scores`` (CSAT, CES, NPS)."""
    await world.client_asks_for_person(client)
    await world.client_writes(client, "Подскажите, как вернуть деньги за неисправный товар?")
    path = f"/conversations/{await world.conversation_of(client)}"
    await person.post(f"{path}/take")
    await person.post(
        f"{path}/messages",
        {"text": "Здравствуйте! Напишите продавцу претензию: образец пришлю, срок ответа — 10 дней."},
        expect=201,
    )
    await person.post(f"{path}/close", {"reason": "Вопрос решён"})
    telegram = world.telegram_of(client)
    await telegram.replies()
    for score in scores:
        await telegram.press(score)
    if int(scores[0]) <= 3:
        await telegram.send(LOW_SCORE_COMMENT)


async def play_a_shift(world: ConsoleWorld) -> int:
    """The morning's served clients, two conversations in the lawyer's hands, three clients waiting;
    answers the id of the conversation with Анна Петрова."""
    operator = await world.colleague("operator")
    lawyer = await world.colleague("lawyer")
    admin = await world.colleague("admin")
    try:
        for client, login, scores in SERVED:
            await serve_and_close(world, operator if login == "operator" else lawyer, client, scores)
        await admin.call("PATCH", "/people/lawyer", json={"max_chats": 2})

        telegram = await world.client_starts(KNOWN_CLIENT)
        await telegram.send("Работодатель второй месяц не платит зарплату, что делать?")
        await telegram.send("оператор")
        anna = f"/conversations/{await world.conversation_of(KNOWN_CLIENT)}"
        await lawyer.post(f"{anna}/take")
        await lawyer.post(
            f"{anna}/messages",
            {
                "text": "Здравствуйте, Анна! Меня зовут Иван, я юрист. Вижу ваше обращение о задержке "
                "зарплаты. Пришлите, пожалуйста, трудовой договор — проверю сроки выплат."
            },
            expect=201,
        )
        await lawyer.post(
            f"{anna}/notes",
            {"text": "Ждёт письменный ответ по трудовому спору — ускорить, если договор подтвердит."},
            expect=201,
        )
        await world.client_writes(
            KNOWN_CLIENT, "Спасибо! Пишу с WhatsApp: договор пришлю сюда, так удобнее.", channel="whatsapp"
        )

        await world.client_asks_for_person(PETR)
        await world.client_writes(PETR, "Соседи шумят каждую ночь после 23:00. Можно ли вызвать полицию?")
        await lawyer.post(f"/conversations/{await world.conversation_of(PETR)}/take")

        await world.client_asks_for_person(MARIA)
        await world.client_writes(MARIA, "Хочу развестись, муж против. Как подать на развод через суд?")
        await world.client_has_an_emergency(IGOR)
        await world.client_writes(IGOR, "Меня вызвали на допрос завтра в 10:00, что мне говорить?")
        return int(anna.rsplit("/", 1)[1])
    finally:
        for person in (operator, lawyer, admin):
            await person.close()


async def _sign_in(page: Page, base_url: str, login: str, *, online: bool) -> None:
    await page.goto(f"{base_url}/console/")
    await page.get_by_label("Логин").fill(login)
    await page.get_by_label("Пароль", exact=True).fill("demo")
    await page.get_by_role("button", name="Войти").click()
    await page.get_by_role("button", name="Не сейчас").click()
    if not online:
        return
    await page.get_by_role("button", name="Мой статус: Перерыв").click()
    await page.get_by_role("menuitemradio", name=re.compile("^На линии")).click()
    await expect(page.get_by_role("button", name="Мой статус: На линии")).to_be_visible()


async def _shoot(browser: Browser, base_url: str, anna: int, folder: Path) -> list[Path]:
    taken: list[Path] = []
    for name, login, height in (("workspace", "lawyer", 900), ("supervisor", "supervisor", 2200)):
        context = await browser.new_context(
            viewport={"width": 1440, "height": height}, locale="ru-RU", timezone_id="Europe/Moscow"
        )
        page = await context.new_page()
        if name == "workspace":
            await page.goto(f"{base_url}/console/")
            await expect(page.get_by_role("button", name="Войти")).to_be_visible()
            taken.append(folder / "console-login.png")
            await page.screenshot(path=str(taken[-1]))
        await _sign_in(page, base_url, login, online=name == "workspace")
        if name == "workspace":
            await page.goto(f"{base_url}/console/#/c/{anna}")
            await expect(page.locator(".msg-in").last).to_contain_text("WhatsApp")
        else:
            await page.goto(f"{base_url}/console/#/supervisor")
            await expect(page.locator(".chart-box canvas")).to_have_count(2)
            await expect(page.locator(".kpis-quality .kpi")).to_have_count(8)
            await expect(page.locator(".task")).to_have_count(3)
        await page.wait_for_load_state("networkidle")
        taken.append(folder / f"console-{name}.png")
        await page.screenshot(path=str(taken[-1]))
        if name == "supervisor":
            taken.append(folder / "console-figures.png")
            await page.locator(".quality").screenshot(path=str(taken[-1]))
        await context.close()
    return taken


async def take_screenshots(folder: Path) -> list[Path]:
    chromium = os.environ.get("OMNICAB_CHROMIUM", "/usr/bin/chromium")
    with tempfile.TemporaryDirectory() as data:
        settings = demo_settings(Path(data))
        async with running_app(settings) as base_url, aiohttp.ClientSession() as http:
            anna = await play_a_shift(ConsoleWorld(http, base_url))
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                try:
                    return await _shoot(browser, base_url, anna, folder)
                finally:
                    await browser.close()


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(take_screenshots(folder)):
        print(path)


if __name__ == "__main__":
    main()

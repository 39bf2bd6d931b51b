"""The README's screenshot of the broadcasts page: ``python -m tests.handoff.console.broadcasts_screenshot``.

A crowd of demo clients reaches the bot on all three channels; one broadcast has gone out and some
clients answered it, a second is paused mid-way, a third waits for tomorrow morning, and a fourth is
being written. Headless Chromium at 1440×1280; the file is ``docs/screenshots/console-broadcasts.png``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from playwright.async_api import async_playwright, expect

from tests.conftest import CHROMIUM_ARGS
from tests.support.app import demo_settings, running_app
from tests.support.console_user import ConsoleUser
from tests.support.crowd import arrive, calls, crowd
from tests.support.telegram_user import TelegramUser
from tests.support.waiting import eventually

FOLDER = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
WEBINAR = "Завтра в 11:00 — бесплатный вебинар «Как вернуть деньги за некачественный товар». Придёте?"


async def _broadcast(person: ConsoleUser, title: str, text: str, **extra: Any) -> str:
    body = {"title": title, "text": text, **extra}
    created = await person.post("/broadcasts", body, expect=201)
    return str(created["broadcast"]["id"])


async def _progress(person: ConsoleUser, broadcast_id: str) -> dict[str, Any]:
    return dict((await person.get(f"/broadcasts/{broadcast_id}"))["broadcast"]["progress"])


async def stage(http: aiohttp.ClientSession, base_url: str, supervisor: ConsoleUser) -> None:
    people = crowd(40)
    await arrive(http, base_url, people)
    await eventually(lambda: _audience_is(supervisor, people.size), "the crowd is known", within=60)
    webinar = await _broadcast(
        supervisor,
        "Вебинар о защите прав потребителей",
        WEBINAR,
        buttons=[{"title": "Да, приду"}, {"title": "Отписаться", "action": "unsubscribe"}],
    )
    await supervisor.post(f"/broadcasts/{webinar}/schedule")
    await eventually(lambda: _all_sent(supervisor, webinar), "the webinar broadcast is out", within=60)
    sent = [c for c in await calls(http, base_url, "telegram") if c["ok"] and "вебинар" in repr(c["body"])]
    for call in sent[:9]:
        user = TelegramUser(http, base_url, user_id=int(call["chat_id"]))
        markup = call["body"]["reply_markup"]
        data = (markup if isinstance(markup, dict) else json.loads(markup))["inline_keyboard"][0][0]
        await user.press_data(data["callback_data"])

    tariffs = await _broadcast(
        supervisor,
        "Новые тарифы с 1 декабря",
        "С 1 декабря письменная консультация — за 24 часа вместо 48. Подробности в меню «Мои обращения».",
        buttons=[{"title": "Открыть меню", "action": "menu"}],
        audience={"channels": ["telegram", "viber"], "quiet_after_low_score_days": 30},
    )
    await supervisor.post(f"/broadcasts/{tariffs}/schedule")
    await eventually(
        lambda: _some_sent(supervisor, tariffs, 30), "half of the tariffs broadcast is out", every=0.01
    )
    await supervisor.post(f"/broadcasts/{tariffs}/pause")

    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(hour=7, minute=0, second=0, microsecond=0)
    reminder = await _broadcast(
        supervisor,
        "Напоминание о документах",
        "Пришлите, пожалуйста, копию договора — юрист подготовит ответ быстрее.",
        audience={"has_open_request": False, "channels": ["whatsapp"]},
        template_key="answer_ready",
    )
    await supervisor.post(f"/broadcasts/{reminder}/schedule", {"send_at": tomorrow.isoformat()})


async def _audience_is(supervisor: ConsoleUser, size: int) -> bool:
    return bool((await supervisor.post("/broadcasts/preview", {}))["total"] == size)


async def _all_sent(supervisor: ConsoleUser, broadcast_id: str) -> bool:
    progress = await _progress(supervisor, broadcast_id)
    return bool(progress["total"]) and progress["pending"] == progress["in_flight"] == 0


async def _some_sent(supervisor: ConsoleUser, broadcast_id: str, at_least: int) -> bool:
    progress = await _progress(supervisor, broadcast_id)
    return bool(progress["total"]) and progress["total"] - progress["pending"] >= at_least


async def take_screenshot(folder: Path) -> Path:
    chromium = os.environ.get("OMNICAB_CHROMIUM", "/usr/bin/chromium")
    with tempfile.TemporaryDirectory() as data:
        settings = demo_settings(Path(data), telegram_rate_per_second=10.0, viber_rate_per_second=10.0)
        async with running_app(settings) as base_url, aiohttp.ClientSession() as http:
            supervisor = ConsoleUser(base_url)
            await supervisor.login("supervisor")
            await stage(http, base_url, supervisor)
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                context = await browser.new_context(
                    viewport={"width": 1440, "height": 1280}, locale="ru-RU", timezone_id="Europe/Moscow"
                )
                page = await context.new_page()
                await page.goto(f"{base_url}/console/")
                await page.get_by_label("Логин").fill("supervisor")
                await page.get_by_label("Пароль", exact=True).fill("demo")
                await page.get_by_role("button", name="Войти").click()
                await page.get_by_role("button", name="Не сейчас").click()
                await page.goto(f"{base_url}/console/#/broadcasts")
                await page.get_by_label("Название").fill("Приглашение на приём")
                await page.get_by_label("Текст сообщения").fill(
                    "Юрист подготовил ответ по вашему обращению. Удобно обсудить его по телефону завтра?"
                )
                await page.get_by_label("Язык клиента").select_option("ru")
                await expect(page.locator(".bc-card")).to_have_count(3)
                await expect(page.locator(".audience-total")).to_have_text(re.compile(r"^[1-9]\d* клиент"))
                await page.wait_for_load_state("networkidle")
                path = folder / "console-broadcasts.png"
                await page.screenshot(path=str(path))
                await browser.close()
            await supervisor.close()
    return path


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    print(asyncio.run(take_screenshot(folder)))


if __name__ == "__main__":
    main()

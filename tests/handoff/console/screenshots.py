"""Takes the console screenshots of the README: ``python -m tests.handoff.console.screenshots [folder]``.

The pages run against the API double filled with a busy shift (``shift.py``), in headless Chromium at a
laptop's 1440×900; the files are ``console-login.png``, ``console-workspace.png`` and
``console-supervisor.png`` in ``docs/screenshots`` unless another folder is given.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from aiohttp import web
from playwright.async_api import Page, async_playwright, expect

from tests.conftest import CHROMIUM_ARGS
from tests.handoff.console.api_double import ConsoleApiDouble
from tests.handoff.console.shift import continue_with_anna, seed_shift
from tests.support.app import free_port

DEFAULT_FOLDER = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


async def _sign_in(page: Page, base_url: str, login: str) -> None:
    await page.goto(f"{base_url}/console/")
    await page.get_by_label("Логин").fill(login)
    await page.get_by_label("Пароль", exact=True).fill("demo")
    await page.get_by_role("button", name="Войти").click()
    await page.get_by_role("button", name="Не сейчас").click()


async def take_screenshots(folder: Path) -> list[Path]:
    double = ConsoleApiDouble()
    shift = seed_shift(double)
    continue_with_anna(double, shift["anna"])
    for login in ("operator", "supervisor"):
        double.people[login].status = "online"
    runner = web.AppRunner(double.app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    base_url = f"http://127.0.0.1:{port}"
    taken: list[Path] = []
    chromium = os.environ.get("OMNICAB_CHROMIUM", "/usr/bin/chromium")
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            for name, login, height in (("workspace", "operator", 900), ("supervisor", "supervisor", 1240)):
                context = await browser.new_context(
                    viewport={"width": 1440, "height": height}, locale="ru-RU"
                )
                page = await context.new_page()
                if name == "workspace":
                    await page.goto(f"{base_url}/console/")
                    await expect(page.get_by_role("button", name="Войти")).to_be_visible()
                    taken.append(folder / "console-login.png")
                    await page.screenshot(path=str(taken[-1]))
                await _sign_in(page, base_url, login)
                if name == "workspace":
                    await page.goto(f"{base_url}/console/#/c/{shift['anna'].id}")
                    await expect(page.locator(".msg-in").last).to_contain_text("WhatsApp")
                else:
                    await page.goto(f"{base_url}/console/#/supervisor")
                    await expect(page.locator(".chart-box canvas")).to_have_count(1)
                    await expect(page.locator(".kpi")).to_have_count(6)
                taken.append(folder / f"console-{name}.png")
                await page.screenshot(path=str(taken[-1]))
                await context.close()
            await browser.close()
    finally:
        await double.drop_live_connections()
        await runner.cleanup()
    return taken


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(take_screenshots(folder)):
        print(path)


if __name__ == "__main__":
    main()

"""Fixtures for the console pages in Chromium, against the real demo app (``world``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.conftest import CHROMIUM_ARGS
from tests.handoff.console.world import ConsoleWorld
from tests.support.app import demo_settings, running_app


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[ConsoleWorld]:
    """The real demo app, its clients and the people's colleagues."""
    async with running_app(demo_settings(tmp_path)) as base_url, aiohttp.ClientSession() as http:
        yield ConsoleWorld(http, base_url)


@pytest.fixture
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def laptop_page(browser: Browser) -> AsyncIterator[Page]:
    """A 1280-px laptop page in Russian; a JavaScript error on it fails the test."""
    errors: list[str] = []
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="ru-RU")
    page = await context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    await context.close()
    assert errors == []


@pytest.fixture
async def page(browser: Browser, world: ConsoleWorld) -> AsyncIterator[Page]:
    """A page on ``world``, closed before the world stops."""
    async with laptop_page(browser) as page:
        yield page

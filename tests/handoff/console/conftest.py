"""Fixtures for the console pages in Chromium.

``world`` is the real demo app. A few tests need states only an in-test double of our console API can set
up (``double_world``); they say so.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from playwright.async_api import Browser, Page, async_playwright

from tests.conftest import CHROMIUM_ARGS
from tests.handoff.console.api_double import ConsoleApiDouble
from tests.handoff.console.world import ConsoleWorld, DemoWorld, DoubleWorld
from tests.support.app import demo_settings, free_port, running_app


@pytest.fixture
def api_double() -> ConsoleApiDouble:
    return ConsoleApiDouble()


@pytest.fixture
async def double_world(api_double: ConsoleApiDouble) -> AsyncIterator[DoubleWorld]:
    runner = web.AppRunner(api_double.app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield DoubleWorld(api_double, f"http://127.0.0.1:{port}")
    finally:
        await api_double.drop_live_connections()
        await runner.cleanup()


@pytest.fixture
async def demo_world(tmp_path: Path) -> AsyncIterator[DemoWorld]:
    """The real demo app."""
    async with running_app(demo_settings(tmp_path)) as base_url, aiohttp.ClientSession() as http:
        yield DemoWorld(http, base_url)


@pytest.fixture
def world(demo_world: DemoWorld) -> ConsoleWorld:
    """The page tests run against the real demo app."""
    return demo_world


@pytest.fixture
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def _laptop_page(browser: Browser) -> AsyncIterator[Page]:
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
    """A page on ``world``, closed before the world stops (its live connection would hold the server)."""
    async with _laptop_page(browser) as page:
        yield page


@pytest.fixture
async def demo_page(browser: Browser, demo_world: DemoWorld) -> AsyncIterator[Page]:
    """A page on the real demo app, for the end-to-end test."""
    async with _laptop_page(browser) as page:
        yield page


@pytest.fixture
async def double_page(browser: Browser, double_world: DoubleWorld) -> AsyncIterator[Page]:
    """A page for the tests that only the API double can set up."""
    async with _laptop_page(browser) as page:
        yield page

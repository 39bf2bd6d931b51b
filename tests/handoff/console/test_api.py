"""The console API's guards on the real app: sessions, CSRF, roles, login attempts, the documented routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bots.app.settings import Settings
from handoff.console import ROUTES
from handoff.console.openapi import documented_path
from tests.support.app import demo_settings, serving
from tests.support.console_user import ConsoleUser


@pytest.fixture
async def app_url(tmp_path: Path) -> AsyncIterator[str]:
    settings: Settings = demo_settings(tmp_path)
    async with serving(settings):
        yield settings.base_url


@pytest.fixture
async def person(app_url: str) -> AsyncIterator[ConsoleUser]:
    user = ConsoleUser(app_url)
    yield user
    await user.close()


async def test_without_a_session_every_endpoint_answers_401(person: ConsoleUser) -> None:
    for path in ("/me", "/conversations?view=queue", "/conversations/1", "/queues", "/figures"):
        status, body = await person.call("GET", path)
        assert status == 401, path
        assert body["error"]["code"] == "unauthorized"


async def test_a_wrong_password_is_401_and_repeated_failures_are_429(person: ConsoleUser) -> None:
    for _ in range(5):
        status, _ = await person.call("POST", "/login", json={"login": "lawyer", "password": "wrong"})
        assert status == 401
    status, body = await person.call("POST", "/login", json={"login": "lawyer", "password": "demo"})

    assert status == 429
    assert body["error"]["code"] == "too_many_attempts"


async def test_unsafe_methods_need_the_csrf_token(person: ConsoleUser) -> None:
    await person.login("operator")
    token, person.csrf = person.csrf, "forged"

    status, body = await person.call("PUT", "/me/status", json={"status": "online"})
    person.csrf = token
    allowed, changed = await person.call("PUT", "/me/status", json={"status": "online"})

    assert (status, body["error"]["code"]) == (403, "csrf")
    assert (allowed, changed["person"]["status"]) == (200, "online")


async def test_roles_are_enforced_on_the_server(person: ConsoleUser, app_url: str) -> None:
    await person.login("operator")
    for path in ("/people", "/figures", "/supervisor"):
        status, _ = await person.call("GET", path)
        assert status == 403, path
    boss = ConsoleUser(app_url)
    try:
        await boss.login("supervisor")
        figures = await boss.get("/figures")
        assert {"overall", "by_channel", "by_person", "by_queue", "by_day"} <= set(figures)
        assert {"csat", "asa_s", "service_level", "aht_s", "nps", "fcr", "bot_resolved"} <= set(
            figures["overall"]
        )
        assert {person["login"] for person in (await boss.get("/people"))["items"]} == {
            "operator",
            "lawyer",
            "supervisor",
            "admin",
        }
    finally:
        await boss.close()


async def test_every_route_is_documented_and_every_documented_route_is_served(person: ConsoleUser) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{person.api}/openapi.json") as response:
        document: dict[str, Any] = await response.json()
    documented = {(method, path) for path, item in document["paths"].items() for method in item}

    assert response.status == 200
    assert document["openapi"].startswith("3.1")
    assert documented == {(route.method.lower(), documented_path(route.path)) for route in ROUTES}

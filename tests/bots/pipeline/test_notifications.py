"""A lawyer's answer posted over REST reaches the client in their messenger, and on WhatsApp
outside the 24-hour window as the declared template instead of a refused free-form message."""

from __future__ import annotations

from typing import Any

import aiohttp

from bots.app.settings import Settings
from bots.demo.channels import DEMO_TEMPLATES
from cabinet_api import cabinet_services
from cabinet_api.db import Database
from cabinet_api.demo import DEMO_FIRST_NAME, DEMO_PHONE
from cabinet_api.rest.keys import DEMO_API_KEY
from tests.support.waiting import eventually
from tests.support.whatsapp_user import WhatsAppUser

AUTH = {"Authorization": f"Bearer {DEMO_API_KEY}"}


async def _demo_client(settings: Settings) -> str:
    database = Database(settings.database_url)
    try:
        cabinet = cabinet_services(database)
        client_id = await cabinet.clients.ensure_verified_client(DEMO_PHONE, first_name=DEMO_FIRST_NAME)
        public_id = await cabinet.identity.public_id_for(client_id)
    finally:
        await database.dispose()
    assert public_id is not None
    return public_id


async def _new_request(http: aiohttp.ClientSession, demo: str, client: str) -> dict[str, Any]:
    body = {
        "client_id": client,
        "topic": "housing",
        "description": "Управляющая компания не делает перерасчёт за отопление",
        "answer_format": "written",
        "channel": "whatsapp",
    }
    async with http.post(f"{demo}/api/v1/requests", json=body, headers=AUTH) as response:
        assert response.status == 201, await response.text()
        return dict(await response.json())


async def _answer(http: aiohttp.ClientSession, demo: str, request_id: str) -> dict[str, Any]:
    form = aiohttp.FormData(
        {"lawyer": "Иван Смирнов", "text": "Вы вправе потребовать перерасчёт."}, default_to_multipart=True
    )
    async with http.post(f"{demo}/api/v1/requests/{request_id}/answer", data=form, headers=AUTH) as response:
        assert response.status in (200, 201), await response.text()
        return dict(await response.json())


async def test_answer_ready_reaches_the_client_on_whatsapp(
    http: aiohttp.ClientSession, demo: str, stack: Settings
) -> None:
    user = WhatsAppUser(http, demo, wa_id=DEMO_PHONE.lstrip("+"), name="Анна Петрова")
    await user.send("привет")
    client = await _demo_client(stack)
    created = await _new_request(http, demo, client)

    answered = await _answer(http, demo, created["public_id"])
    assert answered["notified"] is True

    replies = await user.replies()
    assert any(str(created["number"]) in message.text for message in replies), [m.text for m in replies]


async def test_outside_the_window_the_template_goes_instead(
    http: aiohttp.ClientSession, demo: str, stack: Settings
) -> None:
    user = WhatsAppUser(http, demo, wa_id=DEMO_PHONE.lstrip("+"), name="Анна Петрова")
    await user.send("привет")
    await user.replies()
    async with http.post(
        f"{demo}/fake/whatsapp/control", json={"close_window_for": [DEMO_PHONE.lstrip("+")]}
    ) as response:
        assert response.status == 200
    client = await _demo_client(stack)
    created = await _new_request(http, demo, client)
    await _answer(http, demo, created["public_id"])

    template = DEMO_TEMPLATES["answer_ready"]

    async def templates() -> list[dict[str, Any]]:
        return [call["body"] for call in await user.calls() if call["body"].get("type") == "template"]

    sent = await eventually(templates, "a template was sent")
    assert sent[-1]["template"]["name"] == template.name
    assert str(created["number"]) in str(sent[-1]["template"])

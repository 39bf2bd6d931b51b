"""What is stored is keyed by the message's durable identity, never by the platform's reusable event id."""

from __future__ import annotations

import re

import aiohttp
from sqlalchemy import func, select

from bots.app.settings import Settings
from cabinet_api.db import Database
from cabinet_api.models import Request
from tests.support.app import running_app
from tests.support.telegram_user import TelegramUser

CREATED = re.compile(r"Обращение №(\d+) принято")


LEASE_HANDOVER_SECONDS = 30.0
"""On Redis a restarted process takes the queue shards over once the stopped one's leases lapse."""


async def file_request(user: TelegramUser, description: str) -> int:
    status, _ = await user.post_update(user.message_update("/start"))
    assert status == 200
    await user.replies(wait_at_most=LEASE_HANDOVER_SECONDS)
    await user.press("Новое обращение")
    await user.press("Трудовые споры")
    await user.press("Обычный вопрос")
    await user.send(description)
    await user.press("Пропустить")
    await user.press("Письменно")
    confirmation = " ".join(message.text for message in await user.press("Отправить"))
    created = CREATED.search(confirmation)
    assert created is not None, confirmation
    return int(created.group(1))


async def test_after_a_restart_a_new_request_gets_its_own_number(stack: Settings) -> None:
    """Regression: the restarted fake numbered updates from 1 again; the request filed by the same
    update id was found and its number confirmed, and the new request was silently dropped."""
    async with aiohttp.ClientSession() as http:
        async with running_app(stack) as base_url:
            first = await file_request(TelegramUser(http, base_url, user_id=9401), "Не выплатили зарплату.")
        async with running_app(stack) as base_url:
            second = await file_request(TelegramUser(http, base_url, user_id=9401), "Не дают отпуск летом.")
    assert second != first
    database = Database(stack.database_url)
    try:
        async with database.session() as session:
            descriptions = set(await session.scalars(select(Request.description)))
            numbers = await session.scalar(select(func.count(func.distinct(Request.number))))
    finally:
        await database.dispose()
    assert {"Не выплатили зарплату.", "Не дают отпуск летом."} <= descriptions
    assert numbers is not None
    assert numbers >= 2

"""What no platform sends is refused with 400 (never a 500); what a database cannot store is stored
sanitised with a mark; one bad message of a batch never costs its neighbours their answers."""

from __future__ import annotations

import time
from typing import Any

import aiohttp
from sqlalchemy import select

from bots.app.settings import Settings
from cabinet_api.models import ChannelIdentity, Client, Message
from tests.bots.pipeline.delivery_support import app_database
from tests.support.app import serving
from tests.support.telegram_user import TelegramUser
from tests.support.whatsapp_user import WhatsAppUser


async def test_nul_in_a_text_and_a_first_name_is_stored_sanitised_with_a_mark(
    stack: Settings, http: aiohttp.ClientSession
) -> None:
    async with serving(stack) as app:
        user = TelegramUser(http, stack.base_url, user_id=9601, first_name="Ан\x00на")
        assert await user.send("/start")
        assert await user.send("вопрос\x00 о договоре"), "answered, not retried forever"
        async with app_database(app).session() as session:
            identity = await session.scalar(
                select(ChannelIdentity).where(ChannelIdentity.platform_user_id == "9601")
            )
            assert identity is not None
            first_name = await session.scalar(
                select(Client.first_name).where(Client.id == identity.client_id)
            )
            inbound = (
                await session.scalars(
                    select(Message).where(Message.client_id == identity.client_id, Message.direction == "in")
                )
            ).all()
        assert first_name == "Ан\ufffdна"
        question = next(message for message in inbound if message.text and "договоре" in message.text)
        assert question.text == "вопрос\ufffd о договоре"
        assert question.payload is not None
        assert {"body.text", "sender.first_name"} <= set(question.payload["sanitized"])


async def test_a_text_that_only_looks_unstorable_is_kept_as_typed(
    stack: Settings, http: aiohttp.ClientSession
) -> None:
    """Regression for the fast path of ingest: a typed backslash sequence is text, not a NUL."""
    typed = "путь C:\\u0000\\ud83d и 😀"
    async with serving(stack) as app:
        user = TelegramUser(http, stack.base_url, user_id=9603)
        assert await user.send("/start")
        assert await user.send(typed)
        async with app_database(app).session() as session:
            kept = await session.scalar(select(Message).where(Message.text == typed))
    assert kept is not None
    assert kept.payload is not None
    assert "sanitized" not in kept.payload


def _nested(depth: int) -> Any:
    value: Any = "дно"
    for _ in range(depth):
        value = {"x": value}
    return value


async def test_a_deep_body_and_a_lone_surrogate_are_refused_with_400(
    stack: Settings, http: aiohttp.ClientSession
) -> None:
    async with serving(stack):
        user = TelegramUser(http, stack.base_url, user_id=9602)
        deep = user.message_update("глубоко", reply_markup=_nested(250))
        status, answer = await user.post_update(deep)
        assert (status, answer["status"]) == (400, 400)
        status, answer = await user.post_update(user.message_update("\ud800 одинокий"))
        assert (status, answer["status"]) == (400, 400)
        async with http.post(
            f"{stack.base_url}/webhooks/legal/telegram",
            data=b'{"update_id": 1, "message": [[[',
            headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
        ) as response:
            assert response.status == 401, "the signature is checked before the body is read"
        assert await user.send("/start"), "the bot still answers"


async def test_a_bad_message_in_a_whatsapp_batch_is_skipped_and_its_neighbours_answered(
    stack: Settings, http: aiohttp.ClientSession
) -> None:
    async with serving(stack):
        first = WhatsAppUser(http, stack.base_url, wa_id="79990009701", name="Ольга")
        second = WhatsAppUser(http, stack.base_url, wa_id="79990009702", name="Пётр")
        now = str(int(time.time()))
        value = {
            "contacts": [
                {"profile": {"name": "Ольга"}, "wa_id": first.wa_id},
                {"profile": {"name": "Пётр"}, "wa_id": second.wa_id},
            ],
            "messages": [
                {"from": first.wa_id, "timestamp": now, "type": "text", "text": {"body": "меню"}},
                {"from": first.wa_id, "timestamp": now, "type": "text", "text": "не объект"},
                {"from": second.wa_id, "timestamp": now, "type": "text", "text": {"body": "меню"}},
            ],
        }
        notification = {
            "object": "whatsapp_business_account",
            "entry": [{"changes": [{"field": "messages", "value": value}]}],
        }
        status, answer = await first.post(notification)
        assert status == 200, answer
        # Both are first contacts (a greeting and the menu); CI under a load average of 14 took more
        # than the default 10 s. They come back as soon as they are there.
        assert await first.replies(wait_at_most=90), "the message before the bad one is answered"
        assert await second.replies(wait_at_most=90), "the message after the bad one is answered"

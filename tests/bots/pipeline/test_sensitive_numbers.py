"""A client writes a card number in the chat: the history, the console and the sessions in Redis
keep it masked, and the refund that needs it in full keeps it encrypted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from bots.app.settings import Settings
from cabinet_api import cabinet_services
from cabinet_api.db import Database
from cabinet_api.demo import DEMO_PHONE
from cabinet_api.models import Client, Message, Refund
from tests.support.app import demo_settings, running_app
from tests.support.telegram_user import TelegramUser

CARD = "4111111111111111"
CARD_WRITTEN = "4111 1111 1111 1111"
ACCOUNT = "40817810938160925982"


@pytest.fixture
def services_stack(tmp_path: Path, postgres_url: str, redis_url: str, redis_prefix: str) -> Settings:
    return demo_settings(tmp_path, database_url=postgres_url, redis_url=redis_url, redis_prefix=redis_prefix)


@pytest.fixture
async def app_url(services_stack: Settings) -> AsyncIterator[str]:
    async with running_app(services_stack) as base_url:
        yield base_url


async def _everything_in_redis(redis: Redis, prefix: str) -> bytes:
    values = []
    async for key in redis.scan_iter(match=f"{prefix}:*"):
        if await redis.type(key) == b"string":
            values.append(await redis.get(key) or b"")
    return b"\n".join(values)


async def _history_texts(settings: Settings) -> list[str]:
    database = Database(settings.database_url)
    try:
        async with database.session() as session:
            rows = (await session.execute(select(Message.text, Message.payload))).all()
    finally:
        await database.dispose()
    return [f"{row.text} {row.payload}" for row in rows]


async def test_numbers_written_in_the_chat_are_masked_everywhere_they_are_kept(
    http: aiohttp.ClientSession,
    app_url: str,
    services_stack: Settings,
    redis_client: Redis,
    redis_prefix: str,
) -> None:
    client = TelegramUser(http, app_url, user_id=7701, first_name="Анна")
    await client.send("/start")
    await client.send("Хочу новое обращение")
    await client.send(f"Списали деньги с карты {CARD_WRITTEN} и со счёта {ACCOUNT}, паспорт 45 06 123456")

    history = " ".join(await _history_texts(services_stack))
    assert "**** 1111" in history
    for secret in (CARD, CARD_WRITTEN, ACCOUNT, "123456"):
        assert secret not in history
    stored = await _everything_in_redis(redis_client, redis_prefix)
    for secret in (CARD, CARD_WRITTEN, ACCOUNT):
        assert secret.encode() not in stored


async def test_a_refund_to_a_card_keeps_the_number_only_encrypted(
    http: aiohttp.ClientSession,
    app_url: str,
    services_stack: Settings,
    redis_client: Redis,
    redis_prefix: str,
) -> None:
    client = TelegramUser(http, app_url, user_id=7702, first_name="Анна")
    await client.send("/start")
    await client.press("Возврат средств")
    await client.share_contact(DEMO_PHONE)
    chose = await client.press("Подать заявление")
    payment = next(title for message in chose for title in message.titles() if "₽" in title)
    await client.press(payment)
    await client.send("Услуга не понадобилась")
    await client.send("1000")
    await client.press("На карту")
    await client.send(CARD_WRITTEN)
    summary = await client.send("Петрова Анна")
    assert any("**** 1111" in message.text for message in summary), [m.text for m in summary]

    in_flight = await _everything_in_redis(redis_client, redis_prefix)
    assert CARD.encode() not in in_flight
    assert CARD_WRITTEN.encode() not in in_flight

    done = await client.press("Подтвердить")
    assert any("принято" in message.text for message in done), [m.text for m in done]

    database = Database(services_stack.database_url)
    try:
        async with database.session() as session:
            client_id = await session.scalar(select(Client.id).where(Client.phone == DEMO_PHONE))
            stored_card = await session.scalar(select(Refund.card).where(Refund.client_id == client_id))
        assert client_id is not None
        assert stored_card is not None
        assert CARD not in stored_card
        [refund] = await cabinet_services(database).payments.list_refunds(client_id)
        assert refund.payout_masked == "**** 1111"
        assert (await cabinet_services(database).payments.payout_details(refund.public_id)).card == CARD
    finally:
        await database.dispose()
    history = " ".join(await _history_texts(services_stack))
    assert CARD not in history
    assert CARD_WRITTEN not in history

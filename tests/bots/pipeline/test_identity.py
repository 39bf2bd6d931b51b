"""One client across channels: a verified phone joins the identities, and a channel can be unlinked."""

from __future__ import annotations

import aiohttp
from sqlalchemy import select

from bots.app.settings import Settings
from cabinet_api import cabinet_services
from cabinet_api.db import Database
from cabinet_api.models import ChannelIdentity
from tests.support.telegram_user import TelegramUser
from tests.support.whatsapp_user import WhatsAppUser

PHONE = "79990001122"


async def _identities(settings: Settings) -> dict[str, int]:
    database = Database(settings.database_url)
    try:
        async with database.session() as session:
            rows = (await session.scalars(select(ChannelIdentity))).all()
            return {f"{row.channel}:{row.platform_user_id}": row.client_id for row in rows}
    finally:
        await database.dispose()


async def test_telegram_and_whatsapp_with_one_verified_phone_are_one_client(
    http: aiohttp.ClientSession, demo: str, stack: Settings
) -> None:
    telegram = TelegramUser(http, demo, user_id=8101, first_name="Пётр")
    await telegram.send("/start")
    await telegram.share_contact(f"+{PHONE}")
    whatsapp = WhatsAppUser(http, demo, wa_id=PHONE, name="Пётр Иванов")
    await whatsapp.send("Здравствуйте, это снова я")

    identities = await _identities(stack)
    assert identities["telegram:8101"] == identities[f"whatsapp:{PHONE}"]

    database = Database(stack.database_url)
    try:
        history = await cabinet_services(database).history.history(identities["telegram:8101"], limit=100)
    finally:
        await database.dispose()
    inbound_channels = [entry.channel for entry in history if entry.direction == "in"]
    assert inbound_channels.count("telegram") == 2
    assert inbound_channels.count("whatsapp") == 1
    assert any(entry.channel == "whatsapp" and entry.direction == "out" for entry in history)


async def test_someone_elses_contact_does_not_join_profiles(
    http: aiohttp.ClientSession, demo: str, stack: Settings
) -> None:
    whatsapp = WhatsAppUser(http, demo, wa_id=PHONE, name="Пётр Иванов")
    await whatsapp.send("/start")
    stranger = TelegramUser(http, demo, user_id=8102, first_name="Мошенник")
    await stranger.send("/start")
    await stranger.share_contact(f"+{PHONE}", own=False)
    identities = await _identities(stack)
    assert identities["telegram:8102"] != identities[f"whatsapp:{PHONE}"]


async def test_unlinking_a_channel_starts_it_over_as_a_new_client(
    http: aiohttp.ClientSession, demo: str, stack: Settings
) -> None:
    telegram = TelegramUser(http, demo, user_id=8103, first_name="Пётр")
    await telegram.send("/start")
    await telegram.share_contact(f"+{PHONE}")
    whatsapp = WhatsAppUser(http, demo, wa_id=PHONE, name="Пётр")
    await whatsapp.send("привет")
    joined = (await _identities(stack))["telegram:8103"]

    database = Database(stack.database_url)
    try:
        cabinet = cabinet_services(database)
        assert await cabinet.identity.unlink(joined, "telegram", "legal", "8103") is True
        assert await cabinet.identity.unlink(joined, "telegram", "legal", "8103") is False
        profile = await cabinet.identity.profile(joined)
    finally:
        await database.dispose()
    identities = await _identities(stack)
    assert identities[f"whatsapp:{PHONE}"] == joined
    assert identities["telegram:8103"] != joined
    assert profile is not None
    assert profile.phone_verified is True


async def test_a_client_unlinks_a_messenger_in_the_chat(
    http: aiohttp.ClientSession, demo: str, stack: Settings
) -> None:
    whatsapp = WhatsAppUser(http, demo, wa_id=PHONE, name="Пётр")
    await whatsapp.send("привет")
    telegram = TelegramUser(http, demo, user_id=8104, first_name="Пётр")
    await telegram.send("/start")
    await telegram.share_contact(f"+{PHONE}")
    joined = (await _identities(stack))["telegram:8104"]
    assert joined == (await _identities(stack))[f"whatsapp:{PHONE}"]

    asked = await telegram.send("отвязать")
    assert any("Отвязать" in title for message in asked for title in message.titles())
    done = await telegram.press("Отвязать")
    assert any("отвязан" in message.text for message in done)

    identities = await _identities(stack)
    assert identities["telegram:8104"] != joined
    assert identities[f"whatsapp:{PHONE}"] == joined

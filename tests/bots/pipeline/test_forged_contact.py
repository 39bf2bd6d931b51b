"""An attacker who sends someone else's phone as a contact gets nothing of theirs, on every channel."""

from __future__ import annotations

import aiohttp
from sqlalchemy import select

from bots.app.settings import Settings
from cabinet_api.db import Database
from cabinet_api.demo import DEMO_PHONE
from cabinet_api.models import ChannelIdentity, Client
from tests.support.telegram_user import BotMessage as TelegramMessage
from tests.support.telegram_user import TelegramUser
from tests.support.viber_user import BotMessage as ViberMessage
from tests.support.viber_user import ViberUser
from tests.support.whatsapp_user import BotMessage as WhatsAppMessage
from tests.support.whatsapp_user import WhatsAppUser

VICTIM_TOPICS = ("Возврат товара", "Аренда квартиры", "Трудовой спор")


async def _victim_and_attacker(settings: Settings, channel: str, attacker_id: str) -> tuple[int, int]:
    database = Database(settings.database_url)
    try:
        async with database.session() as session:
            victim = await session.scalar(select(Client.id).where(Client.phone == DEMO_PHONE))
            attacker = await session.scalar(
                select(ChannelIdentity.client_id).where(
                    ChannelIdentity.channel == channel, ChannelIdentity.platform_user_id == attacker_id
                )
            )
    finally:
        await database.dispose()
    assert victim is not None
    assert attacker is not None
    return victim, attacker


def _shows_victims_data(messages: list[TelegramMessage] | list[ViberMessage] | list[WhatsAppMessage]) -> bool:
    seen = " ".join([message.text for message in messages] + [t for m in messages for t in m.titles()])
    return any(topic in seen for topic in VICTIM_TOPICS) or "№" in seen


async def test_a_telegram_contact_of_another_user_does_not_open_their_cabinet(
    http: aiohttp.ClientSession, demo: str, stack: Settings
) -> None:
    attacker = TelegramUser(http, demo, user_id=6601, first_name="Мошенник")
    await attacker.send("/start")
    asked = await attacker.press("Мои обращения")
    assert any(button.get("request_contact") for m in asked for button in m.keyboard)

    answered = await attacker.share_contact(DEMO_PHONE, own=False)

    assert answered, "the bot answers the contact"
    assert not _shows_victims_data(answered)
    victim, attacker_client = await _victim_and_attacker(stack, "telegram", "6601")
    assert attacker_client != victim
    assert not _shows_victims_data(await attacker.press("Мои обращения"))


async def test_a_viber_contact_card_of_another_user_does_not_open_their_cabinet(
    http: aiohttp.ClientSession, demo: str, stack: Settings
) -> None:
    attacker = ViberUser(http, demo, user_id="vbThief6602==", name="Мошенник")
    await attacker.send("/start")
    await attacker.press("Мои обращения")

    answered = await attacker.send_contact_card(DEMO_PHONE, name="Анна Иванова")

    assert not _shows_victims_data(answered)
    victim, attacker_client = await _victim_and_attacker(stack, "viber", "vbThief6602==")
    assert attacker_client != victim


async def test_a_whatsapp_contact_of_another_number_does_not_open_their_cabinet(
    http: aiohttp.ClientSession, demo: str, stack: Settings
) -> None:
    attacker = WhatsAppUser(http, demo, wa_id="79990006603", name="Мошенник")
    await attacker.send("/start")

    answered = await attacker.share_contact(DEMO_PHONE, own=False)

    assert not _shows_victims_data(answered)
    victim, attacker_client = await _victim_and_attacker(stack, "whatsapp", "79990006603")
    assert attacker_client != victim
    assert not _shows_victims_data(await attacker.send("Мои обращения"))

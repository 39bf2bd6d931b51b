"""End to end through HTTP: a client asks for a person in Telegram, a lawyer answers in the console, the
client follows up from WhatsApp with the same verified phone, the lawyer closes and the client rates."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bots.app.factory import SERVICES
from bots.app.settings import Settings
from tests.support.app import serving
from tests.support.console_user import ConsoleUser
from tests.support.telegram_user import TelegramUser
from tests.support.whatsapp_user import WhatsAppUser

PHONE = "79990002233"


@pytest.fixture
async def lawyer(stack: Settings) -> AsyncIterator[ConsoleUser]:
    person = ConsoleUser(stack.base_url)
    yield person
    await person.close()


async def test_a_lawyer_answers_a_client_across_channels_and_the_client_rates(
    http: aiohttp.ClientSession, stack: Settings, lawyer: ConsoleUser
) -> None:
    async with serving(stack) as app:
        assert (await lawyer.login("lawyer"))["status"] == "away"
        telegram = TelegramUser(http, stack.base_url, user_id=9501, first_name="Пётр")
        await telegram.send("/start")
        await telegram.share_contact(f"+{PHONE}")

        told = await telegram.send("оператор")
        assert any("место в очереди: 1" in message.text for message in told), [m.text for m in told]

        queue = (await lawyer.get("/conversations", params={"view": "queue"}))["items"]
        waiting = [item for item in queue if item["client"]["name"] == "Пётр"]
        assert len(waiting) == 1
        conversation = waiting[0]
        assert (conversation["state"], conversation["queue"], conversation["channel"]) == (
            "queued",
            "lawyers",
            "telegram",
        )
        assert conversation["position"] == 1
        path = f"/conversations/{conversation['id']}"

        taken = await lawyer.post(f"{path}/take")
        assert taken["conversation"]["assignee"]["login"] == "lawyer"
        sent = await lawyer.post(f"{path}/messages", {"text": "Здравствуйте, Пётр! Слушаю вас."}, expect=201)
        assert sent["message"]["id"].startswith("m")

        reached = await telegram.replies()
        texts = [message.text for message in reached]
        assert any("Иван Смирнов" in text and "подключился" in text for text in texts), texts
        assert "Здравствуйте, Пётр! Слушаю вас." in texts

        whatsapp = WhatsAppUser(http, stack.base_url, wa_id=PHONE, name="Пётр")
        status, _ = await whatsapp.post(
            whatsapp.notification({"type": "text", "text": {"body": "Пишу из WhatsApp"}})
        )
        assert status == 200
        entries = await lawyer.entries_until(
            conversation["id"], lambda entry: entry["text"] == "Пишу из WhatsApp"
        )
        followed = [entry for entry in entries if entry["text"] == "Пишу из WhatsApp"]
        assert [(entry["author"], entry["channel"]) for entry in followed] == [("client", "whatsapp")]

        packet = await lawyer.get(path)
        assert {channel["channel"] for channel in packet["channels"]} >= {"telegram", "whatsapp"}
        authors = {entry["author"] for entry in packet["history"]}
        assert {"client", "bot", "person", "system"} <= authors

        closed = await lawyer.post(f"{path}/close", {"reason": "вопрос решён"})
        assert closed["conversation"]["state"] == "closed"
        asked = await whatsapp.replies()
        rate = [message for message in asked if "Оцените" in message.text]
        assert rate, [message.text for message in asked]
        assert "5" in rate[0].titles()

        thanks = await whatsapp.press("5")
        assert any("Спасибо" in message.text for message in thanks)
        whatsapp.last = asked
        again = await whatsapp.press("5")
        assert any("уже оценили" in message.text for message in again)

        ratings = await app[SERVICES].cabinet.ratings.list_ratings(subject="conversation")
        assert [(rating.subject_id, rating.score, rating.channel) for rating in ratings] == [
            (str(conversation["id"]), 5, "whatsapp")
        ]
        after = await telegram.send("меню")
        assert after, "once the conversation is closed, the bot answers again"

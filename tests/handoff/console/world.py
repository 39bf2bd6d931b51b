"""The world around the console pages: the real demo app, its clients and their colleagues.

Clients write through the fake Telegram and WhatsApp as their apps would; colleagues act through the
console API as their own console pages would; a CRM files requests through the cabinet REST API. What
reached a client is read from the fake platform's outbox.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.support.console_user import ConsoleUser
from tests.support.telegram_user import TelegramUser
from tests.support.whatsapp_user import WhatsAppUser

DEMO_API_KEY = "omnicab-demo-api-key"
WAIT_S = 10.0


@dataclass(frozen=True)
class Client:
    name: str
    telegram_id: int
    phone: str


KNOWN_CLIENT = Client("Анна Петрова", 5090, "79000000001")
"""The demo's seeded client: requests in several states, contracts, a call recording."""


@dataclass
class ConsoleWorld:
    http: aiohttp.ClientSession
    base_url: str
    telegram: dict[str, TelegramUser] = field(default_factory=dict)
    whatsapp: dict[str, WhatsAppUser] = field(default_factory=dict)

    def telegram_of(self, client: Client) -> TelegramUser:
        if client.name not in self.telegram:
            self.telegram[client.name] = TelegramUser(
                self.http, self.base_url, user_id=client.telegram_id, first_name=client.name.split()[0]
            )
        return self.telegram[client.name]

    def whatsapp_of(self, client: Client) -> WhatsAppUser:
        if client.name not in self.whatsapp:
            self.whatsapp[client.name] = WhatsAppUser(
                self.http, self.base_url, wa_id=client.phone, name=client.name
            )
        return self.whatsapp[client.name]

    # ---- clients ----------------------------------------------------------------------------------

    async def client_starts(self, client: Client) -> TelegramUser:
        """The client opens the bot in Telegram and shares their phone."""
        telegram = self.telegram_of(client)
        await telegram.send("/start")
        await telegram.share_contact(f"+{client.phone}")
        return telegram

    async def client_asks_for_person(self, client: Client, words: str = "оператор") -> list[str]:
        """The client asks for a person in Telegram («оператор», or ``words`` naming one); answers what they
        were told."""
        telegram = await self.client_starts(client)
        return [message.text for message in await telegram.send(words)]

    async def client_has_an_emergency(self, client: Client) -> list[str]:
        """The client starts a new request and marks it urgent: the bot hands them to the lawyer on duty."""
        telegram = await self.client_starts(client)
        await telegram.send("меню")
        await telegram.press("Новое обращение")
        await telegram.press("Уголовное право")
        return [message.text for message in await telegram.press("Срочно")]

    async def client_with_history_asks_for_person(self) -> Client:
        """The demo's known client (requests, a call recording) asks for a person."""
        await self.client_asks_for_person(KNOWN_CLIENT)
        return KNOWN_CLIENT

    async def client_stuck_in_a_refund_asks_for_person(self) -> Client:
        """The known client starts a refund to her card, gives the card number, then asks for a person."""
        telegram = await self.client_starts(KNOWN_CLIENT)
        await telegram.send("возврат")
        payments = await telegram.press("Подать заявление")
        [payment] = [title for message in payments for title in message.titles() if "12" in title]
        await telegram.press(payment)
        await telegram.send("Сервис оказался не нужен")
        await telegram.send("1000")
        await telegram.press("На карту")
        await telegram.send("4242 4242 4242 4242")
        await telegram.send("оператор")
        return KNOWN_CLIENT

    async def client_writes(self, client: Client, text: str, *, channel: str = "telegram") -> None:
        if channel == "telegram":
            telegram = self.telegram_of(client)
            status, answer = await telegram.post_update(telegram.message_update(text))
        else:
            whatsapp = self.whatsapp_of(client)
            status, answer = await whatsapp.post(
                whatsapp.notification({"type": "text", "text": {"body": text}})
            )
        assert status == 200, answer

    async def texts_to(self, client: Client, channel: str) -> list[str]:
        """Every text the client has received on ``channel`` so far."""
        user = self.telegram_of(client) if channel == "telegram" else self.whatsapp_of(client)
        return [_text_of(call.get("body") or {}) for call in await user.calls()]

    async def files_to(self, client: Client) -> list[str]:
        """The names of the documents the client has received in Telegram."""
        calls = await self.telegram_of(client).calls()
        return [
            str(call["result"]["document"].get("file_name"))
            for call in calls
            if call["method"] == "sendDocument" and isinstance(call.get("result"), dict)
        ]

    async def rating_asked(self, client: Client) -> bool:
        """The last message to the client offers the scores 1–5 as buttons."""
        calls = await self.telegram_of(client).calls()
        if not calls:
            return False
        markup = (calls[-1].get("body") or {}).get("reply_markup") or {}
        if isinstance(markup, str):
            markup = json.loads(markup)
        titles = [button.get("text") for row in markup.get("inline_keyboard", []) for button in row]
        return {"1", "5"} <= {str(title).strip("⭐ ") for title in titles}

    async def refuse_next_reply(self) -> None:
        """Telegram will refuse the next message the bots send."""
        failure = {"error_code": 400, "description": "Bad Request: chat not found"}
        async with self.http.post(
            f"{self.base_url}/fake/telegram/control", json={"fail_next": [failure]}
        ) as answer:
            assert answer.status == 200

    # ---- colleagues and other systems -----------------------------------------------------------

    async def colleague(self, login: str) -> ConsoleUser:
        """A colleague signed in to the console API; close it after use."""
        person = ConsoleUser(self.base_url)
        await person.login(login)
        return person

    async def conversation_of(self, client: Client) -> int:
        person = await self.colleague("supervisor")
        try:
            return await _wait_for_item(person, client.name)
        finally:
            await person.close()

    async def another_person_takes(self, client: Client, login: str) -> None:
        person = await self.colleague(login)
        try:
            conversation = await _wait_for_item(person, client.name)
            await person.post(f"/conversations/{conversation}/take")
        finally:
            await person.close()

    async def supervisor_moves(self, client: Client, queue: str) -> int:
        """The supervisor transfers the client's conversation to ``queue``; answers its id."""
        person = await self.colleague("supervisor")
        try:
            conversation = await _wait_for_item(person, client.name)
            await person.post(f"/conversations/{conversation}/transfer", {"queue": queue, "note": None})
            return conversation
        finally:
            await person.close()

    async def status_of(self, login: str) -> str:
        person = await self.colleague("admin")
        try:
            people = (await person.get("/people"))["items"]
        finally:
            await person.close()
        [found] = [item["status"] for item in people if item["login"] == login]
        return str(found)

    async def crm_files_an_urgent_request(self, client: Client) -> int:
        """An urgent request filed through the cabinet REST API: due at once, so overdue from the start."""
        person = await self.colleague("supervisor")
        try:
            conversation = await _wait_for_item(person, client.name)
            client_id = (await person.get(f"/conversations/{conversation}"))["client"]["id"]
        finally:
            await person.close()
        body = {
            "client_id": client_id,
            "topic": "Задержание",
            "description": "Клиентку вызвали на допрос, нужен юрист",
            "answer_format": "oral",
            "urgency": "emergency",
        }
        async with self.http.post(
            f"{self.base_url}/api/v1/requests",
            json=body,
            headers={"Authorization": f"Bearer {DEMO_API_KEY}"},
        ) as answer:
            assert answer.status == 201, await answer.text()
            return int((await answer.json())["number"])


async def _wait_for_item(person: ConsoleUser, name: str) -> int:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        for item in (await person.get("/conversations", params={"view": "all"}))["items"]:
            if item["client"]["name"] and name.split()[0] in item["client"]["name"]:
                return int(item["id"])
        await asyncio.sleep(0.1)
    raise AssertionError(f"no open conversation of {name} within {WAIT_S} s")


def _text_of(body: dict[str, Any]) -> str:
    text = body.get("text")
    if isinstance(text, dict):
        return str(text.get("body", ""))
    if isinstance(body.get("template"), dict):
        return str(body["template"])
    interactive = body.get("interactive")
    if isinstance(interactive, dict):
        return str((interactive.get("body") or {}).get("text", ""))
    return str(text or body.get("caption") or "")

"""The world around the console for browser tests: clients who write, and what reaches them.

The page tests talk to a :class:`ConsoleWorld` only, so one fixture decides what stands behind the pages:
:class:`DoubleWorld` (the in-test double of our console API) or :class:`DemoWorld` (the real demo app,
clients writing through the fake Telegram and WhatsApp). See ``conftest.py``.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp

from tests.handoff.console.api_double import ConsoleApiDouble
from tests.handoff.console.shift import ANNA_CONTEXT
from tests.support.telegram_user import TelegramUser
from tests.support.whatsapp_user import WhatsAppUser


@dataclass(frozen=True)
class Client:
    name: str
    telegram_id: int
    phone: str


class ConsoleWorld(Protocol):
    base_url: str

    async def client_asks_for_person(self, client: Client) -> list[str]:
        """The client writes «оператор» in Telegram; answers what the bot told them."""

    async def client_writes(self, client: Client, text: str, *, channel: str = "telegram") -> None: ...

    async def texts_to(self, client: Client, channel: str) -> list[str]:
        """Every text the client has received on ``channel`` so far."""

    async def refuse_next_reply(self, client: Client) -> None:
        """The platform will refuse the next message to this client."""

    async def another_person_takes(self, client: Client, login: str) -> None: ...

    async def client_with_history_asks_for_person(self) -> Client:
        """A client the cabinet knows (requests, a call recording) asks for a person; answers who."""

    async def rating_asked(self, client: Client) -> bool:
        """Whether the client was asked, in their channel, to rate the conversation."""


KNOWN_CLIENT = Client("Анна Петрова", 5090, "79000000001")


@dataclass
class DoubleWorld:
    """Clients appear directly in the API double, as the real handoff would record them."""

    double: ConsoleApiDouble
    base_url: str
    conversations: dict[str, int] = field(default_factory=dict)

    async def client_asks_for_person(self, client: Client) -> list[str]:
        conversation = self.double.client_asks_for_person(client.name, channel="telegram", queue="lawyers")
        self.conversations[client.name] = conversation.id
        return ["Ваше место в очереди: 1"]

    async def client_writes(self, client: Client, text: str, *, channel: str = "telegram") -> None:
        self.double.client_writes(self.conversations[client.name], text, channel=channel)

    async def texts_to(self, client: Client, channel: str) -> list[str]:
        conversation_id = self.conversations[client.name]
        return [
            text
            for cid, sent_on, text in self.double.delivered
            if cid == conversation_id and sent_on == channel
        ]

    async def rating_asked(self, client: Client) -> bool:
        return self.conversations[client.name] in self.double.rating_requests

    async def refuse_next_reply(self, client: Client) -> None:
        self.double.fail_next_reply = True

    async def client_with_history_asks_for_person(self) -> Client:
        conversation = self.double.client_asks_for_person(
            KNOWN_CLIENT.name, channel="telegram", queue="lawyers", context=ANNA_CONTEXT
        )
        self.conversations[KNOWN_CLIENT.name] = conversation.id
        return KNOWN_CLIENT

    async def another_person_takes(self, client: Client, login: str) -> None:
        self.double.someone_takes(self.conversations[client.name], login)


@dataclass
class DemoWorld:
    """The real demo app: clients write through the fake platforms, people act through the console API."""

    http: aiohttp.ClientSession
    base_url: str
    telegram: dict[str, TelegramUser] = field(default_factory=dict)
    whatsapp: dict[str, WhatsAppUser] = field(default_factory=dict)

    def _telegram(self, client: Client) -> TelegramUser:
        if client.name not in self.telegram:
            self.telegram[client.name] = TelegramUser(
                self.http, self.base_url, user_id=client.telegram_id, first_name=client.name.split()[0]
            )
        return self.telegram[client.name]

    def _whatsapp(self, client: Client) -> WhatsAppUser:
        if client.name not in self.whatsapp:
            self.whatsapp[client.name] = WhatsAppUser(
                self.http, self.base_url, wa_id=client.phone, name=client.name
            )
        return self.whatsapp[client.name]

    async def client_asks_for_person(self, client: Client) -> list[str]:
        telegram = self._telegram(client)
        await telegram.send("/start")
        await telegram.share_contact(f"+{client.phone}")
        return [message.text for message in await telegram.send("оператор")]

    async def client_writes(self, client: Client, text: str, *, channel: str = "telegram") -> None:
        user: TelegramUser | WhatsAppUser = (
            self._telegram(client) if channel == "telegram" else self._whatsapp(client)
        )
        status, answer = await (
            user.post_update(user.message_update(text))
            if isinstance(user, TelegramUser)
            else user.post(user.notification({"type": "text", "text": {"body": text}}))
        )
        assert status == 200, answer

    async def texts_to(self, client: Client, channel: str) -> list[str]:
        calls = await (self._telegram(client) if channel == "telegram" else self._whatsapp(client)).calls()
        return [_text_of(call.get("body") or {}) for call in calls]

    async def client_with_history_asks_for_person(self) -> Client:
        await self.client_asks_for_person(KNOWN_CLIENT)
        return KNOWN_CLIENT

    async def rating_asked(self, client: Client) -> bool:
        """The last message to the client offers the scores 1–5 as buttons."""
        calls = await self._telegram(client).calls()
        if not calls:
            return False
        markup = (calls[-1].get("body") or {}).get("reply_markup") or {}
        if isinstance(markup, str):
            markup = json.loads(markup)
        titles = [button.get("text") for row in markup.get("inline_keyboard", []) for button in row]
        return {"1", "5"} <= {str(title).strip("⭐ ") for title in titles}

    async def refuse_next_reply(self, client: Client) -> None:
        failure = {"error_code": 400, "description": "Bad Request: chat not found"}
        async with self.http.post(
            f"{self.base_url}/fake/telegram/control", json={"fail_next": [failure]}
        ) as answer:
            assert answer.status == 200

    async def another_person_takes(self, client: Client, login: str) -> None:
        # The console's cookie is set for 127.0.0.1: only an "unsafe" jar keeps cookies of an IP address.
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as colleague:
            async with colleague.post(
                f"{self.base_url}/console/api/login", json={"login": login, "password": "demo"}
            ) as answer:
                assert answer.status == 200, await answer.text()
                csrf = (await answer.json())["csrf"]
            conversation_id = await _wait_for_item(colleague, self.base_url, client.name)
            async with colleague.post(
                f"{self.base_url}/console/api/conversations/{conversation_id}/take",
                headers={"X-CSRF-Token": csrf},
            ) as answer:
                assert answer.status == 200, await answer.text()


async def _wait_for_item(http: aiohttp.ClientSession, base_url: str, name: str) -> Any:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        async with http.get(f"{base_url}/console/api/conversations", params={"view": "all"}) as answer:
            assert answer.status == 200, await answer.text()
            for item in (await answer.json())["items"]:
                if item["client"]["name"] and name.split()[0] in item["client"]["name"]:
                    return item["id"]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no open conversation of {name} within 10 s")


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

"""A WhatsApp user driving the demo through the fake Cloud API, as a person would.

``await user.send("меню")`` posts a Cloud API webhook notification to ``/fake/whatsapp/updates``;
``await user.replies()`` waits for the bot's messages in ``/fake/whatsapp/outbox``;
``await user.press("FAQ")`` taps a reply button or list row of the last bot messages by its title.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.support.waiting import drained

_ids = itertools.count(1)


@dataclass
class BotMessage:
    """One message the bot sent: ``kind`` is the Cloud API type (text, interactive, audio, template...)."""

    kind: str
    text: str
    buttons: list[dict[str, str]]
    rows: list[dict[str, str]]
    wamid: str | None
    body: dict[str, Any]

    def titles(self) -> list[str]:
        return [choice["title"] for choice in self.buttons or self.rows]


@dataclass
class WhatsAppUser:
    http: aiohttp.ClientSession
    base_url: str
    wa_id: str
    name: str = "Анна"
    user_id: str | None = None
    phone_id: str | None = None
    seen_seq: int = 0
    last: list[BotMessage] = field(default_factory=list)
    bot: str | None = None
    """The demo bot to write to (``?bot=``), when the app serves several."""

    @property
    def _bot_query(self) -> dict[str, str]:
        return {"bot": self.bot} if self.bot else {}

    @property
    def _fake(self) -> str:
        return f"{self.base_url}/fake/whatsapp"

    def notification(self, message: dict[str, Any], *, with_user_id: bool = True) -> dict[str, Any]:
        """A webhook notification with one message from this user; the fake fills ids and metadata."""
        contact: dict[str, Any] = {"profile": {"name": self.name}, "wa_id": self.wa_id}
        if with_user_id and self.user_id:
            contact["user_id"] = self.user_id
        value: dict[str, Any] = {
            "contacts": [contact],
            "messages": [{"from": self.wa_id, "timestamp": str(int(time.time())), **message}],
        }
        if self.phone_id:
            value["metadata"] = {"phone_number_id": self.phone_id}
        return {
            "object": "whatsapp_business_account",
            "entry": [{"changes": [{"field": "messages", "value": value}]}],
        }

    async def post(self, notification: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        async with self.http.post(
            f"{self._fake}/updates", json=notification, params=self._bot_query
        ) as response:
            return response.status, await response.json()

    async def write(self, message: dict[str, Any]) -> list[BotMessage]:
        status, answer = await self.post(self.notification(message))
        assert status == 200, answer
        return await self.replies()

    async def send(self, text: str) -> list[BotMessage]:
        return await self.write({"type": "text", "text": {"body": text}})

    async def press(self, title: str) -> list[BotMessage]:
        for message in reversed(self.last):
            for button in message.buttons:
                if button["title"] == title:
                    return await self.write(_interactive("button_reply", button, message))
            for row in message.rows:
                if row["title"] == title:
                    return await self.write(_interactive("list_reply", row, message))
        raise AssertionError(f"no button or row {title!r} in {[m.titles() for m in self.last]}")

    async def share_contact(self, phone: str, *, own: bool = True) -> list[BotMessage]:
        wa_id = self.wa_id if own else "".join(char for char in phone if char.isdigit())
        contact = {
            "name": {"formatted_name": self.name, "first_name": self.name},
            "phones": [{"phone": phone, "wa_id": wa_id, "type": "CELL"}],
        }
        return await self.write({"type": "contacts", "contacts": [contact]})

    async def send_sticker(self) -> list[BotMessage]:
        sticker = {
            "mime_type": "image/webp",
            "sha256": "c3RpY2tlcg==",
            "id": "1003383421380000",
            "animated": False,
        }
        return await self.write({"type": "sticker", "sticker": sticker})

    async def send_file(
        self, data: bytes, *, file_name: str, mime_type: str, kind: str = "document", voice: bool = False
    ) -> list[BotMessage]:
        form = aiohttp.FormData()
        form.add_field("file", data, filename=file_name, content_type=mime_type)
        async with self.http.post(f"{self._fake}/user_media", data=form) as response:
            assert response.status == 200, await response.text()
            media = dict(await response.json())
        if kind == "document":
            media["filename"] = file_name
        if kind == "audio":
            media["voice"] = voice
        return await self.write({"type": kind, kind: media})

    async def calls(self, **params: Any) -> list[dict[str, Any]]:
        query = {
            "chat_id": self.wa_id,
            **self._bot_query,
            **{key: str(value) for key, value in params.items()},
        }
        async with self.http.get(f"{self._fake}/outbox", params=query) as response:
            assert response.status == 200
            return list((await response.json())["calls"])

    async def replies(self, *, wait_at_most: float = 10.0) -> list[BotMessage]:
        """The bot messages after the last seen ones, once the app has handled all it accepted.

        Waits for at least one message; after ``wait_at_most`` seconds, whatever has come.
        """
        deadline = time.monotonic() + wait_at_most
        collected: list[BotMessage] = []
        while True:
            idle = await drained(self.http, self.base_url, within=deadline - time.monotonic())
            for call in await self.calls(after=self.seen_seq):
                self.seen_seq = max(self.seen_seq, call["seq"])
                if call["ok"] and call["method"].endswith("/messages"):
                    collected.append(_bot_message(call))
            if (collected and idle) or time.monotonic() >= deadline:
                break
            await asyncio.sleep(0.03)
        self.last = collected
        return collected


def _interactive(kind: str, choice: dict[str, str], message: BotMessage) -> dict[str, Any]:
    reply = {key: choice[key] for key in ("id", "title", "description") if key in choice}
    context = {"from": "15550000000", "id": message.wamid or f"wamid.{next(_ids)}"}
    return {"type": "interactive", "interactive": {"type": kind, kind: reply}, "context": context}


def _bot_message(call: dict[str, Any]) -> BotMessage:
    body = call["body"]
    kind = str(body.get("type", "text"))
    content = body.get(kind) or {}
    buttons: list[dict[str, str]] = []
    rows: list[dict[str, str]] = []
    text = ""
    if kind == "text":
        text = content.get("body", "")
    elif kind == "interactive":
        text = content.get("body", {}).get("text", "")
        action = content.get("action", {})
        buttons = [button["reply"] for button in action.get("buttons", [])]
        rows = [row for section in action.get("sections", []) for row in section.get("rows", [])]
    elif kind == "template":
        text = content.get("name", "")
    else:
        text = content.get("caption", "")
    result = call.get("result") or {}
    messages = result.get("messages") or [{}]
    return BotMessage(
        kind=kind, text=text, buttons=buttons, rows=rows, wamid=messages[0].get("id"), body=body
    )

"""A Telegram user driving the demo through the fake Telegram, as a person would.

``await user.send("/start")`` posts a real webhook-format update to ``/fake/telegram/updates``;
``await user.replies()`` waits for the bot's messages in ``/fake/telegram/outbox``;
``await user.press("FAQ")`` presses an inline button of the last bot message by its title.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.support.waiting import drained

SEND_METHODS = {"sendMessage", "sendDocument", "sendAudio", "sendVoice", "sendPhoto"}
_ids = itertools.count(1)


@dataclass
class BotMessage:
    method: str
    text: str
    buttons: list[dict[str, Any]]
    keyboard: list[dict[str, Any]]
    message_id: int | None
    body: dict[str, Any]

    def titles(self) -> list[str]:
        return [b["text"] for b in self.buttons]


def _markup(body: dict[str, Any]) -> dict[str, Any]:
    markup = body.get("reply_markup") or {}
    return json.loads(markup) if isinstance(markup, str) else markup


@dataclass
class TelegramUser:
    http: aiohttp.ClientSession
    base_url: str
    user_id: int
    first_name: str = "Анна"
    language_code: str = "ru"
    seen_seq: int = 0
    last: list[BotMessage] = field(default_factory=list)
    bot: str | None = None
    """The demo bot to write to (``?bot=``), when the app serves several."""

    @property
    def _bot_query(self) -> dict[str, str]:
        return {"bot": self.bot} if self.bot else {}

    @property
    def _user(self) -> dict[str, Any]:
        return {
            "id": self.user_id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }

    @property
    def _chat(self) -> dict[str, Any]:
        return {"id": self.user_id, "type": "private", "first_name": self.first_name}

    async def post_update(self, update: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        url = f"{self.base_url}/fake/telegram/updates"
        async with self.http.post(url, json=update, params=self._bot_query) as response:
            return response.status, await response.json()

    def message_update(self, text: str, **extra: Any) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(_ids),
            "date": int(time.time()),
            "chat": self._chat,
            "from": self._user,
            "text": text,
            **extra,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"message": message}

    async def send(self, text: str) -> list[BotMessage]:
        status, body = await self.post_update(self.message_update(text))
        assert status == 200, body
        return await self.replies()

    async def share_contact(self, phone: str, *, own: bool = True) -> list[BotMessage]:
        contact = {
            "phone_number": phone,
            "first_name": self.first_name,
            "user_id": self.user_id if own else 999,
        }
        update = {
            "message": {
                "message_id": next(_ids),
                "date": int(time.time()),
                "chat": self._chat,
                "from": self._user,
                "contact": contact,
            }
        }
        status, body = await self.post_update(update)
        assert status == 200, body
        return await self.replies()

    async def send_sticker(self) -> list[BotMessage]:
        sticker = {
            "file_id": "CAACAgIAAxkBAAEB",
            "file_unique_id": "AgADSgADr",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        update = {
            "message": {
                "message_id": next(_ids),
                "date": int(time.time()),
                "chat": self._chat,
                "from": self._user,
                "sticker": sticker,
            }
        }
        status, body = await self.post_update(update)
        assert status == 200, body
        return await self.replies()

    async def press(self, title: str, *, wait_at_most: float = 10.0) -> list[BotMessage]:
        """Press ``title`` on the latest replies; a reply still on its way (caused by something other
        than the last update) is awaited until the button shows or time is up."""
        deadline = time.monotonic() + wait_at_most
        while True:
            for message in reversed(self.last):
                for button in message.buttons:
                    if button["text"] == title:
                        return await self.press_data(button["callback_data"], message)
            if time.monotonic() >= deadline:
                raise AssertionError(f"no button {title!r} in {[m.titles() for m in self.last]}")
            earlier = self.last
            later = await self.replies(wait_at_most=max(0.1, deadline - time.monotonic()))
            self.last = [*earlier, *later]

    async def press_data(self, data: str, message: BotMessage | None = None) -> list[BotMessage]:
        callback = {
            "id": f"cb{next(_ids)}",
            "from": self._user,
            "chat_instance": str(self.user_id),
            "data": data,
            "message": {
                "message_id": (message.message_id if message else None) or 1,
                "date": int(time.time()),
                "chat": self._chat,
                "from": {"id": 1, "is_bot": True, "first_name": "Legal"},
                "text": message.text if message else "",
            },
        }
        status, body = await self.post_update({"callback_query": callback})
        assert status == 200, body
        return await self.replies()

    async def calls(self, **params: Any) -> list[dict[str, Any]]:
        query = {"chat_id": str(self.user_id), **self._bot_query, **{k: str(v) for k, v in params.items()}}
        async with self.http.get(f"{self.base_url}/fake/telegram/outbox", params=query) as response:
            assert response.status == 200
            return list((await response.json())["calls"])

    async def replies(self, *, wait_at_most: float = 10.0) -> list[BotMessage]:
        """The bot messages after the last seen ones, once the app has handled all it accepted.

        Waits for at least one message (a reply may be caused by something other than this
        user's last update); after ``wait_at_most`` seconds, whatever has come.
        """
        deadline = time.monotonic() + wait_at_most
        collected: list[BotMessage] = []
        while True:
            idle = await drained(self.http, self.base_url, within=deadline - time.monotonic())
            fresh = [c for c in await self.calls(after=self.seen_seq) if c["method"] in SEND_METHODS]
            for call in fresh:
                self.seen_seq = max(self.seen_seq, call["seq"])
                collected.append(_bot_message(call))
            if (collected and idle) or time.monotonic() >= deadline:
                break
            await asyncio.sleep(0.03)
        self.last = collected
        return collected


def _bot_message(call: dict[str, Any]) -> BotMessage:
    body = call["body"]
    markup = _markup(body)
    buttons = [button for row in markup.get("inline_keyboard", []) for button in row]
    keyboard = [button for row in markup.get("keyboard", []) for button in row]
    result = call.get("result") or {}
    return BotMessage(
        method=call["method"],
        text=str(body.get("text") or body.get("caption") or ""),
        buttons=buttons,
        keyboard=keyboard,
        message_id=result.get("message_id") if isinstance(result, dict) else None,
        body=body,
    )

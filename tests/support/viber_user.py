"""A Viber user driving the demo through the fake Viber, as a person would.

``await user.open_chat()`` posts ``conversation_started`` (the bot may answer with a welcome
message in the webhook response); ``await user.send("меню")`` posts a text message (which
subscribes the user, as on Viber); ``await user.press("FAQ")`` presses a keyboard button of the
bot's last messages by its title; ``await user.share_phone("+79161234567")`` presses the
``share-phone`` button; ``await user.replies()`` waits for the bot's messages in the outbox.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.support.waiting import drained

PREFIX = "/fake/viber"
MESSAGE_METHODS = {"send_message", "welcome_message"}
_tokens = itertools.count(6_100_000_000_000_000_000)


@dataclass
class BotMessage:
    method: str
    type: str
    text: str
    buttons: list[dict[str, Any]]
    media: str | None
    body: dict[str, Any]

    def titles(self) -> list[str]:
        return [str(button.get("Text", "")) for button in self.buttons]


@dataclass
class ViberUser:
    http: aiohttp.ClientSession
    base_url: str
    user_id: str = "5u8EHLL8EtCiGV7EIS3H1Q=="
    name: str = "Анна Петрова"
    language: str = "ru"
    token: str | None = field(default=None, repr=False)
    seen_seq: int = 0
    last: list[BotMessage] = field(default_factory=list)
    bot: str | None = None
    """The demo bot to write to (``?bot=``), when the app serves several."""

    @property
    def _bot_query(self) -> dict[str, str]:
        return {"bot": self.bot} if self.bot else {}

    @property
    def profile(self) -> dict[str, Any]:
        return {
            "id": self.user_id,
            "name": self.name,
            "language": self.language,
            "country": "RU",
            "api_version": 10,
        }

    async def post_callback(self, callback: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        params = {"token": self.token} if self.token else self._bot_query
        async with self.http.post(
            f"{self.base_url}{PREFIX}/updates", json=callback, params=params
        ) as response:
            return response.status, await response.json()

    def message_callback(self, message: dict[str, Any], *, silent: bool = False) -> dict[str, Any]:
        return {
            "event": "message",
            "timestamp": int(time.time() * 1000),
            "message_token": next(_tokens),
            "sender": self.profile,
            "message": message,
            "silent": silent,
        }

    async def _deliver(self, callback: dict[str, Any]) -> list[BotMessage]:
        status, answer = await self.post_callback(callback)
        assert status == 200, answer
        return await self.replies()

    async def open_chat(self, context: str | None = None) -> list[BotMessage]:
        callback: dict[str, Any] = {"event": "conversation_started", "type": "open", "user": self.profile}
        if context is not None:
            callback["context"] = context
        return await self._deliver(callback)

    async def subscribe(self) -> list[BotMessage]:
        return await self._deliver({"event": "subscribed", "user": self.profile})

    async def unsubscribe(self) -> dict[str, Any]:
        status, answer = await self.post_callback({"event": "unsubscribed", "user_id": self.user_id})
        assert status == 200, answer
        return answer

    async def send(self, text: str) -> list[BotMessage]:
        return await self._deliver(self.message_callback({"type": "text", "text": text}))

    async def send_sticker(self, sticker_id: int = 46105) -> list[BotMessage]:
        return await self._deliver(self.message_callback({"type": "sticker", "sticker_id": sticker_id}))

    async def send_location(self, lat: float, lon: float) -> list[BotMessage]:
        return await self._deliver(
            self.message_callback({"type": "location", "location": {"lat": lat, "lon": lon}})
        )

    async def send_file(self, url: str, file_name: str, size: int) -> list[BotMessage]:
        message = {"type": "file", "media": url, "file_name": file_name, "size": size}
        return await self._deliver(self.message_callback(message))

    async def send_contact_card(self, phone: str, name: str = "Иван Сидоров") -> list[BotMessage]:
        """A contact forwarded from the address book: not proof of the sender's own number."""
        contact = {"name": name, "phone_number": phone}
        return await self._deliver(self.message_callback({"type": "contact", "contact": contact}))

    async def press(self, title: str, *, wait_at_most: float = 10.0) -> list[BotMessage]:
        """Press ``title``; a reply still on its way (caused by other than the last update) is awaited."""
        deadline = time.monotonic() + wait_at_most
        while True:
            try:
                button = self.find_button(title)
                break
            except AssertionError:
                if time.monotonic() >= deadline:
                    raise
                earlier = self.last
                later = await self.replies(wait_at_most=max(0.1, deadline - time.monotonic()))
                self.last = [*earlier, *later]
        if button.get("ActionType") == "share-phone":
            raise AssertionError(f"{title!r} shares the phone: use share_phone()")
        message = {"type": "text", "text": button["ActionBody"]}
        return await self._deliver(self.message_callback(message, silent=bool(button.get("Silent"))))

    async def share_phone(self, phone: str) -> list[BotMessage]:
        """Press the bot's ``share-phone`` button: Viber sends the user's own number as a contact."""
        button = next(
            (b for m in reversed(self.last) for b in m.buttons if b.get("ActionType") == "share-phone"), None
        )
        if button is None:
            raise AssertionError(f"no share-phone button in {[m.titles() for m in self.last]}")
        message = {
            "type": "contact",
            "text": button["ActionBody"],
            "contact": {"phone_number": phone.lstrip("+")},
        }
        return await self._deliver(self.message_callback(message))

    def find_button(self, title: str) -> dict[str, Any]:
        for message in reversed(self.last):
            for button in message.buttons:
                if button.get("Text") == title:
                    return button
        raise AssertionError(f"no button {title!r} in {[m.titles() for m in self.last]}")

    async def calls(self, **params: Any) -> list[dict[str, Any]]:
        query = {
            "chat_id": self.user_id,
            **self._bot_query,
            **{key: str(value) for key, value in params.items()},
        }
        async with self.http.get(f"{self.base_url}{PREFIX}/outbox", params=query) as response:
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
            fresh = [c for c in await self.calls(after=self.seen_seq) if c["method"] in MESSAGE_METHODS]
            for call in fresh:
                self.seen_seq = max(self.seen_seq, call["seq"])
                if call["ok"]:
                    collected.append(bot_message(call))
            if (collected and idle) or time.monotonic() >= deadline:
                break
            await asyncio.sleep(0.03)
        self.last = collected
        return collected


def bot_message(call: dict[str, Any]) -> BotMessage:
    body = call["body"]
    keyboard = body.get("keyboard") or {}
    return BotMessage(
        method=call["method"],
        type=str(body.get("type", "")),
        text=str(body.get("text") or ""),
        buttons=list(keyboard.get("Buttons", [])),
        media=body.get("media"),
        body=body,
    )

"""Many demo clients at once, each made by its platform's own event through the fake platforms.

Telegram users unblock the bot (``my_chat_member``) and Viber users subscribe: both make a client
without a dialog turn. WhatsApp users must write (the Cloud API reaches only users who did), so they
say hello and get the bot's answer. What the bots sent is read back from the fakes' outboxes.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from typing import Any

import aiohttp

RATE_LIMIT_CODES = {"telegram": {429}, "viber": {12}, "whatsapp": {130429, 131056}}
"""The error each fake answers when a platform limit is broken."""

BOT_USER = {"id": 7000000042, "is_bot": True, "first_name": "Legal"}
_tokens = itertools.count(7_100_000_000_000_000_000)


@dataclass(frozen=True)
class Crowd:
    telegram: tuple[int, ...]
    viber: tuple[str, ...]
    whatsapp: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.telegram) + len(self.viber) + len(self.whatsapp)


def crowd(per_channel: int, *, start: int = 0) -> Crowd:
    numbers = range(start, start + per_channel)
    return Crowd(
        telegram=tuple(800_000 + n for n in numbers),
        viber=tuple(f"crowd{n:06d}AAAAAAAAAAAA==" for n in numbers),
        whatsapp=tuple(f"7955{n:07d}" for n in numbers),
    )


def _telegram_update(user_id: int) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": f"Клиент {user_id}", "language_code": "ru"}
    return {
        "my_chat_member": {
            "chat": {"id": user_id, "type": "private", "first_name": user["first_name"]},
            "from": user,
            "date": int(time.time()),
            "old_chat_member": {"user": BOT_USER, "status": "kicked", "until_date": 0},
            "new_chat_member": {"user": BOT_USER, "status": "member"},
        }
    }


def _viber_callback(user_id: str) -> dict[str, Any]:
    return {
        "event": "subscribed",
        "timestamp": int(time.time() * 1000),
        "message_token": next(_tokens),
        "user": {"id": user_id, "name": "Клиент", "language": "ru", "country": "RU", "api_version": 10},
    }


def _whatsapp_message(wa_id: str) -> dict[str, Any]:
    value = {
        "contacts": [{"profile": {"name": "Клиент"}, "wa_id": wa_id}],
        "messages": [
            {
                "from": wa_id,
                "timestamp": str(int(time.time())),
                "type": "text",
                "text": {"body": "Здравствуйте"},
            }
        ],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"changes": [{"field": "messages", "value": value}]}],
    }


async def _in_chunks(jobs: Iterable[Awaitable[None]], size: int = 25) -> None:
    chunk: list[Awaitable[None]] = []
    for job in jobs:
        chunk.append(job)
        if len(chunk) == size:
            await asyncio.gather(*chunk)
            chunk = []
    await asyncio.gather(*chunk)


async def arrive(http: aiohttp.ClientSession, base_url: str, people: Crowd) -> None:
    """Every member of the crowd reaches the bot through its own platform."""

    async def post(channel: str, body: dict[str, Any]) -> None:
        async with http.post(f"{base_url}/fake/{channel}/updates", json=body) as response:
            assert response.status == 200, await response.text()

    await _in_chunks(
        [post("telegram", _telegram_update(user)) for user in people.telegram]
        + [post("viber", _viber_callback(user)) for user in people.viber]
        + [post("whatsapp", _whatsapp_message(user)) for user in people.whatsapp]
    )


async def calls(http: aiohttp.ClientSession, base_url: str, channel: str) -> list[dict[str, Any]]:
    async with http.get(f"{base_url}/fake/{channel}/outbox") as response:
        assert response.status == 200
        return list((await response.json())["calls"])


def refused_for_rate(channel: str, listed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [call for call in listed if not call["ok"] and call.get("error_code") in RATE_LIMIT_CODES[channel]]


def carrying(listed: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """Calls that delivered ``text`` (in whichever field the platform keeps it)."""
    return [call for call in listed if call["ok"] and text in repr(call["body"])]

"""What the delivery tests read back: history rows of a chat, the fake's calls, the metrics."""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import select

from bots.app.factory import SERVICES
from cabinet_api.db import Database
from cabinet_api.models import ChannelIdentity, Message
from tests.support.telegram_user import SEND_METHODS, TelegramUser


async def outgoing(database: Database, user_id: int) -> list[Message]:
    """The bot's messages to a Telegram user, oldest first."""
    async with database.session() as session:
        client_id = await session.scalar(
            select(ChannelIdentity.client_id).where(ChannelIdentity.platform_user_id == str(user_id))
        )
        rows = await session.scalars(
            select(Message)
            .where(Message.client_id == client_id, Message.direction == "out")
            .order_by(Message.id)
        )
        return list(rows)


def app_database(app: web.Application) -> Database:
    return app[SERVICES].database


async def taken_sends(user: TelegramUser) -> list[dict[str, Any]]:
    """Every send the fake Telegram carried out for this user (answered or not)."""
    return [call for call in await user.calls() if call["method"] in SEND_METHODS and call["ok"]]


async def control(http: aiohttp.ClientSession, base_url: str, *failures: dict[str, Any]) -> None:
    async with http.post(f"{base_url}/fake/telegram/control", json={"fail_next": list(failures)}) as response:
        assert response.status == 200, await response.text()


async def metric(http: aiohttp.ClientSession, base_url: str, line_start: str) -> float:
    """The value of the first sample line of ``/metrics`` starting with ``line_start`` (0 if none)."""
    async with http.get(f"{base_url}/metrics") as response:
        text = await response.text()
    for line in text.splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    return 0.0

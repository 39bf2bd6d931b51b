"""Outside business hours, on both stacks: the demo app's calendar makes today a holiday, so people answer
tomorrow; the client is told so honestly, and a request is filed so nothing waits unseen."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bots.app.settings import Settings
from tests.support.app import serving
from tests.support.console_user import ConsoleUser
from tests.support.telegram_user import TelegramUser


@pytest.fixture
def stack_settings() -> dict[str, object]:
    today = datetime.now(ZoneInfo("Europe/Moscow")).date()
    return {"business_hours": "mon-sun 00:00-24:00", "business_holidays": f"ru, {today.isoformat()}"}


async def test_the_client_is_told_when_people_answer_and_a_request_is_filed(
    http: aiohttp.ClientSession, stack: Settings
) -> None:
    async with serving(stack):
        telegram = TelegramUser(http, stack.base_url, user_id=9701, first_name="Жанна")
        await telegram.send("/start")
        await telegram.share_contact("+79990009701")

        told = [message.text for message in await telegram.send("оператор")]

        [notice] = [text for text in told if "не на связи" in text]
        assert re.search(r"Ответим (завтра|\d+ \w+) в \d{2}:\d{2} по московскому времени", notice), notice
        assert not any("место в очереди" in text for text in told), told
        number = re.search(r"обращение №(\d+)", notice)
        assert number is not None, notice
        lawyer = ConsoleUser(stack.base_url)
        try:
            await lawyer.login("lawyer")
            [waiting] = (await lawyer.get("/conversations", params={"view": "queue"}))["items"]
            packet = await lawyer.get(f"/conversations/{waiting['id']}")
        finally:
            await lawyer.close()
        assert int(number[1]) in [request["number"] for request in packet["requests"]]
        assert "after_hours" in [event["kind"] for event in packet["events"]]

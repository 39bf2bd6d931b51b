"""One message end to end: fake Telegram -> webhook -> inbox -> dialog -> outbox -> fake Telegram."""

from __future__ import annotations

import asyncio
import json

import aiohttp
from sqlalchemy import select

from bots.app.channels import telegram_webhook_secret
from bots.app.settings import Settings
from cabinet_api.db import Database
from cabinet_api.models import ChannelIdentity
from tests.support.telegram_user import TelegramUser
from tests.support.waiting import eventually

MENU_TITLES = {"Новое обращение", "Частые вопросы", "Связаться с юристом"}


async def test_start_gives_the_main_menu(user: TelegramUser) -> None:
    replies = await user.send("/start")
    titles = {title for message in replies for title in message.titles()}
    assert titles >= MENU_TITLES
    assert any("Анна" in message.text for message in replies)


async def test_button_press_runs_the_flow_and_is_acknowledged(user: TelegramUser) -> None:
    await user.send("/start")
    replies = await user.press("Частые вопросы")
    assert replies, "FAQ answered"
    async with user.http.get(
        f"{user.base_url}/fake/telegram/outbox", params={"method": "answerCallbackQuery"}
    ) as r:
        acks = (await r.json())["calls"]
    assert len(acks) == 1
    assert acks[0]["ok"] is True


async def test_english_client_gets_english(http: aiohttp.ClientSession, demo: str) -> None:
    user = TelegramUser(http, demo, user_id=5002, first_name="John", language_code="en")
    replies = await user.send("/start")
    titles = {title for message in replies for title in message.titles()}
    assert "New request" in titles


async def test_duplicate_update_gives_exactly_one_reply(user: TelegramUser) -> None:
    update = user.message_update("/start")
    update["update_id"] = 777001
    results = await asyncio.gather(*(user.post_update(update) for _ in range(5)))
    assert all(status == 200 for status, _ in results)
    first = await user.replies()
    before_late_copy = user.seen_seq
    status, _ = await user.post_update(update)
    assert status == 200
    # One conversation is handled in order: once the next message is answered, the copy was handled.
    next_answer = await user.send("помощь")
    later = [c for c in await user.calls(after=before_late_copy) if c["method"] == "sendMessage"]
    assert len([m for m in first if m.titles()]) == 1
    assert len(later) == len(next_answer)


async def test_wrong_secret_is_rejected_and_nothing_processed(http: aiohttp.ClientSession, demo: str) -> None:
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 1,
            "chat": {"id": 6001, "type": "private"},
            "from": {"id": 6001, "is_bot": False, "first_name": "X"},
            "text": "/start",
        },
    }
    for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
        async with http.post(f"{demo}/webhooks/legal/telegram", json=update, headers=headers) as response:
            assert response.status == 401
            assert (await response.json())["error"]["code"] == "bad_signature"
    # The chat's next genuine message is handled after anything queued before it in the chat.
    answer = await TelegramUser(http, demo, user_id=6001, first_name="X").send("/start")
    async with http.get(f"{demo}/fake/telegram/outbox", params={"chat_id": "6001"}) as response:
        assert len((await response.json())["calls"]) == len(answer)


async def test_malformed_and_oversized_bodies(
    http: aiohttp.ClientSession, demo: str, user: TelegramUser, stack: Settings
) -> None:
    secret = telegram_webhook_secret(stack, "legal")
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret, "Content-Type": "application/json"}
    async with http.post(f"{demo}/webhooks/legal/telegram", data=b"{not json", headers=headers) as response:
        assert response.status == 400
    huge = json.dumps({"update_id": 5, "message": {"text": "x" * 2_000_000}})
    async with http.post(f"{demo}/webhooks/legal/telegram", data=huge, headers=headers) as response:
        assert response.status == 413
    unknown = {
        "update_id": 6,
        "chat_join_request": {
            "chat": {"id": -100123, "type": "channel", "title": "News"},
            "from": {"id": 6002, "is_bot": False, "first_name": "Z"},
            "user_chat_id": 6002,
            "date": 1732280000,
        },
    }
    async with http.post(f"{demo}/webhooks/legal/telegram", json=unknown, headers=headers) as response:
        assert response.status == 200
    async with http.post(f"{demo}/webhooks/nobot/telegram", json=unknown, headers=headers) as response:
        assert response.status == 404
    assert await user.send("/start"), "the server is still up and answering"


async def test_rate_limited_send_is_retried_after_retry_after(
    http: aiohttp.ClientSession, demo: str, user: TelegramUser
) -> None:
    await user.send("/start")
    control = {"fail_next": [{"error_code": 429, "retry_after": 1}]}
    async with http.post(f"{demo}/fake/telegram/control", json=control) as response:
        assert response.status == 200
    replies = await user.send("помощь")
    assert replies
    failed = [c for c in await user.calls() if c.get("error_code") == 429]
    assert len(failed) == 1


async def test_health_and_metrics(http: aiohttp.ClientSession, demo: str, user: TelegramUser) -> None:
    await user.send("/start")
    async with http.get(f"{demo}/healthz") as response:
        assert response.status == 200
        assert (await response.json())["status"] == "ok"
    async with http.get(f"{demo}/metrics") as response:
        text = await response.text()
    assert 'omnicab_inbound_events_total{channel="telegram",kind="start"}' in text
    assert "omnicab_reply_latency_seconds_bucket" in text


async def test_a_client_who_blocked_the_bot_is_not_messaged_again(
    http: aiohttp.ClientSession, demo: str, user: TelegramUser, stack: Settings
) -> None:
    await user.send("/start")
    control = {
        "fail_next": [
            {
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
                "method": "sendMessage",
            }
        ]
    }
    async with http.post(f"{demo}/fake/telegram/control", json=control) as response:
        assert response.status == 200
    status, _ = await user.post_update(user.message_update("помощь"))
    assert status == 200
    await eventually(lambda: _identity_unsubscribed(stack, str(user.user_id)), what="marked unsubscribed")
    calls = [c for c in await user.calls(after=user.seen_seq) if c["method"] == "sendMessage"]
    assert [c["error_code"] for c in calls] == [403], "one refused attempt, no retries"
    assert await _identity_unsubscribed(stack, str(user.user_id)) is True


async def test_my_chat_member_kicked_marks_the_identity_and_gets_no_reply(
    user: TelegramUser, stack: Settings
) -> None:
    await user.send("/start")
    kicked = {
        "my_chat_member": {
            "chat": {"id": user.user_id, "type": "private", "first_name": user.first_name},
            "from": {"id": user.user_id, "is_bot": False, "first_name": user.first_name},
            "date": 1732280000,
            "old_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True, "first_name": "Legal"}},
            "new_chat_member": {
                "status": "kicked",
                "until_date": 0,
                "user": {"id": 1, "is_bot": True, "first_name": "Legal"},
            },
        }
    }
    status, _ = await user.post_update(kicked)
    assert status == 200
    await eventually(lambda: _identity_unsubscribed(stack, str(user.user_id)), what="marked unsubscribed")
    assert await _identity_unsubscribed(stack, str(user.user_id)) is True
    assert [c for c in await user.calls(after=user.seen_seq) if c["method"] == "sendMessage"] == []


async def _identity_unsubscribed(settings: Settings, user_id: str) -> bool:
    database = Database(settings.database_url)
    try:
        async with database.session() as session:
            identity = await session.scalar(
                select(ChannelIdentity).where(ChannelIdentity.platform_user_id == user_id)
            )
            assert identity is not None
            return bool(identity.unsubscribed)
    finally:
        await database.dispose()

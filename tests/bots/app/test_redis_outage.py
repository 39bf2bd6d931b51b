"""Redis unreachable or restarted empty, as a deployment on PostgreSQL + Redis lives through it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bots.app.channels import telegram_webhook_secret
from bots.app.settings import Settings
from bots.state.redis.keys import KeySpace
from tests.support.app import demo_settings, running_app
from tests.support.processes import ECHO_BOT, eventually
from tests.support.tcp_proxy import TcpProxy
from tests.support.telegram_user import TelegramUser


@pytest.fixture
async def redis_proxy(redis_url: str) -> AsyncIterator[TcpProxy]:
    host, port = redis_url.split("//", 1)[1].split("/", 1)[0].split(":")
    proxy = TcpProxy(host, int(port))
    await proxy.start()
    yield proxy
    await proxy.close()


def _settings(tmp_path: Path, postgres_url: str, redis_url: str, redis_prefix: str) -> Settings:
    return demo_settings(
        tmp_path,
        database_url=postgres_url,
        redis_url=redis_url,
        redis_prefix=redis_prefix,
        bots=[str(ECHO_BOT)],
        telegram_chat_rate_per_second=100,
        telegram_chat_burst=100,
    )


async def _texts(user: TelegramUser) -> list[str]:
    return [str(call["body"].get("text")) for call in await user.calls(method="sendMessage")]


async def test_webhooks_answer_503_with_retry_after_while_redis_is_unreachable_and_recover(
    tmp_path: Path, postgres_url: str, redis_url: str, redis_prefix: str, redis_proxy: TcpProxy
) -> None:
    db = redis_url.rsplit("/", 1)[1]
    settings = _settings(tmp_path, postgres_url, f"redis://127.0.0.1:{redis_proxy.port}/{db}", redis_prefix)
    async with running_app(settings) as base_url, aiohttp.ClientSession() as http:
        user = TelegramUser(http, base_url, 70_001)
        assert [reply.text for reply in await user.send("/start")] == ["Готов"]
        webhook = f"{base_url}/webhooks/echo/telegram"
        headers = {"X-Telegram-Bot-Api-Secret-Token": telegram_webhook_secret(settings, "echo")}
        update = {"update_id": 880_001, **user.message_update("во время сбоя")}

        await redis_proxy.cut()
        async with http.post(webhook, json=update, headers=headers) as response:
            refused: tuple[int, str | None, Any] = (
                response.status,
                response.headers.get("Retry-After"),
                (await response.json())["error"]["code"],
            )
        await redis_proxy.restore()

        async def delivered_again() -> bool:
            async with http.post(webhook, json=update, headers=headers) as response:
                return response.status == 200

        await eventually(delivered_again, within=60, what="the webhook to be accepted again")

        async def answered() -> list[str] | None:
            texts = await _texts(user)
            return texts if "во время сбоя" in texts else None

        await eventually(answered, within=60, what="the redelivered message to be answered")
    assert refused == (503, "5", "unavailable")


async def test_a_replayed_webhook_after_redis_came_back_empty_is_not_answered_twice(
    tmp_path: Path,
    postgres_url: str,
    redis_url: str,
    redis_prefix: str,
    redis_keys: KeySpace,
    redis_client: Any,
) -> None:
    settings = _settings(tmp_path, postgres_url, redis_url, redis_prefix)
    async with running_app(settings) as base_url, aiohttp.ClientSession() as http:
        user = TelegramUser(http, base_url, 70_002)
        await user.send("/start")
        update = user.message_update("один раз")
        assert (await user.post_update(update))[0] == 200

        async def answered() -> list[str] | None:
            texts = await _texts(user)
            return texts if "один раз" in texts else None

        await eventually(answered, within=60, what="the message to be answered")
        keys = [key async for key in redis_client.scan_iter(match=redis_keys.pattern, count=1000)]
        await redis_client.delete(*keys)

        replay_status = (await user.post_update(update))[0]
        assert (await user.post_update(user.message_update("потом")))[0] == 200

        async def later_answered() -> list[str] | None:
            texts = await _texts(user)
            return texts if len(texts) > 2 and texts[-1] != "один раз" else None

        texts = await eventually(later_answered, within=60, what="the later message to be answered")
    assert replay_status == 200
    assert texts.count("один раз") == 1

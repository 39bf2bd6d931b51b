"""Web and worker processes on one PostgreSQL and Redis, as production runs them: subprocesses on
free ports, the fake Telegram in a process of its own, the echo bot answering every text with it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from aiohttp import FormData

from cabinet_api import links
from tests.support.processes import SECRET_KEY, echo_env, eventually, healthy, sent_texts, started
from tests.support.telegram_user import TelegramUser

CHATS = 20
MESSAGES_PER_CHAT = 10
API_KEY = "processes-test-api-key-0123456789"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        yield session


async def test_two_workers_and_two_web_processes_answer_every_message_once_and_in_order(
    tmp_path: Path, postgres_url: str, redis_url: str, redis_prefix: str, http: aiohttp.ClientSession
) -> None:
    with started(tmp_path) as processes:
        platform = processes.platform()
        env = echo_env(
            tmp_path,
            platform,
            OMNICAB_DATABASE_URL=postgres_url,
            OMNICAB_REDIS_URL=redis_url,
            OMNICAB_REDIS_PREFIX=redis_prefix,
            OMNICAB_API_KEYS=f"pbx:recordings:write,read:{API_KEY}",
        )
        processes.env.update(env)
        migrate = processes.omnicab("migrate", "migrate")
        assert migrate.process.wait(300) == 0, migrate.output()
        web = processes.omnicab("web", "web")
        other_web = processes.omnicab("web-2", "web")
        workers = [processes.omnicab(f"worker-{n}", "worker") for n in (1, 2)]
        everyone = [platform, web, other_web, *workers]
        for proc in everyone[1:]:
            await healthy(http, proc)

        async def chat(user_id: int) -> None:
            user = TelegramUser(http, platform.url, user_id)
            for text in ["/start", *(f"{user_id}:{n}" for n in range(MESSAGES_PER_CHAT))]:
                status, _ = await user.post_update(user.message_update(text))
                assert status == 200

        await asyncio.gather(*(chat(900_000 + n) for n in range(CHATS)))

        expected = {
            str(900_000 + n): ["Готов", *(f"{900_000 + n}:{m}" for m in range(MESSAGES_PER_CHAT))]
            for n in range(CHATS)
        }

        async def all_answered() -> dict[str, list[str]] | None:
            texts = await sent_texts(http, platform)
            return texts if sum(map(len, texts.values())) >= CHATS * (MESSAGES_PER_CHAT + 1) else None

        await eventually(all_answered, within=300, what="every message answered", procs=everyone)
        assert await sent_texts(http, platform) == expected

        # A file stored through one web process is served by the other (OMNICAB_FILE_STORAGE=database).
        audio = b"RIFF" + bytes(range(256)) * 8
        form = FormData()
        for name, value in {
            "client_phone": "+79990001122",
            "lawyer": "Иван Смирнов",
            "started_at": datetime.now(UTC).isoformat(),
            "duration": "5",
            "direction": "incoming",
            "source": "pbx",
        }.items():
            form.add_field(name, value)
        form.add_field("audio", audio, content_type="audio/wav", filename="call.wav")
        async with http.post(
            f"{web.url}/api/v1/recordings", data=form, headers={"Authorization": f"Bearer {API_KEY}"}
        ) as response:
            assert response.status == 201, await response.text()
        key = await _recording_file_key(postgres_url)
        token = links.sign(key, datetime.now(UTC) + timedelta(minutes=5), SECRET_KEY.encode())
        async with http.get(f"{other_web.url}/api/v1/files/{token}") as response:
            assert (response.status, await response.read()) == (200, audio)


async def _recording_file_key(postgres_url: str) -> str:
    conn = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return str(await conn.fetchval("SELECT file_key FROM recordings"))
    finally:
        await conn.close()

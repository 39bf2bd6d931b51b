"""The embedded default (SQLite, ``queues.db``) killed with -9 under load loses nothing it accepted.

``omnicab run`` on a temporary data directory, the fake Telegram in a process of its own (so what
the bot sent outlives the kill), messages from several chats at once; the app is killed mid-way,
started again on the same directory, and what the platform did not get a 200 for is delivered
again, as Telegram does.

The echo bot is a flow that asks for a text and answers it with that text; every chat is mid-flow
at the kill. The embedded default keeps dialog sessions in ``queues.db`` too, so after the restart
each chat goes on where it was: every message gets exactly one reply, its own text, in order, and
no chat is greeted again ("Готов" only once, for ``/start``).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.support.processes import Proc, echo_env, eventually, healthy, sent_texts, started
from tests.support.telegram_user import TelegramUser

CHATS = 6
MESSAGES_PER_CHAT = 20
KILL_AFTER_ACCEPTED = 50
_update_ids = itertools.count(500_000)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        yield session


async def test_kill_9_of_the_embedded_default_loses_and_doubles_nothing_it_accepted(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    with started(tmp_path) as processes:
        platform = processes.platform()
        database_url = f"sqlite+aiosqlite:///{tmp_path / 'omnicab.db'}"
        processes.env.update(echo_env(tmp_path, platform, OMNICAB_DATABASE_URL=database_url))
        app = processes.omnicab("run-1", "run")
        await healthy(http, app)
        accepted: list[str] = []
        killed = asyncio.Event()

        async def deliver(user: TelegramUser, update: dict[str, Any], text: str) -> None:
            """Until the webhook answers 200, as the platform retries."""
            while True:
                try:
                    status, _ = await user.post_update(update)
                except (aiohttp.ClientError, OSError):
                    status = 0
                if status == 200:
                    accepted.append(text)
                    if len(accepted) >= KILL_AFTER_ACCEPTED:
                        killed.set()
                    return
                await asyncio.sleep(0.2)

        async def chat(user_id: int) -> None:
            user = TelegramUser(http, platform.url, user_id)
            for text in ["/start", *(f"{user_id}:{n}" for n in range(MESSAGES_PER_CHAT))]:
                update = user.message_update(text)
                update["update_id"] = next(_update_ids)
                await deliver(user, update, text)

        sending = asyncio.gather(*(chat(800_000 + n) for n in range(CHATS)))
        await killed.wait()
        app.kill()
        restarted = processes.omnicab("run-2", "run")
        await healthy(http, restarted)
        await sending

        expected = {
            str(800_000 + n): ["Готов", *(f"{800_000 + n}:{m}" for m in range(MESSAGES_PER_CHAT))]
            for n in range(CHATS)
        }
        everyone: list[Proc] = [platform, restarted]

        async def all_answered() -> dict[str, list[str]] | None:
            texts = await sent_texts(http, platform)
            answered = sum(len(chat_texts) for chat_texts in texts.values())
            return texts if answered >= CHATS * (MESSAGES_PER_CHAT + 1) else None

        texts = await eventually(
            all_answered, within=300, what="every accepted message answered", procs=everyone
        )

    lost = sum(max(0, len(expected[chat]) - len(texts.get(chat, []))) for chat in expected)
    doubled = sum(max(0, len(texts.get(chat, [])) - len(expected[chat])) for chat in expected)
    out_of_order = sum(
        reply != wanted
        for chat in expected
        for wanted, reply in zip(expected[chat], texts.get(chat, []), strict=False)
    )
    started_over = sum(texts.get(chat, []).count("Готов") - 1 for chat in expected)
    print(
        f"embedded kill -9: accepted {len(accepted)}, lost {lost}, doubled {doubled}, "
        f"out of order {out_of_order}, flows started over {started_over}"
    )
    assert (lost, doubled, out_of_order, started_over) == (0, 0, 0, 0)

"""Poison never blocks: bounded attempts, then a dead letter an admin sees and replays."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from adapters.types import Channel, ConversationRef
from bots.app.cli import main
from bots.app.factory import SERVICES
from bots.app.settings import Settings
from tests.bots.pipeline.delivery_support import app_database, control, metric, outgoing, taken_sends
from tests.support.app import serving
from tests.support.console_user import ConsoleUser
from tests.support.telegram_user import TelegramUser
from tests.support.waiting import eventually


@pytest.fixture
def stack_settings() -> dict[str, object]:
    return {"inbox_max_attempts": 2, "outbox_max_attempts": 2}


async def test_a_poison_event_is_dead_lettered_and_the_conversation_goes_on(
    stack: Settings, http: aiohttp.ClientSession
) -> None:
    async with serving(stack) as app:
        services = app[SERVICES]
        user = TelegramUser(http, stack.base_url, user_id=9501)
        await user.send("/start")
        conversation = ConversationRef(channel=Channel.TELEGRAM, bot="legal", chat_id="9501", user_id="9501")
        poison = b'{"conversation": ' + conversation.model_dump_json().encode() + b', "event_id": 7}'
        await services.backends.inbox.put(conversation.key, poison)
        assert await user.send("помощь"), "the next message of the same conversation is answered"

        async def buried() -> bool:
            return bool(await services.cabinet.dead_letters.list())

        await eventually(buried, "the poison event is dead-lettered")
        admin = ConsoleUser(stack.base_url)
        operator = ConsoleUser(stack.base_url)
        try:
            await admin.login("admin")
            letters = (await admin.get("/dead-letters"))["items"]
            assert [(x["kind"], x["key"], x["attempts"]) for x in letters] == [("inbox", conversation.key, 2)]
            assert "ValidationError" in letters[0]["error"]
            await operator.login("operator")
            status, _ = await operator.call("GET", "/dead-letters")
            assert status == 403
        finally:
            await admin.close()
            await operator.close()
        assert await metric(http, stack.base_url, 'omnicab_dead_letters_total{kind="inbox"}') == 1.0


async def test_a_send_refused_every_time_is_dead_lettered_and_a_replay_sends_it(
    stack: Settings, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serving(stack) as app:
        services = app[SERVICES]
        database = app_database(app)
        user = TelegramUser(http, stack.base_url, user_id=9502)
        await user.send("/start")
        earlier = len(await outgoing(database, user.user_id))
        refusal = {"error_code": 502, "method": "sendMessage"}
        await control(http, stack.base_url, refusal, refusal)
        status, _ = await user.post_update(user.message_update("помощь"))
        assert status == 200

        async def settled() -> list[str]:
            rows = (await outgoing(database, user.user_id))[earlier:]
            done = rows and all(row.status in ("sent", "failed") for row in rows)
            return [row.event_id for row in rows if row.status == "failed"] if done else []

        failed = await eventually(settled, "the refused reply is failed, the rest of the turn sent")
        assert len(failed) == 1
        letters = await services.cabinet.dead_letters.list()
        assert [(x.kind, x.attempts) for x in letters] == [("outbox", 2)]
        sends_before = len(await taken_sends(user))

        monkeypatch.setenv("OMNICAB_DATABASE_URL", stack.database_url)
        monkeypatch.setenv("OMNICAB_DATA_DIR", str(stack.data_dir))
        assert await asyncio.to_thread(main, ["replay", "--all"]) == 0

        async def replayed() -> bool:
            rows = await outgoing(database, user.user_id)
            return all(row.status == "sent" for row in rows)

        await eventually(replayed, "the replayed reply is sent")
        assert len(await taken_sends(user)) == sends_before + 1
        assert await services.cabinet.dead_letters.list() == []
        assert await metric(http, stack.base_url, 'omnicab_dead_letters_total{kind="outbox"}') == 1.0

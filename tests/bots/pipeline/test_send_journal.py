"""A send and its record never split: the intent is written before the platform call and the result
after it; the recording is retried when the database is down, never the send; a send whose outcome
is unknown is marked and counted, not repeated; only what the platform refused is sent again."""

from __future__ import annotations

import logging
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from adapters.types import Channel, ConversationRef, Outbound, Reply
from bots.app.factory import SERVICES
from bots.app.settings import Settings
from cabinet_api.db import Database
from cabinet_api.models import OutboundSend
from tests.bots.pipeline.delivery_support import app_database, control, metric, outgoing, taken_sends
from tests.support.app import demo_settings, serving
from tests.support.tcp_proxy import TcpProxy
from tests.support.telegram_user import TelegramUser
from tests.support.waiting import eventually


async def test_database_down_after_a_send_the_record_lands_later_and_nothing_is_sent_twice(
    tmp_path: Path,
    postgres_url: str,
    redis_url: str,
    redis_prefix: str,
    http: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bots.pipeline.outbox")
    target = make_url(postgres_url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    await proxy.start()
    through_proxy = target.set(port=proxy.port).render_as_string(hide_password=False)
    settings = demo_settings(
        tmp_path, database_url=through_proxy, redis_url=redis_url, redis_prefix=redis_prefix
    )
    observer = Database(postgres_url)
    try:
        async with serving(settings):
            user = TelegramUser(http, settings.base_url, user_id=9401)
            await user.send("/start")
            before = len(await taken_sends(user))
            await control(http, settings.base_url, {"delay": 1.5, "method": "sendMessage"})
            status, _ = await user.post_update(user.message_update("помощь"))
            assert status == 200

            async def the_call_is_in_flight() -> bool:
                return len(await taken_sends(user)) > before

            await eventually(the_call_is_in_flight, "the platform takes the reply (and answers late)")
            await proxy.cut()

            async def recording_failed() -> bool:
                return "recording a send failed" in caplog.text

            await eventually(recording_failed, "the outbox tries to record the send with the database down")
            await proxy.restore()

            async def all_recorded() -> bool:
                rows = await outgoing(observer, user.user_id)
                return bool(rows) and all(row.status == "sent" for row in rows)

            await eventually(all_recorded, "every reply recorded as sent once the database is back")
            rows = await outgoing(observer, user.user_id)
            sends = await taken_sends(user)
            assert len(sends) == len(rows), "each reply reached the platform exactly once"
            assert all(row.platform_message_id for row in rows)
    finally:
        await observer.dispose()
        await proxy.close()


async def test_a_send_whose_answer_never_comes_is_marked_unknown_counted_and_not_repeated(
    stack: Settings, http: aiohttp.ClientSession
) -> None:
    async with serving(stack) as app:
        user = TelegramUser(http, stack.base_url, user_id=9402)
        await user.send("/start")
        await control(http, stack.base_url, {"disconnect": True, "method": "sendMessage"})
        status, _ = await user.post_update(user.message_update("помощь"))
        assert status == 200
        database = app_database(app)

        async def settled() -> bool:
            rows = await outgoing(database, user.user_id)
            return any(row.status == "unknown" for row in rows) and all(
                row.status in ("sent", "unknown") for row in rows
            )

        await eventually(settled, "the reply without an answer is marked unknown, the rest sent")
        rows = await outgoing(database, user.user_id)
        assert [row.status for row in rows].count("unknown") == 1
        assert len(await taken_sends(user)) == len(rows), "the platform got it once; it was not sent again"
        counted = await metric(http, stack.base_url, 'omnicab_outbox_unknown_total{channel="telegram"}')
        assert counted == 1.0
        assert await user.send("/start"), "the conversation goes on"


async def test_a_sent_reply_has_its_call_and_its_status_recorded_alike(
    stack: Settings, http: aiohttp.ClientSession
) -> None:
    """The last call's result and the message's status are one write: both there, and they agree."""
    async with serving(stack) as app:
        user = TelegramUser(http, stack.base_url, user_id=9405)
        await user.send("/start")
        database = app_database(app)

        async def all_sent() -> bool:
            rows = await outgoing(database, user.user_id)
            return bool(rows) and all(row.status == "sent" for row in rows)

        await eventually(all_sent, "every reply of /start recorded as sent")
        rows = await outgoing(database, user.user_id)
        async with database.session() as session:
            calls = (
                await session.execute(
                    select(
                        OutboundSend.outbound_id, OutboundSend.state, OutboundSend.platform_message_id
                    ).where(OutboundSend.outbound_id.in_([row.event_id for row in rows]))
                )
            ).all()
        assert sorted((call.outbound_id, call.state, call.platform_message_id) for call in calls) == sorted(
            (row.event_id, "sent", row.platform_message_id) for row in rows
        )
        assert all(row.platform_message_id for row in rows)


async def test_an_intent_without_a_result_is_resolved_unknown_never_sent(
    stack: Settings, http: aiohttp.ClientSession
) -> None:
    """What a process that died between the call and its record leaves: resolved, not repeated."""
    async with serving(stack) as app:
        user = TelegramUser(http, stack.base_url, user_id=9403)
        await user.send("/start")
        services = app[SERVICES]
        rows = await outgoing(services.database, user.user_id)
        conversation = ConversationRef(channel=Channel.TELEGRAM, bot="legal", chat_id="9403", user_id="9403")
        interrupted = Outbound(
            id="test:interrupted", conversation=conversation, reply=Reply(text="Ответ, прерванный падением")
        )
        await services.cabinet.history.record_outbound(rows[0].client_id, interrupted)
        assert await services.cabinet.sends.begin("telegram", "legal", interrupted.id, 0) is None
        await services.backends.outbox.put(conversation.key, interrupted.model_dump_json().encode())

        async def resolved() -> bool:
            current = await outgoing(services.database, user.user_id)
            return any(row.event_id == interrupted.id and row.status == "unknown" for row in current)

        await eventually(resolved, "the interrupted send is marked unknown")
        texts = [call["body"].get("text") for call in await taken_sends(user)]
        assert "Ответ, прерванный падением" not in texts


async def test_a_429_is_retried_after_the_time_the_platform_asks(
    stack: Settings, http: aiohttp.ClientSession
) -> None:
    async with serving(stack) as app:
        user = TelegramUser(http, stack.base_url, user_id=9404)
        await user.send("/start")
        database = app_database(app)
        earlier = len(await outgoing(database, user.user_id))
        await control(http, stack.base_url, {"error_code": 429, "retry_after": 2, "method": "sendMessage"})
        status, _ = await user.post_update(user.message_update("помощь"))
        assert status == 200

        async def all_sent() -> bool:
            rows = await outgoing(database, user.user_id)
            return len(rows) > earlier and all(row.status == "sent" for row in rows)

        await eventually(all_sent, "the refused reply went out later")
        calls = [call for call in await user.calls() if call["method"] == "sendMessage"]
        refused = next(call for call in calls if call.get("error_code") == 429)
        taken_after = [call for call in calls if call["ok"] and call["seq"] > refused["seq"]]
        assert taken_after[0]["at"] - refused["at"] >= 1.9, "not before retry_after"
        rows = await outgoing(database, user.user_id)
        assert len(await taken_sends(user)) == len(rows)
        assert all(row.status == "sent" for row in rows)

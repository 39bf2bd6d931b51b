"""The outbox fails a message that can never be sent once, and the conversation goes on."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy import select

from adapters.types import Attachment, AttachmentKind, Channel, ConversationRef, FileSource, Outbound, Reply
from bots.app.factory import SERVICES, create_app
from bots.demo import DemoMode
from cabinet_api.models import ChannelIdentity, Message
from tests.support.app import demo_settings
from tests.support.telegram_user import TelegramUser
from tests.support.waiting import eventually


async def test_a_file_that_is_no_longer_stored_fails_once_and_later_replies_still_go(
    tmp_path: Path,
) -> None:
    settings = demo_settings(tmp_path)
    app = create_app(settings, demo=DemoMode())
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    try:
        async with aiohttp.ClientSession() as http:
            user = TelegramUser(http, settings.base_url, user_id=9301)
            await user.send("/start")
            services = app[SERVICES]
            async with services.database.session() as session:
                client_id = await session.scalar(
                    select(ChannelIdentity.client_id).where(ChannelIdentity.platform_user_id == "9301")
                )
            assert client_id is not None
            lost = Outbound(
                id="test:lost-file",
                conversation=ConversationRef(
                    channel=Channel.TELEGRAM, bot="legal", chat_id="9301", user_id="9301"
                ),
                reply=Reply(
                    attachment=Attachment(
                        kind=AttachmentKind.AUDIO, source=FileSource(storage_key="recordings/gone.ogg")
                    )
                ),
            )
            await services.cabinet.history.record_outbound(client_id, lost)
            await services.backends.outbox.put(
                lost.conversation.key, lost.model_dump_json().encode(), dedupe_id=lost.id
            )
            assert await user.send("помощь"), "the conversation goes on after the failed message"

            async def failed() -> bool:
                async with services.database.session() as session:
                    status = await session.scalar(select(Message.status).where(Message.event_id == lost.id))
                return status == "failed"

            await eventually(failed, "the lost message is marked failed")
    finally:
        await runner.cleanup()

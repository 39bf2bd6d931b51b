"""``omnicab test BOT_DIR``: a bot's conversation scripts with its real actions, on a scratch database."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from adapters.types import Channel, ConversationRef, Inbound, Sender, StartBody
from bots.app.loading import action_runner
from cabinet_api import Database, cabinet_services
from cabinet_api.services.identity import IdentityService
from dialogs.model import CompiledBot
from dialogs.script import ScriptResult, run_script


async def run_scripts(compiled: CompiledBot, scripts: Sequence[Path]) -> list[ScriptResult]:
    results: list[ScriptResult] = []
    with tempfile.TemporaryDirectory(prefix="omnicab-scripts-") as scratch:
        database = Database(f"sqlite+aiosqlite:///{scratch}/scripts.db")
        try:
            await database.migrate()
            cabinet = cabinet_services(database)
            actions = action_runner(compiled, cabinet)
            for number, path in enumerate(scripts, start=1):
                client_id = await _scratch_client(cabinet.identity, compiled.name, number)
                results.append(await run_script(compiled, path, actions, client_id=client_id))
        finally:
            await database.dispose()
    return results


async def _scratch_client(identity: IdentityService, bot: str, number: int) -> str:
    user = f"script-{number}"
    event = Inbound(
        event_id=f"script-{number}",
        conversation=ConversationRef(channel=Channel.TELEGRAM, bot=bot, chat_id=user, user_id=user),
        sender=Sender(user_id=user),
        body=StartBody(),
    )
    return (await identity.identify(event)).public_id

"""``omnicab chat``: a bot in the terminal, through the same engine, actions and database.

The terminal is the designer's own machine, so a phone typed where the bot asks to share one counts
as the terminal user's verified phone, as a messenger's share-phone button would: every flow,
the cabinet's too, can be tried without a messenger.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from pathlib import Path

from adapters.phones import normalize_phone
from adapters.types import (
    ButtonPress,
    Channel,
    ContactShared,
    ConversationRef,
    Inbound,
    Reply,
    Sender,
    StartBody,
    TextBody,
)
from bots.app.loading import action_runner, compile_bot
from bots.app.settings import Settings
from cabinet_api import Database, cabinet_services
from dialogs.engine import DialogEngine
from dialogs.loader import BotLoadError
from dialogs.session import SessionState
from dialogs.turn import ClientView

TERMINAL_USER = "terminal"


async def chat(bot_dir: Path, settings: Settings, *, locale: str, name: str | None) -> int:
    database = Database(settings.database_url)
    await database.migrate()
    cabinet = cabinet_services(database)
    try:
        compiled = compile_bot(bot_dir, cabinet)
    except BotLoadError as error:
        print(error)
        return 1
    engine = DialogEngine(compiled, action_runner(compiled, cabinet))
    conversation = ConversationRef(
        channel=Channel.TELEGRAM, bot=bot_dir.name, chat_id=TERMINAL_USER, user_id=TERMINAL_USER
    )
    sender = Sender(user_id=TERMINAL_USER, first_name=name, display_name=name, locale=locale)
    # Messages are keyed by identity in the database the terminal shares with the app: each run
    # numbers its messages under a fresh prefix, or a rerun would find the first run's request.
    run = secrets.token_hex(6)
    counter = itertools.count(1)
    session: SessionState | None = None
    buttons: list[str] = []
    print("Type a message; a number presses a button; /quit leaves.\n")
    body: TextBody | ButtonPress | StartBody | ContactShared = StartBody()
    try:
        while True:
            event = Inbound(
                event_id=f"terminal-{run}-{next(counter)}",
                conversation=conversation,
                sender=sender,
                body=body,
            )
            profile = await cabinet.identity.identify(event)
            view = ClientView(
                id=profile.public_id,
                first_name=profile.first_name,
                locale=profile.locale,
                phone_verified=profile.phone_verified,
                channel=Channel.TELEGRAM.value,
            )
            result = await engine.turn(event, session, view)
            session = result.session
            buttons = _show(result.replies) or buttons
            asks_for_phone = any(reply.request_contact for reply in result.replies)
            if result.handoff:
                print(f"  [handoff to queue '{result.handoff.queue}', reason '{result.handoff.reason}']")
            line = (await asyncio.to_thread(input, "> ")).strip()
            if line in {"/quit", "/exit"}:
                return 0
            phone = normalize_phone(line) if asks_for_phone else None
            if line.isdigit() and 1 <= int(line) <= len(buttons):
                body = ButtonPress(payload=buttons[int(line) - 1])
            elif phone is not None:
                body = ContactShared(phone=phone, verified=True, first_name=name)
            else:
                body = TextBody(text=line)
    except (EOFError, KeyboardInterrupt):
        return 0
    finally:
        await database.dispose()


def _show(replies: tuple[Reply, ...]) -> list[str]:
    """Prints the replies with every choice numbered, as the hints for numbered choices say."""
    payloads: list[str] = []
    for reply in replies:
        text = reply.numbered_text or reply.typed_contact_text or reply.text
        if text:
            print(f"bot: {text}")
        if reply.attachment:
            print(f"  [{reply.attachment.kind.value}: {reply.attachment.file_name or 'file'}]")
        for button in reply.buttons:
            payloads.append(button.payload)
            print(f"  {len(payloads)}. {button.title}")
        if reply.request_contact:
            print(f"  ({reply.request_contact}: type your phone, it counts as shared and verified)")
    return payloads

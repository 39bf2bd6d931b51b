"""The inbox asks handoff who owns the conversation before every turn, and passes the bot's requests
for a person to it."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from sqlalchemy import select

from adapters.types import ConversationRef, Inbound, TextBody
from bots.app.factory import SERVICES
from bots.app.loading import action_runner, compile_bot
from bots.app.settings import Settings
from bots.pipeline.inbox import InboxWorker
from bots.pipeline.metrics import Metrics
from bots.pipeline.people_outlet import PeopleOutlet
from bots.pipeline.runtime import BotRuntime
from bots.state.memory import MemoryPubSub
from bots.state.memory.queue import MemoryWorkQueue
from bots.state.memory.sessions import MemorySessionStore
from bots.state.memory.tokens import MemoryTokenStore
from cabinet_api import CabinetServices, ClientProfile, Database, HandoffView
from cabinet_api.models import ChannelIdentity
from dialogs.engine import DialogEngine
from handoff import HandoffDesk, HandoffRequest, Owner, PersonOwner
from tests.cabinet_api.conftest import inbound
from tests.support.app import serving
from tests.support.telegram_user import TelegramUser

LEGAL_BOT = Path(__file__).resolve().parents[3] / "bots" / "legal"


async def test_asking_for_a_lawyer_queues_the_client_and_the_bot_steps_aside(
    http: aiohttp.ClientSession, stack: Settings
) -> None:
    async with serving(stack) as app:
        user = TelegramUser(http, stack.base_url, user_id=9401)
        await user.send("/start")
        said = await user.press("Связаться с юристом")
        services = app[SERVICES]
        async with services.database.session() as session:
            client_id = await session.scalar(
                select(ChannelIdentity.client_id).where(ChannelIdentity.platform_user_id == "9401")
            )
        assert client_id is not None
        queued = await services.cabinet.conversations.open_of(client_id)
        status, _ = await user.post_update(user.message_update("Жду юриста"))

    assert any("место в очереди" in message.text for message in said)
    assert queued is not None
    assert (queued.queue, queued.reason, queued.channel, queued.state) == (
        "lawyers",
        "asked",
        "telegram",
        "queued",
    )
    assert status == 200


class PeopleHoldEveryConversation:
    """A desk whose conversations are all held by a person (as the console will make them)."""

    def __init__(self) -> None:
        self.asked: list[ConversationRef] = []

    async def owner(self, client_id: int, conversation: ConversationRef) -> Owner:
        self.asked.append(conversation)
        return PersonOwner(queue="lawyers", person="operator")

    async def receive(self, profile: ClientProfile, event: Inbound, *, free_text: bool) -> bool:
        self.asked.append(event.conversation)
        return True

    async def request_handoff(self, request: HandoffRequest) -> HandoffView:
        raise AssertionError("no dialog turn runs, so nothing asks for a person")


def _inbox(cabinet: CabinetServices, desk: PeopleHoldEveryConversation | HandoffDesk) -> InboxWorker:
    compiled = compile_bot(LEGAL_BOT, cabinet)
    engine = DialogEngine(compiled, action_runner(compiled, cabinet))
    return InboxWorker(
        {"legal": BotRuntime("legal", compiled, engine, {})},
        clients=cabinet.identity,
        history=cabinet.history,
        receipts=cabinet.delivery,
        handoff=desk,
        sessions=MemorySessionStore(ttl_seconds=60),
        tokens=MemoryTokenStore(ttl=60),
        outbox=MemoryWorkQueue("outbox", dedupe_ttl=60),
        metrics=Metrics(),
    )


async def test_while_a_person_holds_the_conversation_the_bot_keeps_silent(
    cabinet: CabinetServices, db: Database
) -> None:
    desk = PeopleHoldEveryConversation()
    event = inbound(TextBody(text="Здравствуйте, у меня вопрос по договору"), user="9402")

    await _inbox(cabinet, desk).handle(event.model_dump_json().encode())

    profile = await cabinet.identity.identify(event)
    history = await cabinet.history.history(profile.client_id)
    assert desk.asked == [event.conversation]
    assert [(entry.direction, entry.text) for entry in history] == [
        ("in", "Здравствуйте, у меня вопрос по договору")
    ]


async def test_while_the_bot_owns_the_conversation_it_answers(cabinet: CabinetServices) -> None:
    event = inbound(TextBody(text="/start"), user="9403")

    desk = HandoffDesk(
        cabinet,
        outlet=PeopleOutlet(cabinet.history, MemoryWorkQueue("o", dedupe_ttl=60)),
        prompts=MemoryPubSub(),
    )
    await _inbox(cabinet, desk).handle(event.model_dump_json().encode())

    profile = await cabinet.identity.identify(event)
    directions = [entry.direction for entry in await cabinet.history.history(profile.client_id)]
    assert directions[0] == "in"
    assert "out" in directions

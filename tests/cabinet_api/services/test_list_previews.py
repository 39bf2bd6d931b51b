"""What the console's conversation lists show of each client's history, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from adapters.types import (
    Body,
    ButtonPress,
    FileBody,
    MediaKind,
    Outbound,
    Reply,
    TextBody,
)
from cabinet_api import CabinetServices, ClientProfile, Database
from tests.cabinet_api.conftest import inbound

ASKED = "Хочу поговорить с юристом о разводе"
NOTICE = "Передаём ваш вопрос специалисту. Ваше место в очереди: 1."


class Client:
    def __init__(self, cabinet: CabinetServices, profile: ClientProfile, user: str) -> None:
        self.cabinet, self.profile, self.user = cabinet, profile, user
        self._sent = 0

    @property
    def id(self) -> int:
        return self.profile.client_id

    async def writes(self, body: Body) -> None:
        await self.cabinet.history.record_inbound(self.profile, inbound(body, user=self.user))

    async def is_told(self, text: str, *, author: str | None = None, person_id: int | None = None) -> None:
        """``author`` None: the bot; ``system``: a notice of the handoff desk; ``person``: ``person_id``."""
        self._sent += 1
        outbound = Outbound(
            id=f"out-{self.user}-{self._sent}",
            conversation=inbound(TextBody(text="-"), user=self.user).conversation,
            reply=Reply(text=text),
        )
        await self.cabinet.history.record_outbound(self.profile, outbound, author=author, person_id=person_id)


async def _client(cabinet: CabinetServices, user: str) -> Client:
    profile = await cabinet.identity.identify(
        inbound(ButtonPress(payload="start"), user=user, first_name=user)
    )
    return Client(cabinet, profile, user)


@contextmanager
def statements_on_messages(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "messages" in statement:
            seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)


async def test_a_waiting_clients_words_are_picked_past_the_desks_notice_and_their_button_press(
    cabinet: CabinetServices,
) -> None:
    client = await _client(cabinet, "p1")
    await client.writes(TextBody(text=ASKED))
    await client.writes(ButtonPress(payload="goto:talk_to_human"))
    await client.is_told(NOTICE, author="system")

    preview = (await cabinet.conversations.list_previews([client.id]))[client.id]

    assert (preview.newest.author, preview.newest.text) == ("system", NOTICE)
    assert preview.client is not None
    assert preview.said is not None
    assert (preview.client.author, preview.client.text) == ("client", ASKED)
    assert preview.said == preview.client


async def test_a_file_without_words_is_the_clients_newest_and_the_bot_speaks_when_the_client_has_not(
    cabinet: CabinetServices,
) -> None:
    sent_a_file, silent = await _client(cabinet, "p2"), await _client(cabinet, "p3")
    await sent_a_file.writes(TextBody(text="Вот договор"))
    await sent_a_file.writes(FileBody(media=MediaKind.DOCUMENT, file_id="f1", file_name="договор.pdf"))
    await sent_a_file.is_told(NOTICE, author="system")
    await silent.is_told("Чем можем помочь?")
    await silent.is_told(NOTICE, author="system")

    previews = await cabinet.conversations.list_previews([sent_a_file.id, silent.id])

    file = previews[sent_a_file.id].client
    assert file is not None
    assert (file.kind, file.text) == ("file", None)
    assert previews[silent.id].client is None
    said = previews[silent.id].said
    assert said is not None
    assert (said.author, said.text) == ("bot", "Чем можем помочь?")


async def test_a_persons_reply_is_said_and_the_notices_after_it_are_not(cabinet: CabinetServices) -> None:
    client = await _client(cabinet, "p4")
    await client.writes(TextBody(text=ASKED))
    lawyer = await cabinet.people.add_person(
        "lawyer", name="Иван Смирнов", role="lawyer", password_hash="x", queues=("lawyers",), max_chats=5
    )
    await client.is_told("Здравствуйте! Слушаю вас.", author="person", person_id=lawyer.id)
    await client.is_told("Иван Смирнов передал ваш вопрос коллеге.", author="system")

    preview = (await cabinet.conversations.list_previews([client.id]))[client.id]

    assert preview.said is not None
    assert preview.said.person is not None
    assert (preview.said.author, preview.said.text) == ("person", "Здравствуйте! Слушаю вас.")
    assert preview.said.person.login == "lawyer"
    assert preview.newest.author == "system"


async def test_a_card_number_stays_masked_in_the_clients_words(cabinet: CabinetServices) -> None:
    client = await _client(cabinet, "p5")
    await client.writes(TextBody(text="Верните деньги на карту 4276 1234 5678 9012"))

    preview = (await cabinet.conversations.list_previews([client.id]))[client.id]

    assert preview.client is not None
    assert preview.client.text is not None
    assert "1234 5678" not in preview.client.text
    assert preview.client.text.endswith("9012")


async def test_the_whole_list_takes_one_statement(cabinet: CabinetServices, db: Database) -> None:
    clients = [await _client(cabinet, f"q{number}") for number in range(5)]
    for client in clients:
        await client.writes(TextBody(text=f"{ASKED}, {client.user}"))
        await client.is_told(NOTICE, author="system")
    nobody = await _client(cabinet, "q-silent")

    with statements_on_messages(db) as statements:
        previews = await cabinet.conversations.list_previews([c.id for c in clients] + [nobody.id])

    assert len(statements) == 1
    assert {client_id: p.client.text for client_id, p in previews.items() if p.client} == {
        client.id: f"{ASKED}, {client.user}" for client in clients
    }
    assert nobody.id not in previews

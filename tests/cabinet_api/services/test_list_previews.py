"""What the console's conversation lists show of each client's history, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from adapters.types import (
    Body,
    Button,
    ButtonPress,
    FileBody,
    MediaKind,
    Outbound,
    Reply,
    TextBody,
)
from cabinet_api import CabinetServices, ClientProfile, Database
from cabinet_api.services import ConsoleMessage
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

    async def is_told(
        self,
        text: str,
        *,
        author: str | None = None,
        person_id: int | None = None,
        buttons: tuple[Button, ...] = (),
    ) -> None:
        """``author`` None: the bot; ``system``: a notice of the handoff desk; ``person``: ``person_id``."""
        self._sent += 1
        outbound = Outbound(
            id=f"out-{self.user}-{self._sent}",
            conversation=inbound(TextBody(text="-"), user=self.user).conversation,
            reply=Reply(text=text, buttons=buttons),
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


MENU = (
    Button(title="Частые вопросы", payload="c-faq"),
    Button(title="Связаться с юристом", payload="c-lawyer"),
)
BACK = (Button(title="Главное меню", payload="c-menu"),)


def _payload(message: ConsoleMessage | None) -> object:
    return None if message is None else (message.payload or {}).get("payload")


async def test_a_client_who_only_pressed_buttons_has_their_last_press_and_the_message_that_offered_it(
    cabinet: CabinetServices,
) -> None:
    client = await _client(cabinet, "b1")
    await client.is_told("Чем могу помочь?", buttons=MENU)
    await client.writes(ButtonPress(payload="c-faq"))
    await client.is_told("Выберите вопрос", buttons=BACK)
    await client.writes(ButtonPress(payload="c-menu"))
    await client.is_told("Здравствуйте!")
    await client.is_told("Чем ещё могу помочь?", buttons=MENU)
    await client.writes(ButtonPress(payload="c-lawyer"))
    await client.is_told(NOTICE, author="system")

    preview = (await cabinet.conversations.list_previews([client.id]))[client.id]

    assert preview.client is None
    assert preview.pressed is not None
    assert (preview.pressed.kind, _payload(preview.pressed)) == ("button", "c-lawyer")
    assert preview.offer is not None
    assert preview.offer.text == "Чем ещё могу помочь?"
    assert [button["title"] for button in (preview.offer.payload or {})["buttons"]] == [
        "Частые вопросы",
        "Связаться с юристом",
    ]


async def test_a_button_pressed_under_an_older_message_is_offered_by_that_message(
    cabinet: CabinetServices,
) -> None:
    """Telegram keeps the buttons of old messages: the newest message before the press need not offer it."""
    client = await _client(cabinet, "b2")
    await client.is_told("Чем могу помочь?", buttons=MENU)
    await client.writes(ButtonPress(payload="c-faq"))
    await client.is_told("Выберите вопрос", buttons=BACK)
    await client.writes(ButtonPress(payload="c-lawyer"))

    preview = (await cabinet.conversations.list_previews([client.id]))[client.id]

    assert _payload(preview.pressed) == "c-lawyer"
    assert preview.offer is not None
    assert preview.offer.text == "Чем могу помочь?"


async def test_a_press_nothing_offered_has_no_offer(cabinet: CabinetServices) -> None:
    client = await _client(cabinet, "b3")
    await client.is_told("Выберите вопрос", buttons=BACK)
    await client.writes(ButtonPress(payload="c-forged"))

    preview = (await cabinet.conversations.list_previews([client.id]))[client.id]

    assert _payload(preview.pressed) == "c-forged"
    assert preview.offer is None


async def test_the_whole_list_takes_one_statement(cabinet: CabinetServices, db: Database) -> None:
    clients = [await _client(cabinet, f"q{number}") for number in range(5)]
    for client in clients:
        await client.writes(TextBody(text=f"{ASKED}, {client.user}"))
        await client.is_told(NOTICE, author="system")
    pressing = [await _client(cabinet, f"q-pressed{number}") for number in range(3)]
    for client in pressing:
        await client.is_told("Чем могу помочь?", buttons=MENU)
        await client.writes(ButtonPress(payload="c-lawyer"))
    nobody = await _client(cabinet, "q-silent")

    with statements_on_messages(db) as statements:
        previews = await cabinet.conversations.list_previews([c.id for c in clients + pressing] + [nobody.id])

    assert len(statements) == 1
    assert {client_id: p.client.text for client_id, p in previews.items() if p.client} == {
        client.id: f"{ASKED}, {client.user}" for client in clients
    }
    assert {client_id: p.offer.text for client_id, p in previews.items() if p.offer} == {
        client.id: "Чем могу помочь?" for client in pressing
    }
    assert nobody.id not in previews

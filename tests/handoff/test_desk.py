"""The desk over real cabinet services on SQLite and PostgreSQL: routing, presence, triggers, take races."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from adapters.types import Channel, Outbound, TextBody
from bots.state.memory import MemoryPubSub
from cabinet_api import CabinetServices, ClientProfile, Database
from cabinet_api.services import ConversationConflict, PersonView
from handoff import BusinessHours, DeskPolicy, HandoffDesk, HandoffRequest
from handoff.passwords import hash_password
from tests.cabinet_api.conftest import FakeClock, inbound


class RecordingOutlet:
    def __init__(self) -> None:
        self.sent: list[tuple[int, Outbound, str]] = []

    async def send(
        self, client_id: int, outbound: Outbound, *, author: str, person_id: int | None = None
    ) -> None:
        self.sent.append((client_id, outbound, author))

    def texts(self) -> list[str]:
        return [outbound.reply.text for _, outbound, _ in self.sent]


@pytest.fixture
def outlet() -> RecordingOutlet:
    return RecordingOutlet()


@pytest.fixture
def desk(cabinet: CabinetServices, clock: FakeClock, outlet: RecordingOutlet) -> HandoffDesk:
    return HandoffDesk(cabinet, outlet=outlet, prompts=MemoryPubSub(), clock=clock)


async def _client(cabinet: CabinetServices, user: str) -> ClientProfile:
    return await cabinet.identity.identify(inbound(TextBody(text="привет"), user=user, first_name=user))


async def _person(
    cabinet: CabinetServices, login: str, *, queues: tuple[str, ...] = ("lawyers",), max_chats: int = 5
) -> PersonView:
    return await cabinet.people.add_person(
        login,
        name=login.title(),
        role="lawyer",
        password_hash=hash_password("secret"),
        queues=queues,
        max_chats=max_chats,
    )


async def _ask(
    desk: HandoffDesk, client: ClientProfile, *, queue: str = "lawyers", reason: str = "asked"
) -> int:
    ref = inbound(TextBody(text="оператор"), user=str(client.client_id)).conversation
    conversation = await desk.request_handoff(
        HandoffRequest(client_id=client.client_id, conversation=ref, queue=queue, reason=reason)
    )
    return conversation.id


async def test_a_waiting_client_is_told_their_place_and_waits_for_someone_online(
    desk: HandoffDesk, cabinet: CabinetServices, outlet: RecordingOutlet
) -> None:
    first, second = await _client(cabinet, "a1"), await _client(cabinet, "a2")
    await _ask(desk, first)
    await _ask(desk, second)

    assert "Ваше место в очереди: 1." in outlet.texts()[0]
    assert "Ваше место в очереди: 2." in outlet.texts()[1]
    waiting = await cabinet.conversations.find(states=("queued",))
    assert [conversation.client_id for conversation in waiting] == [first.client_id, second.client_id]


async def test_emergencies_go_first_and_to_the_least_loaded_person_with_the_skill(
    desk: HandoffDesk, cabinet: CabinetServices
) -> None:
    busy, free = (
        await _person(cabinet, "busy", queues=("duty_lawyer",)),
        await _person(cabinet, "free", queues=("duty_lawyer",)),
    )
    other = await _person(cabinet, "other", queues=("first_line",))
    for person in (busy, free, other):
        await desk.set_status(person, "online")
    early = await _ask(desk, await _client(cabinet, "b1"), queue="duty_lawyer")
    assert (await cabinet.conversations.conversation(early)).assignee.login in {"busy", "free"}  # type: ignore[union-attr]
    holder = (await cabinet.conversations.conversation(early)).assignee
    urgent = await _ask(desk, await _client(cabinet, "b2"), queue="duty_lawyer", reason="emergency")

    assigned = await cabinet.conversations.conversation(urgent)
    assert assigned.priority == 0
    assert assigned.assignee is not None
    assert holder is not None
    assert assigned.assignee.login != holder.login
    assert assigned.assignee.login != "other"


async def test_capacity_counts_a_conversation_waiting_for_the_client_as_half(
    desk: HandoffDesk, cabinet: CabinetServices
) -> None:
    lawyer = await _person(cabinet, "solo", max_chats=2)
    await desk.set_status(lawyer, "online")
    first = await _ask(desk, await _client(cabinet, "c1"))
    second = await _ask(desk, await _client(cabinet, "c2"))
    third = await _ask(desk, await _client(cabinet, "c3"))
    assert (await cabinet.conversations.conversation(third)).state == "queued"

    await desk.reply(lawyer, first, "Здравствуйте!")
    assert (await cabinet.conversations.conversation(third)).state == "queued"
    await desk.reply(lawyer, second, "Здравствуйте!")

    assert (await cabinet.conversations.conversation(third)).assignee is not None


async def test_a_returning_client_goes_to_the_person_who_served_them(
    desk: HandoffDesk, cabinet: CabinetServices, clock: FakeClock
) -> None:
    first, second = await _person(cabinet, "first"), await _person(cabinet, "second")
    client = await _client(cabinet, "d1")
    await desk.set_status(second, "online")
    served = await _ask(desk, client)
    await desk.close(second, served, "решено")
    await desk.set_status(first, "online")
    clock.advance(timedelta(hours=2))

    again = await _ask(desk, client)

    assert (await cabinet.conversations.conversation(again)).assignee.login == "second"  # type: ignore[union-attr]


async def test_a_person_going_offline_puts_their_conversations_back_in_the_queue(
    desk: HandoffDesk, cabinet: CabinetServices, clock: FakeClock
) -> None:
    lawyer = await _person(cabinet, "leaver")
    await desk.set_status(lawyer, "online")
    conversation = await _ask(desk, await _client(cabinet, "e1"))
    before = await cabinet.conversations.conversation(conversation)
    clock.advance(timedelta(seconds=120))

    await desk.tick()

    after = await cabinet.conversations.conversation(conversation)
    assert (after.state, after.assignee, after.queued_at, after.priority) == (
        "queued",
        None,
        before.queued_at,
        20,
    )
    assert (await cabinet.people.person("leaver")).status == "offline"


async def test_free_text_within_24_hours_of_a_person_goes_straight_to_a_person(
    desk: HandoffDesk, cabinet: CabinetServices, clock: FakeClock
) -> None:
    lawyer = await _person(cabinet, "repeat")
    client = await _client(cabinet, "f1")
    conversation = await _ask(desk, client)
    await desk.take(lawyer, conversation)
    await desk.close(lawyer, conversation, "решено")
    clock.advance(timedelta(hours=23))
    event = inbound(TextBody(text="Ещё вопрос по договору"), user="f1")

    assert await desk.receive(client, event, free_text=False) is False
    assert await desk.receive(client, event, free_text=True) is True
    reopened = await cabinet.conversations.open_of(client.client_id)
    assert reopened is not None
    assert (reopened.reason, reopened.priority) == ("repeat_contact", 10)


async def test_after_24_hours_the_bot_answers_again(
    desk: HandoffDesk, cabinet: CabinetServices, clock: FakeClock
) -> None:
    lawyer = await _person(cabinet, "later")
    client = await _client(cabinet, "g1")
    conversation = await _ask(desk, client)
    await desk.take(lawyer, conversation)
    await desk.close(lawyer, conversation, "решено")
    clock.advance(timedelta(hours=25))

    assert await desk.receive(client, inbound(TextBody(text="Вопрос"), user="g1"), free_text=True) is False


async def test_two_people_pressing_take_at_once_one_wins_the_other_gets_a_conflict(
    desk: HandoffDesk, cabinet: CabinetServices
) -> None:
    one, two = await _person(cabinet, "one"), await _person(cabinet, "two")
    conversation = await _ask(desk, await _client(cabinet, "h1"))

    results = await asyncio.gather(
        desk.take(one, conversation), desk.take(two, conversation), return_exceptions=True
    )

    won = [result for result in results if not isinstance(result, BaseException)]
    lost = [result for result in results if isinstance(result, ConversationConflict)]
    assert len(won) == 1
    assert len(lost) == 1
    assert lost[0].code == "taken"


async def test_a_closed_conversation_takes_no_reply(desk: HandoffDesk, cabinet: CabinetServices) -> None:
    lawyer = await _person(cabinet, "closer")
    conversation = await _ask(desk, await _client(cabinet, "i1"))
    await desk.take(lawyer, conversation)
    await desk.close(lawyer, conversation, "решено")

    with pytest.raises(ConversationConflict, match="closed"):
        await desk.reply(lawyer, conversation, "Ещё одно")


async def test_every_message_of_a_waiting_client_reaches_the_conversation_in_order(
    desk: HandoffDesk, cabinet: CabinetServices
) -> None:
    client = await _client(cabinet, "j1")
    conversation = await _ask(desk, client)
    for number in range(5):
        event = inbound(TextBody(text=f"сообщение {number}"), user="j1", channel=Channel.VIBER)
        await cabinet.history.record_inbound(client, event)
        assert await desk.receive(client, event, free_text=True) is True

    found = await cabinet.conversations.conversation(conversation)
    history = await cabinet.conversations.console_history(client.client_id)
    assert found.unread_count == 5
    assert found.channel == "viber"
    assert [entry.text for entry in history if entry.text and entry.text.startswith("сообщение")] == [
        f"сообщение {number}" for number in range(5)
    ]


async def test_outside_business_hours_the_client_is_told_when_and_a_request_is_filed(
    cabinet: CabinetServices, clock: FakeClock, outlet: RecordingOutlet
) -> None:
    """Monday 2 March 2026 is a holiday in this calendar: people answer on Tuesday at 09:00 Moscow time."""
    hours = BusinessHours.parse("mon-fri 09:00-18:00", holidays="ru, 2026-03-02")
    desk = HandoffDesk(
        cabinet, outlet=outlet, prompts=MemoryPubSub(), clock=clock, policy=DeskPolicy(hours=hours)
    )
    client = await _client(cabinet, "k1")

    await _ask(desk, client)
    await desk.tick()

    [told] = outlet.texts()
    assert "Сейчас специалисты не на связи. Ответим завтра в 09:00 по московскому времени." in told
    filed = (await cabinet.requests.list_requests(client.client_id, page=0, per_page=5)).items
    assert len(filed) == 1
    assert f"обращение №{filed[0].number}" in told

    clock.now = datetime(2026, 3, 3, 6, 0, 5, tzinfo=UTC)
    await desk.tick()

    assert "Ваше место в очереди: 1." in outlet.texts()[-1]


async def test_a_free_text_is_checked_in_one_shared_transaction_not_four_in_turn(
    desk: HandoffDesk, cabinet: CabinetServices, db: Database
) -> None:
    """Open conversation, pending rating question, latest rating, last closed conversation: the four
    answers every free text needs are read together (regression: four grouped reads, one after another)."""
    client = await _client(cabinet, "f1")
    event = inbound(TextBody(text="у меня вопрос по договору"), user="f1")
    before = db.grouped_transactions
    assert not await desk.receive(client, event, free_text=True)
    assert db.grouped_transactions - before <= 2

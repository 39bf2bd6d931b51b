"""The rating cascade through the desk, on SQLite and PostgreSQL: the opt-out by a button or a word (ru, en),
a late press counted once, NPS once a period, the WhatsApp template, the follow-up task's call back."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from adapters.types import Channel, ContactShared, TextBody
from bots.state.memory import MemoryPubSub
from cabinet_api import CabinetServices
from cabinet_api.payouts import PayoutDetails
from handoff import HandoffDesk
from handoff.cascade import CES_PAYLOAD, NO_MORE_PAYLOAD, NPS_PAYLOAD, RATE_PAYLOAD
from handoff.metrics import HandoffMetrics
from tests.cabinet_api.conftest import FakeClock
from tests.handoff.test_desk import RecordingOutlet
from tests.handoff.test_figures_scenario import Client, _person

RATE_RU = "Оцените, пожалуйста, как вам помогли"


@pytest.fixture
def outlet() -> RecordingOutlet:
    return RecordingOutlet()


@pytest.fixture
def desk(cabinet: CabinetServices, clock: FakeClock, outlet: RecordingOutlet) -> HandoffDesk:
    return HandoffDesk(cabinet, outlet=outlet, prompts=MemoryPubSub(), clock=clock)


async def _served(
    desk: HandoffDesk, cabinet: CabinetServices, client: Client, queue: str = "first_line"
) -> int:
    person = (
        await cabinet.people.person("anna")
        if await _has(cabinet, "anna")
        else await _person(cabinet, "anna", ("lawyers", "first_line"))
    )
    conversation = await client.ask_for_a_person(queue)
    await desk.take(person, conversation)
    await desk.reply(person, conversation, "Здравствуйте!")
    await desk.close(person, conversation, "решено")
    return conversation


async def _has(cabinet: CabinetServices, login: str) -> bool:
    return any(person.login == login for person in await cabinet.people.people())


def _asked(outlet: RecordingOutlet) -> int:
    return sum(1 for text in outlet.texts() if text.startswith(RATE_RU))


async def test_a_client_who_pressed_dont_ask_is_not_asked_again(
    desk: HandoffDesk, cabinet: CabinetServices, clock: FakeClock, outlet: RecordingOutlet
) -> None:
    client = Client(desk, cabinet, clock, "o1", Channel.TELEGRAM)
    await _served(desk, cabinet, client)
    [(_, request, _)] = [sent for sent in outlet.sent if sent[1].reply.text.startswith(RATE_RU)]
    assert [button.title for button in request.reply.buttons] == ["1", "2", "3", "4", "5", "Не спрашивать"]

    assert await client.press(NO_MORE_PAYLOAD)
    assert outlet.texts()[-1].startswith("Хорошо, больше не будем просить вас об оценке.")
    clock.advance(timedelta(days=2))
    await _served(desk, cabinet, client)

    assert _asked(outlet) == 1


@pytest.mark.parametrize(
    ("stop", "again"),
    [("Не спрашивайте меня об оценке", "спрашивать оценку"), ("Stop ratings", "ask for ratings")],
)
async def test_words_opt_out_of_rating_requests_and_back_in(
    desk: HandoffDesk,
    cabinet: CabinetServices,
    clock: FakeClock,
    outlet: RecordingOutlet,
    stop: str,
    again: str,
) -> None:
    client = Client(desk, cabinet, clock, "o2", Channel.TELEGRAM)
    assert await client.send(TextBody(text=stop))
    await _served(desk, cabinet, client)
    assert _asked(outlet) == 0

    clock.advance(timedelta(days=2))
    assert await client.send(TextBody(text=again))
    assert outlet.texts()[-1].startswith("Хорошо, снова будем")
    await _served(desk, cabinet, client)
    assert _asked(outlet) == 1


async def test_a_late_press_after_the_reminder_counts_once_and_stops_the_timer(
    desk: HandoffDesk, cabinet: CabinetServices, clock: FakeClock, outlet: RecordingOutlet
) -> None:
    client = Client(desk, cabinet, clock, "o3", Channel.TELEGRAM)
    conversation = await _served(desk, cabinet, client, "lawyers")
    clock.advance(timedelta(hours=3))
    await desk.tick()
    assert sum(1 for text in outlet.texts() if text.startswith("Напоминаем")) == 1

    clock.advance(timedelta(days=3))
    assert await client.press(f"{RATE_PAYLOAD}{conversation}:4")  # from the first message, days late
    assert await client.press(f"{RATE_PAYLOAD}{conversation}:4")  # and once more from the reminder
    await desk.tick()

    [rating] = await cabinet.ratings.list_ratings(subject="conversation", subject_id=str(conversation))
    assert (rating.scale, rating.score) == ("csat", 4)
    assert outlet.texts()[-1] == "Вы уже оценили этот разговор — спасибо!"
    assert await cabinet.rating_requests.calls() == []  # answered: no call for a person


async def test_nps_is_asked_once_a_period_and_ces_every_time(
    desk: HandoffDesk, cabinet: CabinetServices, clock: FakeClock, outlet: RecordingOutlet
) -> None:
    client = Client(desk, cabinet, clock, "o4", Channel.TELEGRAM)

    async def rate(day: int) -> list[str]:
        clock.advance(timedelta(days=day))
        conversation = await _served(desk, cabinet, client)
        await client.press(f"{RATE_PAYLOAD}{conversation}:5")
        await client.press(f"{CES_PAYLOAD}{conversation}:6")
        asked_nps = outlet.texts()[-1].startswith("Насколько вероятно")
        if asked_nps:
            await client.press(f"{NPS_PAYLOAD}{conversation}:9")
        return ["nps" if asked_nps else "-"]

    assert await rate(0) == ["nps"]
    assert await rate(30) == ["-"]
    assert await rate(61) == ["nps"]  # 91 days after the first


async def test_on_whatsapp_the_rating_request_can_go_as_a_template(
    desk: HandoffDesk, cabinet: CabinetServices, clock: FakeClock, outlet: RecordingOutlet
) -> None:
    client = Client(desk, cabinet, clock, "o5", Channel.WHATSAPP)
    await _served(desk, cabinet, client)
    [(_, request, _)] = [sent for sent in outlet.sent if sent[1].reply.text.startswith(RATE_RU)]
    assert request.template is not None
    assert request.template.key == "rating_request"


async def test_a_low_score_opens_a_task_that_records_the_call_back(
    desk: HandoffDesk, cabinet: CabinetServices, clock: FakeClock, outlet: RecordingOutlet
) -> None:
    client = Client(desk, cabinet, clock, "o6", Channel.TELEGRAM)
    conversation = await _served(desk, cabinet, client)
    await client.press(f"{RATE_PAYLOAD}{conversation}:1")
    assert await client.send(TextBody(text="7"))  # CES is 1-7: counted
    assert outlet.texts()[-1].startswith("Насколько вероятно")
    assert await client.send(TextBody(text="11"))  # NPS is 0-10: asked again
    assert outlet.texts()[-1].startswith("Оценка — число от 0 до 10.")
    await client.press(f"{NPS_PAYLOAD}{conversation}:3")
    assert await client.send(TextBody(text="Долго ждал ответа"))  # the comment after the last score
    assert outlet.texts()[-1] == "Спасибо, ваш комментарий передан руководителю."

    tasks = await cabinet.ratings.list_tasks(status="open")
    assert sorted((task.scale, task.score) for task in tasks) == [("csat", 1), ("nps", 3)]
    [nps] = [task for task in tasks if task.scale == "nps"]
    assert nps.comment == "Долго ждал ответа"
    called = await cabinet.ratings.record_call(
        nps.public_id, login="anna", outcome="resolved", note="извинилась"
    )
    assert (called.outcome, called.handled_by, called.called_at) == ("resolved", "anna", clock.now)
    closed = await cabinet.ratings.close_task(nps.public_id)
    assert closed.closed_at is not None
    assert closed.closed_at <= closed.due_at


async def test_the_cascade_and_todays_figures_reach_metrics(
    cabinet: CabinetServices, clock: FakeClock, outlet: RecordingOutlet
) -> None:
    registry = CollectorRegistry()
    desk = HandoffDesk(
        cabinet, outlet=outlet, prompts=MemoryPubSub(), clock=clock, metrics=HandoffMetrics(registry)
    )
    client = Client(desk, cabinet, clock, "o7", Channel.TELEGRAM)
    conversation = await _served(desk, cabinet, client)
    await client.press(f"{RATE_PAYLOAD}{conversation}:2")
    await desk.tick()

    exposed = generate_latest(registry).decode()
    assert 'omnicab_ratings_total{channel="telegram",scale="csat",score="2"} 1.0' in exposed
    assert 'omnicab_rating_requests_total{channel="telegram",step="asked"} 1.0' in exposed
    assert 'omnicab_follow_up_tasks_opened_total{scale="csat"} 1.0' in exposed
    assert 'omnicab_figure{figure="csat",name="",scope="overall"} 0.0' in exposed
    assert 'omnicab_figure{figure="response_rate",name="telegram",scope="channel"} 1.0' in exposed


async def test_a_lawyers_answer_left_unrated_is_reminded_once_in_the_clients_channel_then_called(
    desk: HandoffDesk, cabinet: CabinetServices, clock: FakeClock, outlet: RecordingOutlet
) -> None:
    client = Client(desk, cabinet, clock, "o8", Channel.TELEGRAM)
    await client.send(TextBody(text="привет"), free_text=False)
    assert client.profile is not None
    rated, unrated = [
        await cabinet.requests.create_request(
            client.profile.client_id,
            topic="Долг",
            description="Не вернули долг",
            answer_format="written",
            channel="telegram",
        )
        for _ in range(2)
    ]
    for request in (rated, unrated):
        await cabinet.request_events.post_answer(
            request.public_id, lawyer="Смирнов", text="Ответ", audio=None
        )
    await desk.tick()
    assert not [text for text in outlet.texts() if text.startswith("Юрист ответил")]  # the bot asks first

    clock.advance(timedelta(hours=2, minutes=1))
    await desk.tick()
    await desk.tick()
    reminders = [o for _, o, _ in outlet.sent if o.reply.text.startswith("Юрист ответил на ваше обращение.")]
    assert len(reminders) == 2
    [reminder] = [o for o in reminders if rated.public_id in o.id]
    assert reminder.reply.buttons[1].payload == f"handoff:rr:{rated.public_id}:2"

    assert await client.press(reminder.reply.buttons[1].payload)
    assert outlet.texts()[-1].startswith("Спасибо за честную оценку.")
    assert await client.press(reminder.reply.buttons[4].payload)
    assert outlet.texts()[-1] == "Вы уже оценили этот ответ — спасибо!"
    [task] = await cabinet.ratings.list_tasks(status="open")
    assert (task.subject, task.subject_id, task.score) == ("request", rated.public_id, 2)

    clock.advance(timedelta(hours=25))
    await desk.tick()
    [call] = await cabinet.rating_requests.calls()
    assert (call.subject_id, call.person) == (unrated.public_id, "Смирнов")


async def test_a_decided_refund_is_asked_about_once_in_the_clients_channel_and_counted_for_that_client(
    desk: HandoffDesk, cabinet: CabinetServices, clock: FakeClock, outlet: RecordingOutlet
) -> None:
    client = Client(desk, cabinet, clock, "o9", Channel.WHATSAPP)
    stranger = Client(desk, cabinet, clock, "o10", Channel.TELEGRAM)
    await client.send(TextBody(text="привет"), free_text=False)
    await stranger.send(TextBody(text="привет"), free_text=False)
    assert client.profile is not None
    contract = await cabinet.payments.add_contract(client.profile.client_id, title="Абонентское обслуживание")
    payment = await cabinet.payments.add_payment(
        client.profile.client_id, contract, amount=Decimal("12000.00"), paid_at=clock.now - timedelta(days=3)
    )
    refund = await cabinet.payments.create_refund(
        client.profile.client_id,
        payment_id=payment.public_id,
        reason="Не нужна услуга",
        amount=Decimal("2000.00"),
        payout=PayoutDetails.to_card(holder="Анна Петрова", card="4111111111111111"),
        channel="whatsapp",
    )
    await desk.tick()
    assert not [text for text in outlet.texts() if "заявку на возврат" in text]  # not decided yet
    await cabinet.payments.change_refund_status(refund.public_id, "in_review")
    await cabinet.payments.change_refund_status(refund.public_id, "approved")
    await desk.tick()
    await desk.tick()

    [(to, asked, _)] = [sent for sent in outlet.sent if "заявку на возврат" in sent[1].reply.text]
    assert to == client.profile.client_id
    assert asked.reply.text.startswith(f"Мы рассмотрели вашу заявку на возврат №{refund.number}.")
    assert asked.conversation.channel is Channel.WHATSAPP
    assert asked.template is not None
    assert asked.template.key == "rating_request"

    assert await stranger.press(f"handoff:rf:{refund.public_id}:1")  # another client's button: not counted
    assert await client.press(f"handoff:rf:{refund.public_id}:5")
    assert outlet.texts()[-1] == "Спасибо за оценку!"
    [rating] = await cabinet.ratings.list_ratings(subject="refund")
    assert (rating.client_id, rating.score, rating.channel) == (client.profile.client_id, 5, "whatsapp")
    clock.advance(timedelta(hours=3))
    await desk.tick()
    assert not [text for text in outlet.texts() if text.startswith("Напоминаем: будем благодарны, если")]


async def test_a_message_from_another_messenger_is_not_taken_for_the_comment(
    desk: HandoffDesk, cabinet: CabinetServices, clock: FakeClock, outlet: RecordingOutlet
) -> None:
    """Rated in Telegram, then writing in WhatsApp about something else: that is a new message (here a
    client back within 24 hours, so it goes to the person who served them), not the score's comment for
    a manager (the walk saw «трудовой договор у меня есть» swallowed so)."""
    phone = ContactShared(phone="+79990000777", verified=True)
    telegram = Client(desk, cabinet, clock, "o7", Channel.TELEGRAM)
    whatsapp = Client(desk, cabinet, clock, "79990000777", Channel.WHATSAPP)
    await telegram.send(phone, free_text=False)
    await whatsapp.send(phone, free_text=False)
    conversation = await _served(desk, cabinet, telegram)
    await telegram.press(f"{RATE_PAYLOAD}{conversation}:5")
    await telegram.press(f"{CES_PAYLOAD}{conversation}:7")
    await telegram.press(f"{NPS_PAYLOAD}{conversation}:9")
    assert telegram.profile is not None
    assert whatsapp.profile is not None
    assert whatsapp.profile.client_id == telegram.profile.client_id

    await whatsapp.send(TextBody(text="Трудовой договор у меня есть"))

    assert outlet.texts()[-1].startswith("Вы недавно говорили со специалистом")
    assert "Спасибо, ваш комментарий передан руководителю." not in outlet.texts()
    ratings = await cabinet.ratings.list_ratings(subject="conversation", subject_id=str(conversation))
    assert [rating.comment for rating in ratings] == [None, None, None]

"""Every figure on a scripted day, each expected value worked out by hand below, on the embedded
backend (SQLite) and the services one (PostgreSQL).

The day (t0 = Monday 2 March 2026, 09:30 UTC; people take conversations by hand, nobody is routed):

  conv  client  channel   queue       held by  queued  taken    1st reply  closed   CSAT/CES/NPS
  A     c1      telegram  lawyers     anna     t0      +20 s    +30 s      +10 min  5 / 7 / 10
  B     c2      telegram  lawyers     anna     +1 min  +3 min   +3 min     +20 min  2 / 3 / 5 (3 tasks)
  C     c3      whatsapp  first_line  boris    +5 min  +5:10    +5:50      +15 min  4 (typed after 9) / 5 / 9
  D     c5      telegram  first_line  -        +30 min -        -          +40 min  - (closed unanswered)
  E     c2      telegram  lawyers     anna     +2 h    +2:00:10 +2:00:40   +2:05    - (reminded, a call)

  waits (ASA): A 30, B 120, C 50, E 40 -> 240 / 4 = 60.0 s; in the 60 s target: A, C, E -> 3
  service level: 3 / (4 answered + 1 abandoned D) = 0.6
  AHT (taken -> closed): A 580, B 1020, C 590, E 290 -> 2480 / 4 = 620.0 s
  FCR: B is followed by E within 24 h -> A, C, E of 4 handled = 0.75
  CSAT: 5, 2, 4 -> 2 of 3 are 4-5 = 0.6667, average 3.67
  response rate: A, B, C of the 5 asked (A-E) = 0.6
  CES: 7, 3, 5 -> 5.0; NPS: 10, 5, 9 -> (2 promoters - 1 detractor) / 3 = +33.3
  dissatisfaction: B's 2, 3, 5 of 9 scores = 0.3333; its three tasks: the CSAT one closed in time,
  the NPS one closed late, the CES one still open and overdue -> 1 / 3 in time
  contacts with the bot: c1 1, c2 2 (the second 2 h later), c3 1, c4 2 (a 45 min gap), c5 1 = 7;
  only c4's never needed a person -> bot_resolved 2 / 7 = 0.2857
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from adapters.types import Body, ButtonPress, Channel, TextBody
from bots.state.memory import MemoryPubSub
from cabinet_api import CabinetServices, ClientProfile
from cabinet_api.services import PersonView
from handoff import HandoffDesk, HandoffRequest
from handoff.cascade import CES_PAYLOAD, NPS_PAYLOAD, RATE_PAYLOAD
from handoff.figure_data import period_of, triggers
from handoff.figures import report
from handoff.passwords import hash_password
from tests.cabinet_api.conftest import START, FakeClock, inbound
from tests.handoff.test_desk import RecordingOutlet

T0 = START
MOSCOW = ZoneInfo("Europe/Moscow")


class Client:
    """A client writing to the bot: every event is recorded as the inbox does, then given to the desk."""

    def __init__(
        self, desk: HandoffDesk, cabinet: CabinetServices, clock: FakeClock, user: str, channel: Channel
    ):
        self.desk, self.cabinet, self.clock, self.user, self.channel = desk, cabinet, clock, user, channel
        self.profile: ClientProfile | None = None

    async def send(self, body: Body, *, free_text: bool = True) -> bool:
        event = inbound(
            body, user=self.user, channel=self.channel, first_name=self.user, received_at=self.clock.now
        )
        self.profile = await self.cabinet.identity.identify(event)
        await self.cabinet.history.record_inbound(self.profile, event)
        return await self.desk.receive(self.profile, event, free_text=free_text)

    async def press(self, payload: str) -> bool:
        return await self.send(ButtonPress(payload=payload), free_text=False)

    async def ask_for_a_person(self, queue: str) -> int:
        await self.send(TextBody(text="оператор"), free_text=False)
        assert self.profile is not None
        event = inbound(TextBody(text="оператор"), user=self.user, channel=self.channel)
        conversation = await self.desk.request_handoff(
            HandoffRequest(
                client_id=self.profile.client_id, conversation=event.conversation, queue=queue, reason="asked"
            )
        )
        return conversation.id


async def _person(cabinet: CabinetServices, login: str, queues: tuple[str, ...]) -> PersonView:
    return await cabinet.people.add_person(
        login,
        name=login.title(),
        role="supervisor",
        password_hash=hash_password("secret"),
        queues=queues,
        max_chats=5,
    )


def at(clock: FakeClock, delta: timedelta) -> None:
    clock.now = T0 + delta


@pytest.fixture
def outlet() -> RecordingOutlet:
    return RecordingOutlet()


@pytest.fixture
def desk(cabinet: CabinetServices, clock: FakeClock, outlet: RecordingOutlet) -> HandoffDesk:
    return HandoffDesk(cabinet, outlet=outlet, prompts=MemoryPubSub(), clock=clock)


async def _serve(
    desk: HandoffDesk,
    clock: FakeClock,
    person: PersonView,
    conversation: int,
    taken: timedelta,
    reply: timedelta,
    closed: timedelta,
) -> None:
    at(clock, taken)
    await desk.take(person, conversation)
    at(clock, reply)
    await desk.reply(person, conversation, "Здравствуйте! Разбираюсь.")
    at(clock, closed)
    await desk.close(person, conversation, "решено")


M = timedelta(minutes=1)
S = timedelta(seconds=1)
H = timedelta(hours=1)


async def test_every_figure_of_a_scripted_day(
    desk: HandoffDesk, cabinet: CabinetServices, clock: FakeClock, outlet: RecordingOutlet
) -> None:
    anna = await _person(cabinet, "anna", ("lawyers", "first_line"))
    boris = await _person(cabinet, "boris", ("first_line",))
    c1 = Client(desk, cabinet, clock, "c1", Channel.TELEGRAM)
    c2 = Client(desk, cabinet, clock, "c2", Channel.TELEGRAM)
    c3 = Client(desk, cabinet, clock, "c3", Channel.WHATSAPP)
    c4 = Client(desk, cabinet, clock, "c4", Channel.TELEGRAM)
    c5 = Client(desk, cabinet, clock, "c5", Channel.TELEGRAM)

    at(clock, 0 * S)
    await c1.send(TextBody(text="привет"), free_text=False)
    a = await c1.ask_for_a_person("lawyers")
    at(clock, M)
    b = await c2.ask_for_a_person("lawyers")
    at(clock, 5 * M)
    c = await c3.ask_for_a_person("first_line")
    await _serve(desk, clock, anna, a, 20 * S, 30 * S, 10 * M)
    at(clock, 10 * M)
    for payload in (f"{RATE_PAYLOAD}{a}:5", f"{CES_PAYLOAD}{a}:7", f"{NPS_PAYLOAD}{a}:10"):
        assert await c1.press(payload)
    at(clock, 11 * M)
    assert await c1.press(f"{RATE_PAYLOAD}{a}:1")  # pressed twice: the first score stands
    assert outlet.texts()[-1] == "Вы уже оценили этот разговор — спасибо!"

    at(clock, 5 * M + 10 * S)
    await desk.take(boris, c)
    at(clock, 5 * M + 50 * S)
    await desk.reply(boris, c, "Добрый день!")
    at(clock, 15 * M)
    await desk.close(boris, c, "решено")
    assert await c3.send(TextBody(text="9"))  # out of range: asked again politely, nothing counted
    assert outlet.texts()[-1].startswith("Оценка — число от 1 до 5.")
    assert await c3.send(TextBody(text="4"))
    assert await c3.press(f"{CES_PAYLOAD}{c}:5")
    assert await c3.press(f"{NPS_PAYLOAD}{c}:9")

    at(clock, 3 * M)
    await desk.take(anna, b)
    await desk.reply(anna, b, "Здравствуйте!")
    at(clock, 20 * M)
    await desk.close(anna, b, "решено")
    for payload in (f"{RATE_PAYLOAD}{b}:2", f"{CES_PAYLOAD}{b}:3", f"{NPS_PAYLOAD}{b}:5"):
        assert await c2.press(payload)
    assert "Руководитель свяжется с вами" in outlet.texts()[-1]

    at(clock, 30 * M)
    d = await c5.ask_for_a_person("first_line")
    at(clock, 40 * M)
    await desk.close(boris, d, "клиент ушёл")
    at(clock, 41 * M)
    assert await c5.press(f"{RATE_PAYLOAD}{a}:1")  # another client's button: ignored

    at(clock, H)
    await c4.send(TextBody(text="привет"), free_text=False)
    at(clock, H + 5 * M)
    await c4.send(TextBody(text="меню"), free_text=False)
    at(clock, H + 50 * M)
    await c4.send(TextBody(text="спасибо, всё нашёл"), free_text=False)

    at(clock, 2 * H)
    assert await c2.send(TextBody(text="ещё вопрос по договору"))  # a repeat contact: to people at once
    [e] = [conv.id for conv in await cabinet.conversations.find(states=("queued",))]
    await _serve(desk, clock, anna, e, 2 * H + 10 * S, 2 * H + 40 * S, 2 * H + 5 * M)

    # the reminders (D's and E's) go once, however often and from however many desks the timer ticks
    at(clock, 4 * H + 10 * M)
    other_desk = HandoffDesk(cabinet, outlet=outlet, prompts=MemoryPubSub(), clock=clock)
    for ticking in (desk, other_desk, desk):
        await ticking.tick()
    reminders = [o for _, o, _ in outlet.sent if o.reply.text.startswith("Напоминаем")]
    assert sorted(o.id for o in reminders) == sorted(
        [f"handoff:{d}:rate_reminder", f"handoff:{e}:rate_reminder"]
    )
    at(clock, 29 * H)
    await desk.tick()
    assert [call.subject_id for call in await cabinet.rating_requests.calls()] == [str(e)]  # lawyers' only

    tasks = {task.scale: task for task in await cabinet.ratings.list_tasks(status="open")}
    assert set(tasks) == {"csat", "ces", "nps"}
    at(clock, 3 * H)
    await cabinet.ratings.record_call(
        tasks["csat"].public_id, login="anna", outcome="explained", note="перезвонила"
    )
    await cabinet.ratings.close_task(tasks["csat"].public_id)
    at(clock, 30 * H)
    await cabinet.ratings.close_task(tasks["nps"].public_id)

    at(clock, 31 * H)
    period = await period_of(cabinet, T0 - H, T0 + 24 * H, clock.now)
    figures = report(period, target_seconds=60.0, zone=MOSCOW)

    overall = figures["overall"]
    assert _figures(overall) == {
        "csat": 0.6667,
        "rating_avg": 3.67,
        "response_rate": 0.6,
        "ces_avg": 5.0,
        "nps": 33.3,
        "dissatisfaction": 0.3333,
        "tasks_in_time": 0.3333,
        "asa_s": 60.0,
        "service_level": 0.6,
        "aht_s": 620.0,
        "fcr": 0.75,
        "bot_resolved": 0.2857,
    }
    assert _counts(overall, "tasks_opened", "tasks_closed", "tasks_closed_in_time", "tasks_overdue") == [
        3,
        2,
        1,
        1,
    ]
    assert _counts(overall, "bot_contacts", "bot_contacts_resolved", "conversations", "abandoned") == [
        7,
        2,
        5,
        1,
    ]

    # telegram: A, B, D, E; WhatsApp: C alone
    assert _figures(figures["by_channel"]["whatsapp"]) == {
        "csat": 1.0,
        "rating_avg": 4.0,
        "response_rate": 1.0,
        "ces_avg": 5.0,
        "nps": 100.0,
        "dissatisfaction": 0.0,
        "tasks_in_time": None,
        "asa_s": 50.0,
        "service_level": 1.0,
        "aht_s": 590.0,
        "fcr": 1.0,
        "bot_resolved": 0.0,
    }
    telegram = figures["by_channel"]["telegram"]
    assert _figures(telegram) == {
        "csat": 0.5,  # 5 and 2
        "rating_avg": 3.5,
        "response_rate": 0.5,  # A, B of A, B, D, E
        "ces_avg": 5.0,  # 7 and 3
        "nps": 0.0,  # 10 and 5
        "dissatisfaction": 0.5,  # 3 of 6
        "tasks_in_time": 0.3333,
        "asa_s": 63.3,  # (30 + 120 + 40) / 3
        "service_level": 0.5,  # A, E of 3 answered + D abandoned
        "aht_s": 630.0,  # (580 + 1020 + 290) / 3
        "fcr": 0.6667,  # A, E of A, B, E
        "bot_resolved": 0.3333,  # c4's two of c1 1, c2 2, c4 2, c5 1
    }

    # anna held A, B, E; boris C (D was closed by him unanswered, held by nobody)
    anna_figures = figures["by_person"]["anna"]
    assert (
        anna_figures["csat"],
        anna_figures["asa_s"],
        anna_figures["aht_s"],
        anna_figures["response_rate"],
    ) == (
        0.5,
        63.3,
        630.0,
        0.6667,
    )
    assert anna_figures["bot_resolved"] is None
    assert _counts(anna_figures, "tasks_opened", "low_scores") == [3, 3]
    boris_figures = figures["by_person"]["boris"]
    assert (
        boris_figures["csat"],
        boris_figures["asa_s"],
        boris_figures["service_level"],
        boris_figures["nps"],
    ) == (
        1.0,
        50.0,
        1.0,
        100.0,
    )

    # lawyers: A, B, E (in target: A, E of 3); first line: C answered in time, D abandoned
    assert figures["by_queue"]["lawyers"]["service_level"] == 0.6667
    assert figures["by_queue"]["first_line"]["service_level"] == 0.5
    assert figures["by_queue"]["first_line"]["response_rate"] == 0.5

    # the trigger report: c2 complains (low scores, a task still open); a month later everyone is silent
    report_now = await triggers(cabinet)
    assert (report_now["complains"], report_now["silent"], report_now["refund"]) == (1, 0, 0)
    assert [(item["name"], item["signals"], item["lowest_score"]) for item in report_now["clients"]] == [
        ("c2", ["complains"], 2)
    ]
    at(clock, 40 * 24 * H)
    assert (await triggers(cabinet))["silent"] == 5

    # by day (Moscow): everything happened on Monday; Tuesday has nothing to compute from
    assert figures["by_day"]["2026-03-02"] == overall
    assert _figures(figures["by_day"]["2026-03-03"]) == dict.fromkeys(_figures(overall))


def _figures(values: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if name != "counts"}


def _counts(values: dict[str, Any], *names: str) -> list[int]:
    return [values["counts"][name] for name in names]

"""A busy shift for the API double: clients waiting, one being served, a day of closed conversations.

Used by the screenshots and by tests that need a realistic workspace (an emergency first in the queue,
a context packet with every section filled).
"""

from __future__ import annotations

import random
from datetime import timedelta

from tests.handoff.console.api_double import ConsoleApiDouble, Conversation, now

ANNA_CONTEXT = {
    "profile": {
        "first_name": "Анна",
        "last_name": "Петрова",
        "phone": "+79000000001",
        "phone_verified": True,
        "locale": "ru",
        "always_human": False,
        "preferred_channel": "telegram",
        "created_at": (now() - timedelta(days=210)).isoformat(),
    },
    "channels": [
        {
            "channel": "telegram",
            "bot": "legal",
            "name": "Анна",
            "username": "anna_p",
            "unsubscribed": False,
            "last_inbound_at": now().isoformat(),
        },
        {
            "channel": "whatsapp",
            "bot": "legal",
            "name": "Анна Петрова",
            "username": None,
            "unsubscribed": False,
            "last_inbound_at": (now() - timedelta(days=2)).isoformat(),
        },
    ],
    "slots": {
        "topic": "Трудовой спор",
        "urgency": "normal",
        "answer_format": "written",
        "payout_card": "••••4242",
    },
    "flow": {"flow": "new_request", "step": "describe", "waiting": "text"},
    "requests": [
        {
            "id": "r1",
            "number": 1043,
            "topic": "Трудовой спор",
            "status": "in_work",
            "urgency": "normal",
            "answer_format": "written",
            "due_at": (now() - timedelta(hours=3)).isoformat(),
            "created_at": (now() - timedelta(hours=51)).isoformat(),
            "channel": "viber",
        },
        {
            "id": "r2",
            "number": 1051,
            "topic": "Аренда квартиры",
            "status": "answered",
            "urgency": "normal",
            "answer_format": "written",
            "due_at": (now() + timedelta(hours=20)).isoformat(),
            "created_at": (now() - timedelta(hours=28)).isoformat(),
            "channel": "whatsapp",
        },
        {
            "id": "r3",
            "number": 1062,
            "topic": "Возврат товара",
            "status": "new",
            "urgency": "normal",
            "answer_format": "oral",
            "due_at": (now() + timedelta(hours=19)).isoformat(),
            "created_at": (now() - timedelta(hours=5)).isoformat(),
            "channel": "telegram",
        },
    ],
    "recordings": [
        {
            "id": "rec1",
            "lawyer": "Иван Смирнов",
            "started_at": (now() - timedelta(days=3, hours=2)).isoformat(),
            "duration": 734,
            "direction": "incoming",
            "url": "/console/api/files/rec1",
        },
    ],
    "refunds": [
        {
            "id": "rf1",
            "number": 88,
            "contract": "Абонентское обслуживание",
            "amount": "12000.00",
            "status": "in_review",
            "created_at": (now() - timedelta(days=1)).isoformat(),
            "payout": {"kind": "card", "last4": "4242"},
        },
    ],
    "ratings": [
        {
            "subject": "request",
            "subject_id": "1012",
            "scale": "csat",
            "score": 5,
            "channel": "telegram",
            "comment": "Спасибо, всё понятно объяснили!",
            "at": (now() - timedelta(days=12)).isoformat(),
        },
        {
            "subject": "conversation",
            "subject_id": "9",
            "scale": "csat",
            "score": 3,
            "channel": "whatsapp",
            "comment": None,
            "at": (now() - timedelta(days=40)).isoformat(),
        },
    ],
    "broadcasts": [
        {
            "title": "Новое в трудовом праве",
            "text": (
                "С 1 марта работодатель обязан выплачивать зарплату не реже двух раз в месяц. "
                "Если задерживают — напишите нам."
            ),
            "channel": "telegram",
            "sent_at": (now() - timedelta(days=30)).isoformat(),
        },
    ],
}


def seed_shift(double: ConsoleApiDouble) -> dict[str, Conversation]:
    """Fills the double as a shift looks at 15:00; returns the notable conversations by name."""
    rng = random.Random(7)
    for hours_ago in range(12, 0, -1):
        for _ in range(rng.randint(2, 6)):
            queued = now() - timedelta(hours=hours_ago, minutes=rng.randint(0, 59))
            closed = Conversation(
                id=10_000 + len(double.closed_before),
                client={"id": "c", "name": "—"},
                queue=rng.choice(["first_line", "first_line", "lawyers"]),
                reason="asked",
                channel=rng.choice(["telegram", "telegram", "whatsapp", "viber"]),
                state="closed",
                queued_at=queued,
            )
            wait = rng.randint(8, 55) if rng.random() < 0.82 else rng.randint(60, 180)
            closed.first_response_at = queued + timedelta(seconds=wait)
            closed.assigned_at = closed.first_response_at
            closed.closed_at = closed.assigned_at + timedelta(minutes=rng.randint(4, 25))
            closed.rating = rng.choice([5, 5, 5, 4, 4, 3, None])
            double.closed_before.append(closed)

    lawyer2 = double.people["lawyer2"]
    lawyer2.aht_s = 840
    double.people["supervisor"].status = "online"

    emergency = double.client_asks_for_person(
        "Игорь Соколов",
        channel="whatsapp",
        queue="duty_lawyer",
        reason="emergency",
        priority=0,
        texts=("Экстренная консультация", "Меня задержала полиция, что мне говорить?"),
        waited=timedelta(seconds=38),
    )
    anna = double.client_asks_for_person(
        "Анна Петрова",
        channel="telegram",
        queue="first_line",
        reason="asked",
        texts=("/start", "Новое обращение", "Работодатель второй месяц не платит зарплату", "оператор"),
        bot_said=(
            "Здравствуйте, Анна! Чем поможем?",
            "Опишите, пожалуйста, ситуацию: что случилось и когда.",
            "Соединяю с оператором. Вы первая в очереди, ответим в течение пары минут. "
            "Юрист увидит всю переписку.",
        ),
        waited=timedelta(minutes=1, seconds=12),
        context=ANNA_CONTEXT,
    )
    maria = double.client_asks_for_person(
        "Мария Кузнецова",
        channel="viber",
        queue="first_line",
        reason="repeat_contact",
        priority=10,
        texts=("Здравствуйте, я вчера писала про развод, можно продолжить?",),
        waited=timedelta(minutes=4, seconds=5),
    )
    petr = double.client_asks_for_person(
        "Пётр Волков",
        channel="telegram",
        queue="lawyers",
        reason="not_understood",
        texts=("у меня соседи шумят по ночам", "что делать с соседями"),
        bot_said=("Не совсем понял вас. Выберите раздел в меню или напишите «оператор».",),
        waited=timedelta(minutes=6),
    )
    double.someone_takes(petr.id, "lawyer2")
    double.client_writes(petr.id, "Можно ли вызвать полицию после 23:00?")
    return {"emergency": emergency, "anna": anna, "maria": maria, "petr": petr}


def continue_with_anna(double: ConsoleApiDouble, anna: Conversation) -> None:
    """The operator took Анна's conversation and answered; she wrote once more, from WhatsApp."""
    double.someone_takes(anna.id, "operator")
    double.person_wrote(
        anna.id,
        "operator",
        "Здравствуйте, Анна! Меня зовут Ольга. Вижу ваше обращение №1043 о задержке зарплаты — "
        "срок ответа юриста уже прошёл, я ускорю.",
    )
    double.person_wrote(
        anna.id,
        "operator",
        "Клиентка ждёт письменный ответ по №1043 с позавчера — попросить юриста ответить сегодня.",
        note=True,
    )
    double.client_writes(
        anna.id, "Спасибо! Пишу с WhatsApp: договор пришлю сюда, так удобнее.", channel="whatsapp"
    )

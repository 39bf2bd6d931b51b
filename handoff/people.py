"""Adding people to the console; demo mode seeds one person of each role."""

from __future__ import annotations

from collections.abc import Sequence

from cabinet_api.services import CabinetServices, LoginTaken, PersonView
from handoff.passwords import hash_password

DEMO_PASSWORD = "demo"
DEMO_PEOPLE: Sequence[tuple[str, str, str, tuple[str, ...]]] = (
    ("operator", "Ольга Операторова", "operator", ("first_line", "lawyers")),
    ("lawyer", "Иван Смирнов", "lawyer", ("lawyers", "duty_lawyer")),
    ("supervisor", "Мария Старшая", "supervisor", ("first_line", "lawyers", "duty_lawyer")),
    ("admin", "Админ Админов", "admin", ("first_line", "lawyers", "duty_lawyer")),
)
DEMO_CANNED = (
    ("Приветствие", "Здравствуйте, {client_name}! Меня зовут {operator_name}, я помогу с вашим вопросом."),
    (
        "Номер обращения",
        "{client_name}, ваше обращение №{request_number} у нас, юрист ответит в срок по договору.",
    ),
    ("Завершение", "Если вопросов больше нет, я завершу разговор. Хорошего дня!"),
)


async def add_person(
    cabinet: CabinetServices,
    login: str,
    *,
    password: str,
    role: str,
    name: str | None = None,
    queues: Sequence[str] = (),
    max_chats: int = 5,
    locale: str = "ru",
) -> PersonView:
    return await cabinet.people.add_person(
        login,
        name=name or login,
        role=role,
        password_hash=hash_password(password),
        queues=queues,
        max_chats=max_chats,
        locale=locale,
    )


async def seed_demo_people(cabinet: CabinetServices) -> None:
    """Idempotent: people already there are left as they are (as are canned replies)."""
    for login, name, role, queues in DEMO_PEOPLE:
        try:
            await add_person(cabinet, login, password=DEMO_PASSWORD, role=role, name=name, queues=queues)
        except LoginTaken:
            continue
    if not await cabinet.canned.canned_replies():
        for title, text in DEMO_CANNED:
            await cabinet.canned.add_canned(title=title, text=text)

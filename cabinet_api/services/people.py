"""People who answer clients in the console: who they are, what they serve, and whether they are present."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from cabinet_api.db import Database
from cabinet_api.models import Person
from cabinet_api.services.console_views import Credentials, PersonView
from cabinet_api.services.errors import NotFound

ROLES = ("operator", "lawyer", "supervisor", "admin")
STATUSES = ("online", "away", "offline")
LOGIN = re.compile(r"^[a-z0-9._-]{3,32}$")
QUEUE_NAME = re.compile(r"^[a-z0-9_]{1,32}(:[a-z0-9_]{1,30})?$")
NAME_MAX = 255


class LoginTaken(ValueError):
    """A person with this login exists already."""


def person_view(person: Person) -> PersonView:
    return PersonView(
        id=person.id,
        login=person.login,
        name=person.display_name,
        role=person.role,
        queues=tuple(str(queue) for queue in person.queues),
        max_chats=person.max_chats,
        status=person.status,
        status_changed_at=person.status_changed_at,
        last_seen_at=person.last_seen_at,
        locale=person.locale,
        active=person.active,
    )


def checked_login(login: str) -> str:
    if not LOGIN.fullmatch(login):
        raise ValueError("login must be 3 to 32 characters of a-z, 0-9, '.', '_' and '-'")
    return login


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise ValueError(f"name must have 1 to {NAME_MAX} characters")
    return name


def _checked_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    return role


def _checked_queues(queues: Iterable[str]) -> list[str]:
    checked = []
    for queue in queues:
        if not QUEUE_NAME.fullmatch(queue):
            raise ValueError(f"queue {queue!r} is not a queue name (a-z, 0-9, _ and one optional ':topic')")
        if queue not in checked:
            checked.append(queue)
    return checked


def _checked_max_chats(max_chats: int) -> int:
    if not 1 <= max_chats <= 50:
        raise ValueError("max_chats must be 1 to 50")
    return max_chats


class PeopleService:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    async def add_person(
        self,
        login: str,
        *,
        name: str,
        role: str,
        password_hash: str,
        queues: Iterable[str] = (),
        max_chats: int = 5,
        locale: str = "ru",
    ) -> PersonView:
        now = self._clock()
        person = Person(
            login=checked_login(login),
            display_name=_checked_name(name),
            role=_checked_role(role),
            password_hash=password_hash,
            queues=_checked_queues(queues),
            max_chats=_checked_max_chats(max_chats),
            status="offline",
            status_changed_at=now,
            locale=locale if locale in ("ru", "en") else "ru",
            active=True,
            created_at=now,
        )
        try:
            async with self._db.session() as session:
                session.add(person)
                await session.flush()
                return person_view(person)
        except IntegrityError:
            raise LoginTaken(f"login {login} is taken") from None

    async def update_person(
        self,
        login: str,
        *,
        name: str | None = None,
        role: str | None = None,
        queues: Iterable[str] | None = None,
        max_chats: int | None = None,
        active: bool | None = None,
        password_hash: str | None = None,
        locale: str | None = None,
    ) -> PersonView:
        async with self._db.session() as session:
            person = await session.scalar(select(Person).where(Person.login == login).with_for_update())
            if person is None:
                raise NotFound("person", login)
            if name is not None:
                person.display_name = _checked_name(name)
            if role is not None:
                person.role = _checked_role(role)
            if queues is not None:
                person.queues = _checked_queues(queues)
            if max_chats is not None:
                person.max_chats = _checked_max_chats(max_chats)
            if active is not None:
                person.active = active
            if password_hash is not None:
                person.password_hash = password_hash
            if locale is not None and locale in ("ru", "en"):
                person.locale = locale
            await session.flush()
            return person_view(person)

    async def credentials(self, login: str) -> Credentials | None:
        """An active person's view and password hash; None for an unknown or deactivated login."""
        async with self._db.session() as session:
            person = await session.scalar(
                select(Person).where(Person.login == login, Person.active.is_(True))
            )
            return None if person is None else Credentials(person_view(person), person.password_hash)

    async def person(self, login: str) -> PersonView:
        async with self._db.session() as session:
            person = await session.scalar(select(Person).where(Person.login == login))
            if person is None:
                raise NotFound("person", login)
            return person_view(person)

    async def person_by_id(self, person_id: int) -> PersonView | None:
        async with self._db.session() as session:
            person = await session.get(Person, person_id)
            return None if person is None else person_view(person)

    async def people(self, *, active_only: bool = True) -> list[PersonView]:
        query = select(Person).order_by(Person.login)
        if active_only:
            query = query.where(Person.active.is_(True))
        async with self._db.session() as session:
            return [person_view(person) for person in await session.scalars(query)]

    async def count(self) -> int:
        return len(await self.people(active_only=False))

    async def set_status(self, person_id: int, status: str) -> tuple[PersonView, str]:
        """The person after the change, and the status they had before."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        now = self._clock()
        async with self._db.session() as session:
            person = await session.get(Person, person_id, with_for_update=True)
            if person is None:
                raise NotFound("person", str(person_id))
            before = person.status
            if before != status:
                person.status = status
                person.status_changed_at = now
            if status != "offline":
                person.last_seen_at = now
            await session.flush()
            return person_view(person), before

    async def touch(self, person_id: int) -> None:
        """The person is present now (a request or an open console connection)."""
        async with self._db.session() as session:
            await session.execute(
                update(Person).where(Person.id == person_id).values(last_seen_at=self._clock())
            )

    async def absent_since(self, before: datetime) -> list[PersonView]:
        """People not offline who have shown no sign of presence since ``before``."""
        async with self._db.session() as session:
            found = await session.scalars(
                select(Person).where(
                    Person.status != "offline",
                    (Person.last_seen_at.is_(None)) | (Person.last_seen_at < before),
                )
            )
            return [person_view(person) for person in found]

"""Console sessions (kept by the SHA-256 of their token) and failed logins, counted to refuse guessing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete, func, select

from cabinet_api.db import Database
from cabinet_api.models import ConsoleSession, LoginFailure, Person
from cabinet_api.services.console_views import SessionView
from cabinet_api.services.people import person_view

FIELD_MAX = 64


class ConsoleSessionService:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    async def open_session(self, person_id: int, *, token_hash: str, csrf: str, expires_at: datetime) -> None:
        async with self._db.session() as session:
            session.add(
                ConsoleSession(
                    token_hash=token_hash,
                    person_id=person_id,
                    csrf=csrf,
                    created_at=self._clock(),
                    expires_at=expires_at,
                )
            )
            await session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < self._clock()))

    async def find_session(self, token_hash: str) -> SessionView | None:
        """The session and its person; None when unknown, expired, or the person is deactivated."""
        async with self._db.session() as session:
            row = (
                await session.execute(
                    select(ConsoleSession, Person)
                    .join(Person, ConsoleSession.person_id == Person.id)
                    .where(ConsoleSession.token_hash == token_hash)
                )
            ).first()
        if row is None:
            return None
        found, person = row
        if found.expires_at <= self._clock() or not person.active:
            return None
        return SessionView(person=person_view(person), csrf=found.csrf, expires_at=found.expires_at)

    async def close_session(self, token_hash: str) -> None:
        async with self._db.session() as session:
            await session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == token_hash))

    async def close_sessions_of(self, person_id: int) -> None:
        async with self._db.session() as session:
            await session.execute(delete(ConsoleSession).where(ConsoleSession.person_id == person_id))

    async def record_failure(self, login: str, address: str) -> None:
        async with self._db.session() as session:
            session.add(LoginFailure(login=login[:FIELD_MAX], address=address[:FIELD_MAX], at=self._clock()))

    async def failures_since(self, since: datetime, *, login: str, address: str) -> tuple[int, int]:
        """Failed logins since ``since``: for this login, and from this address."""
        async with self._db.session() as session:
            by_login = await session.scalar(
                select(func.count()).where(LoginFailure.login == login[:FIELD_MAX], LoginFailure.at >= since)
            )
            by_address = await session.scalar(
                select(func.count()).where(
                    LoginFailure.address == address[:FIELD_MAX], LoginFailure.at >= since
                )
            )
            await session.execute(delete(LoginFailure).where(LoginFailure.at < since))
        return int(by_login or 0), int(by_address or 0)

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.types import Body, Channel, ConversationRef, Inbound, Sender
from cabinet_api import CabinetServices, Database, cabinet_services
from cabinet_api.models import Client

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
_event_ids = itertools.count(1)


class FakeClock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def inbound(
    body: Body,
    *,
    channel: Channel = Channel.TELEGRAM,
    bot: str = "legal",
    user: str = "100",
    event_id: str | None = None,
    first_name: str | None = None,
    display_name: str | None = None,
    username: str | None = None,
    locale: str | None = None,
    received_at: datetime = START,
) -> Inbound:
    return Inbound(
        event_id=event_id or f"evt-{next(_event_ids)}",
        conversation=ConversationRef(channel=channel, bot=bot, chat_id=f"chat-{user}", user_id=user),
        sender=Sender(
            user_id=user, first_name=first_name, display_name=display_name, username=username, locale=locale
        ),
        body=body,
        received_at=received_at,
    )


def adding_client(
    first_name: str, public_id: str | None = None
) -> Callable[[AsyncConnection], Awaitable[int]]:
    """A grouped unit that adds a client and returns its id."""

    async def add(connection: AsyncConnection) -> int:
        values: dict[str, object] = {"first_name": first_name}
        if public_id is not None:
            values["public_id"] = public_id
        result = await connection.execute(insert(Client).values(**values).returning(Client.id))
        return int(result.scalar_one())

    return add


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.migrate()
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cabinet(db: Database, clock: FakeClock) -> CabinetServices:
    return cabinet_services(db, clock=clock)


PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def action_server(sqlite_url: str) -> Iterator[str]:
    """A standard rasa-sdk action server serving ``cabinet_api.actions`` on the SQLite database."""
    port = _free_port()
    env = {**os.environ, "OMNICAB_DATABASE_URL": sqlite_url, "SANIC_HOST": "127.0.0.1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", "cabinet_api.actions", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

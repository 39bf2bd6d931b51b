"""A starting process waits for PostgreSQL and Redis while they are unreachable, and only then."""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy.engine import make_url

from bots.app.settings import Settings
from bots.app.start_wait import (
    EXIT_REFUSED,
    EXIT_UNREACHABLE,
    StartFailed,
    needed_backends,
    unreachable,
    wait_for_backends,
)
from bots.state.backoff import Backoff
from cabinet_api.db import Database
from tests.support.tcp_proxy import TcpProxy
from tests.support.waiting import eventually

QUICK = Backoff(initial=0.05, maximum=0.2)
PASSWORD = "s3cret-pw-never-logged"


def _through(postgres_url: str, proxy: TcpProxy) -> str:
    url = make_url(postgres_url).set(host="127.0.0.1", port=proxy.port, password=PASSWORD)
    return url.render_as_string(hide_password=False)


def _settings(tmp_path: Path, database_url: str, redis_url: str | None) -> Settings:
    return Settings(database_url=database_url, redis_url=redis_url, data_dir=tmp_path)


def _messages(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bots.app.start_wait" and r.levelno == level]


async def test_waits_for_postgresql_and_redis_and_names_them_without_the_password(
    tmp_path: Path,
    postgres_url: str,
    redis_url: str,
    postgres_proxy: TcpProxy,
    redis_proxy: TcpProxy,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bots.app.start_wait")
    db = redis_url.rsplit("/", 1)[1]
    settings = _settings(
        tmp_path,
        _through(postgres_url, postgres_proxy),
        f"redis://:{PASSWORD}@127.0.0.1:{redis_proxy.port}/{db}",
    )
    database = Database(settings.database_url)
    waiting = asyncio.create_task(
        wait_for_backends(needed_backends(settings, database), give_up_after=None, backoff=QUICK)
    )
    try:

        async def both_reported() -> bool:
            warnings = " ".join(_messages(caplog, logging.WARNING))
            return all(
                f"{name} at 127.0.0.1:{proxy.port} is not reachable" in warnings
                for name, proxy in (("PostgreSQL", postgres_proxy), ("Redis", redis_proxy))
            )

        await eventually(both_reported, "a warning for each unreachable backend", within=30)
        assert not waiting.done()
        await postgres_proxy.restore()
        await redis_proxy.restore()
        await asyncio.wait_for(waiting, 60)
    finally:
        waiting.cancel()
        await database.dispose()

    reached = _messages(caplog, logging.INFO)
    assert any(m.startswith(f"PostgreSQL at 127.0.0.1:{postgres_proxy.port} reached after") for m in reached)
    assert any(m.startswith(f"Redis at 127.0.0.1:{redis_proxy.port} reached after") for m in reached)
    warning = _messages(caplog, logging.WARNING)[0]
    assert "ConnectionRefusedError" in warning or "ConnectionError" in warning
    assert "next in" in warning
    assert not [m for m in caplog.messages if PASSWORD in m]


async def test_a_database_that_does_not_exist_stops_the_start_at_once(
    tmp_path: Path, postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    missing = make_url(postgres_url).set(database="omnicab_no_such_database").render_as_string(False)
    database = Database(missing)
    try:
        with pytest.raises(StartFailed) as failed:
            await wait_for_backends(
                needed_backends(_settings(tmp_path, missing, None), database), give_up_after=None
            )
    finally:
        await database.dispose()
    assert failed.value.exit_code == EXIT_REFUSED
    assert 'database "omnicab_no_such_database" does not exist' in str(failed.value)
    assert "OMNICAB_DATABASE_URL" in str(failed.value)
    assert "\n" not in str(failed.value)
    assert not _messages(caplog, logging.WARNING)


async def test_a_wrong_redis_password_stops_the_start_at_once(
    tmp_path: Path, sqlite_url: str, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = redis_url.replace("redis://", f"redis://omnicab-nobody:{PASSWORD}@")
    settings = _settings(tmp_path, sqlite_url, wrong)
    database = Database(settings.database_url)
    try:
        with pytest.raises(StartFailed) as failed:
            await wait_for_backends(needed_backends(settings, database), give_up_after=None)
    finally:
        await database.dispose()
    assert failed.value.exit_code == EXIT_REFUSED
    assert str(failed.value).startswith(f"Redis at {redis_url.split('//', 1)[1].split('/', 1)[0]} refused")
    assert "AuthenticationError" in str(failed.value)
    assert PASSWORD not in str(failed.value)
    assert not _messages(caplog, logging.WARNING)


async def test_the_start_timeout_gives_up_with_the_last_error(
    tmp_path: Path, postgres_url: str, postgres_proxy: TcpProxy
) -> None:
    settings = _settings(tmp_path, _through(postgres_url, postgres_proxy), None)
    database = Database(settings.database_url)
    try:
        with pytest.raises(StartFailed) as failed:
            await wait_for_backends(needed_backends(settings, database), give_up_after=0.5, backoff=QUICK)
    finally:
        await database.dispose()
    message = str(failed.value)
    assert failed.value.exit_code == EXIT_UNREACHABLE
    assert message.startswith("not reachable within 0.5 s (OMNICAB_START_TIMEOUT): ")
    assert f"PostgreSQL at 127.0.0.1:{postgres_proxy.port}: ConnectionRefusedError" in message
    assert PASSWORD not in message


async def test_the_embedded_default_waits_for_nothing(tmp_path: Path, sqlite_url: str) -> None:
    database = Database(sqlite_url)
    try:
        assert needed_backends(_settings(tmp_path, sqlite_url, None), database) == []
    finally:
        await database.dispose()


def test_a_host_name_that_does_not_resolve_yet_is_waited_for() -> None:
    """A container that is not up has no address yet: its name fails to resolve until it is."""
    assert unreachable(socket.gaierror(socket.EAI_NONAME, "Name or service not known"))


def test_a_redis_url_with_another_scheme_is_refused_by_the_settings(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="redis://"):
        Settings(redis_url="http://127.0.0.1:6379/0", data_dir=tmp_path)


def test_a_delay_after_very_many_attempts_is_the_maximum() -> None:
    assert 0.1 <= QUICK.delay(5000) <= 0.2

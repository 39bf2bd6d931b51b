from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import StatementError

from cabinet_api import Database
from cabinet_api.models import Client


async def _add_client_then_fail(db: Database) -> None:
    async with db.session() as session:
        session.add(Client(first_name="Борис"))
        await session.flush()
        raise RuntimeError("boom")


async def test_session_commits_on_success_and_rolls_back_on_error(db: Database) -> None:
    async with db.session() as session:
        session.add(Client(first_name="Анна"))
    with pytest.raises(RuntimeError):
        await _add_client_then_fail(db)
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Client)) == 1


async def test_datetimes_come_back_timezone_aware_in_utc(db: Database) -> None:
    moscow = timezone(timedelta(hours=3))
    created = datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=moscow)
    async with db.session() as session:
        client = Client(created_at=created, updated_at=created)
        session.add(client)
    async with db.session() as session:
        loaded = await session.get(Client, client.id)
        assert loaded is not None
        assert loaded.created_at == created
        assert loaded.created_at.tzinfo == UTC
        assert loaded.created_at.hour == 9


async def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        async with db.session() as session:
            session.add(Client(created_at=datetime(2026, 1, 1), updated_at=datetime(2026, 1, 1)))


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        async with db.engine.connect() as connection:
            assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await connection.execute(text("PRAGMA busy_timeout"))).scalar() == 10_000
    finally:
        await db.dispose()


async def test_a_new_file_another_connection_is_writing_opens_once_it_is_done(tmp_path: Path) -> None:
    """Still in rollback mode and write-locked, a file cannot switch to WAL, and SQLite says "locked"
    at once, busy timeout or not (two processes opening a new file at once; a CI flake)."""
    path = tmp_path / "omnicab.db"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("CREATE TABLE early (x)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO early VALUES (1)")
    asyncio.get_running_loop().call_later(0.3, writer.execute, "COMMIT")
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await db.check()
        async with db.engine.connect() as connection:
            assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
    finally:
        await db.dispose()
        writer.close()


async def test_plain_urls_get_the_async_drivers(tmp_path: object) -> None:
    db = Database(f"sqlite:///{tmp_path}/nested/dir/omnicab.db")
    try:
        assert db.url.drivername == "sqlite+aiosqlite"
        await db.migrate()
    finally:
        await db.dispose()
    assert Database("postgresql://u@h/db").url.drivername == "postgresql+asyncpg"


async def test_a_process_opens_no_more_postgresql_connections_than_its_pool_allows(postgres_url: str) -> None:
    """``OMNICAB_DATABASE_POOL_SIZE`` + ``OMNICAB_DATABASE_MAX_OVERFLOW``: several processes share one
    PostgreSQL, whose ``max_connections`` CI once ran out of."""
    database = Database(postgres_url, pool_size=2, max_overflow=1)
    counted = text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name")
    peak = 0

    async def busy() -> None:
        nonlocal peak
        async with database.session() as session:
            await session.execute(text("SELECT pg_sleep(0.05)"))
            peak = max(peak, int(await session.scalar(counted, {"name": database.url.database}) or 0))

    try:
        await asyncio.gather(*(busy() for _ in range(12)))
    finally:
        await database.dispose()

    assert 1 <= peak <= 3

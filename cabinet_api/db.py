"""The cabinet's database: one async engine, transactional sessions, migrations on demand."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool
from sqlalchemy.util import await_

from cabinet_api.direct_groups import DirectStatements
from cabinet_api.group_commit import GroupCommit, Unit
from cabinet_api.sqlite_groups import InThreadGroups

MIGRATIONS_LOCATION = "cabinet_api:migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
_MIGRATION_LOCK_KEY = 0x0C4B_1A7E
GROUP_LANES = 4
"""Groups of writes in flight at once on PostgreSQL (each on its own pooled connection)."""
REPLY_GROUP_LANES = 2
"""The same for the writes a webhook's answer waits for, grouped apart from the workers'."""

T = TypeVar("T")


def normalize_database_url(url: str) -> str:
    """Accept plain ``postgresql://`` and ``sqlite:///`` URLs and pick the async drivers."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    return url


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS_LOCATION)
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


class Database:
    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10, max_overflow: int = 20) -> None:
        """``pool_size`` and ``max_overflow`` bound a process's PostgreSQL connections (SQLite keeps one)."""
        self.url: URL = make_url(normalize_database_url(url))
        self._pool = (pool_size, max_overflow)
        self.engine: AsyncEngine = self._create_engine(echo)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        shared = self.is_sqlite
        together = InThreadGroups(self.engine).together if shared else None
        self.direct: DirectStatements | None = None if shared else DirectStatements(self.engine.dialect)
        direct = None if self.direct is None else self.direct.together
        self._group = GroupCommit(
            self.engine,
            lanes=1 if shared else GROUP_LANES,
            keep_connection=not shared,
            together=together,
            direct=direct,
        )
        self._reply_group = GroupCommit(
            self.engine, lanes=1 if shared else REPLY_GROUP_LANES, keep_connection=not shared, direct=direct
        )

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def _create_engine(self, echo: bool) -> AsyncEngine:
        if not self.is_sqlite:
            pool_size, max_overflow = self._pool
            return create_async_engine(
                self.url,
                echo=echo,
                pool_size=pool_size,
                max_overflow=max_overflow,
                pool_pre_ping=True,
                pool_recycle=1800,
            )
        database = self.url.database
        in_memory = not database or database == ":memory:"
        if in_memory:
            engine = create_async_engine(
                self.url, echo=echo, poolclass=StaticPool, connect_args={"check_same_thread": False}
            )
        else:
            Path(database).parent.mkdir(parents=True, exist_ok=True)  # type: ignore[arg-type]
            # One connection: SQLite takes one writer at a time anyway, and queueing writers in our
            # pool is far cheaper than SQLite's busy handler, which sleeps and polls for the lock.
            # No rollback when the connection goes back: every Connection already rolls back what it
            # began, and the rollback a grouped unit's check-out would get is one more trip to the
            # driver's thread, after the group already committed there (cabinet_api/sqlite_groups.py).
            engine = create_async_engine(
                self.url, echo=echo, pool_size=1, max_overflow=0, pool_timeout=60, pool_reset_on_return=None
            )
        event.listen(engine.sync_engine, "connect", _configure_sqlite_connection)
        return engine

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed when the block succeeds, rolled back when it raises."""
        async with self._sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    @property
    def grouped_transactions(self) -> int:
        """Transactions the grouped writes took so far (both group commits)."""
        return self._group.transactions + self._reply_group.transactions

    async def grouped(self, unit: Unit[T]) -> T:
        """Run a short unit of Core statements in a transaction shared with concurrent ones
        (:mod:`cabinet_api.group_commit`); its result once that transaction committed."""
        return await self._group.run(unit)

    async def grouped_for_reply(self, unit: Unit[T]) -> T:
        """:meth:`grouped` for a write a caller waits on to answer (a webhook's 200): its groups are
        apart from the workers', so it shares transactions with its peers and never queues behind
        the workers' groups."""
        return await self._reply_group.run(unit)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """Core statements in one transaction, committed when the block succeeds.

        For the statements on every message's path: a connection costs a fraction of an ORM
        session, which builds a unit of work and an identity map the hot path never uses.
        """
        async with self.engine.begin() as connection:
            yield connection

    async def migrate(self) -> None:
        """Upgrade the schema to the newest revision; concurrent callers wait for each other."""
        async with self.engine.connect() as connection:
            if self.is_sqlite:
                await connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
                )
            await connection.run_sync(_upgrade_to_head)
            await connection.commit()

    async def check(self) -> None:
        """Run a trivial query; raises what connecting or the query raised."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def ping(self) -> bool:
        """True when a trivial query succeeds (for health checks)."""
        try:
            await self.check()
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        await self._group.close()
        await self._reply_group.close()
        await self.engine.dispose()


def head_revision() -> str:
    """The newest migration's revision, the one ``migrate`` brings a database to."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations directory is empty"
    return head


def _upgrade_to_head(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # The busy timeout first: switching a new file to WAL takes a lock that a second process
        # opening it at the same moment must wait for, not fail on ("database is locked").
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    """``PRAGMA journal_mode=WAL``, looked at again while another connection holds the file's write
    lock: a file still in rollback mode cannot switch then, and SQLite answers "database is locked"
    at once, without its busy timeout (a wait could deadlock). Two processes opening a new file at
    once meet this; once the other's transaction ends, the file is in WAL mode, or can switch."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
        await_(asyncio.sleep(0.05))  # in the connection's greenlet: the event loop runs meanwhile

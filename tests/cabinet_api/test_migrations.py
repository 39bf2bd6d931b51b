from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from cabinet_api import Database
from cabinet_api.models import Base


def _schema_diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    db = Database(database_url)
    try:
        await db.migrate()
        async with db.engine.connect() as connection:
            assert await connection.run_sync(_schema_diff) == []
            assert await connection.run_sync(_tables) == {*Base.metadata.tables, "alembic_version"}
    finally:
        await db.dispose()


async def test_migrating_twice_and_concurrently_is_harmless(database_url: str) -> None:
    first, second = Database(database_url), Database(database_url)
    try:
        await asyncio.gather(first.migrate(), second.migrate())
        await first.migrate()
        async with first.engine.connect() as connection:
            versions = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
        assert [row[0] for row in versions] == ["0005"]
    finally:
        await first.dispose()
        await second.dispose()

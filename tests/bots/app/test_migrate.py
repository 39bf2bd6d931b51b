"""``omnicab migrate`` twice at once on one PostgreSQL: one migrates, the other waits and finds it done."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import asyncpg
import pytest

from bots.app.cli import main
from cabinet_api.db import head_revision


def test_two_concurrent_migrations_both_succeed_and_migrate_once(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OMNICAB_DATABASE_URL", postgres_url)
    with ThreadPoolExecutor(max_workers=2) as threads:
        results = list(threads.map(lambda _: main(["migrate"]), range(2)))

    assert results == [0, 0]
    assert capsys.readouterr().out.count("database is up to date") == 2
    assert asyncio.run(_versions(postgres_url)) == [head_revision()]


async def _versions(postgres_url: str) -> list[str]:
    conn = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return [row[0] for row in await conn.fetch("SELECT version_num FROM alembic_version")]
    finally:
        await conn.close()

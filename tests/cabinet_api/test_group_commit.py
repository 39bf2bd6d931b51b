"""Group commit: concurrent short writes share a transaction, and each caller hears its own outcome."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from cabinet_api import Database
from cabinet_api.models import Client
from tests.cabinet_api.conftest import adding_client


async def _names(db: Database) -> list[str]:
    async with db.session() as session:
        return sorted(name or "" for name in (await session.scalars(select(Client.first_name))).all())


async def test_concurrent_writes_share_transactions_and_all_land(db: Database) -> None:
    ids = await asyncio.gather(*(db.grouped(adding_client(f"Клиент {n}")) for n in range(100)))
    assert len(set(ids)) == 100
    assert len(await _names(db)) == 100
    assert db.grouped_transactions < 100, "a hundred concurrent writes took a hundred transactions"


async def test_writes_a_reply_waits_on_share_transactions_beside_the_workers(db: Database) -> None:
    workers = [db.grouped(adding_client(f"Воркер {n}")) for n in range(50)]
    replies = [db.grouped_for_reply(adding_client(f"Вебхук {n}")) for n in range(50)]
    ids = await asyncio.gather(*workers, *replies)
    assert len(set(ids)) == 100
    assert len(await _names(db)) == 100
    assert db.grouped_transactions < 100, "a hundred concurrent writes took a hundred transactions"


async def test_a_failing_write_fails_alone(db: Database) -> None:
    async with db.session() as session:
        session.add(Client(first_name="Занят", public_id="taken"))
    writes = [adding_client(f"Клиент {n}") for n in range(10)]
    writes.insert(5, adding_client("Дубль", public_id="taken"))
    outcomes = await asyncio.gather(*(db.grouped(write) for write in writes), return_exceptions=True)
    failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert len(failures) == 1
    assert isinstance(outcomes[5], IntegrityError)
    names = await _names(db)
    assert "Дубль" not in names
    assert len(names) == 11


async def test_a_write_that_awaits_more_than_its_statements_lands_with_its_group(db: Database) -> None:
    """On SQLite a group runs in the driver's thread, where only statements can be awaited."""
    add = adding_client("Ждёт")

    async def waiting(connection: AsyncConnection) -> int:
        await asyncio.sleep(0)
        return await add(connection)

    ids = await asyncio.gather(
        *(db.grouped(adding_client(f"Клиент {n}")) for n in range(5)), db.grouped(waiting)
    )
    assert len(set(ids)) == 6
    assert "Ждёт" in await _names(db)
    assert len(await _names(db)) == 6


async def test_a_write_queued_after_the_queue_ran_dry_still_runs(db: Database) -> None:
    """Regression: a write queued while the last group was finishing waited forever."""
    for round_no in range(50):
        first = asyncio.ensure_future(db.grouped(adding_client(f"A{round_no}")))
        await asyncio.sleep(0)
        second = await asyncio.wait_for(db.grouped(adding_client(f"B{round_no}")), 30)
        assert second > 0
        await first
    assert len(await _names(db)) == 100


@pytest.mark.parametrize("size", [1, 300])
async def test_groups_larger_than_the_limit_are_split(db: Database, size: int) -> None:
    await asyncio.gather(*(db.grouped(adding_client(f"К{n}")) for n in range(size)))
    assert len(await _names(db)) == size


def test_a_database_serves_one_event_loop_after_another(sqlite_url: str) -> None:
    """As the CLI and tests use it: a write left in flight when one loop ended holds up no later loop."""
    db = Database(sqlite_url)

    async def once(name: str, leave_running: bool) -> int:
        await db.migrate()
        if leave_running:
            asyncio.get_running_loop().create_task(db.grouped(adding_client(f"{name}-брошен")))
            await asyncio.sleep(0)
        return await asyncio.wait_for(db.grouped(adding_client(name)), 30)

    try:
        assert asyncio.run(once("первый", leave_running=True)) > 0
        assert asyncio.run(once("второй", leave_running=False)) > 0
    finally:
        asyncio.run(db.dispose())


async def test_writes_land_when_the_server_closes_the_connections_groups_run_on(postgres_url: str) -> None:
    """A lane keeps its connection from one group to the next (PostgreSQL): a connection the server
    closed meanwhile fails its group, whose writes then run again, each on a fresh connection."""
    db = Database(postgres_url)
    await db.migrate()
    written = 0
    terminated = asyncio.Event()

    async def writer(number: int) -> list[int]:
        nonlocal written
        ids = []
        for n in range(30):
            ids.append(await db.grouped(adding_client(f"W{number}-{n}")))
            written += 1
            if written == 120:
                terminated.set()
        return ids

    async def terminate_the_others() -> None:
        await terminated.wait()
        async with db.engine.connect() as connection:
            await connection.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )

    try:
        *ids, _ = await asyncio.gather(*(writer(number) for number in range(8)), terminate_the_others())
        assert len({id_ for batch in ids for id_ in batch}) == 240
        assert len(await _names(db)) == 240
    finally:
        await db.dispose()


async def test_on_sqlite_a_group_takes_one_trip_to_the_drivers_thread(sqlite_url: str) -> None:
    """The group runs and commits there; giving the connection back adds no rollback trip."""
    db = Database(sqlite_url)
    await db.migrate()
    try:
        await db.grouped(adding_client("Анна"))
        async with db.engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
        trips = 0
        run_in_thread = driver._execute

        async def counted(*args: object, **kwargs: object) -> object:
            nonlocal trips
            trips += 1
            return await run_in_thread(*args, **kwargs)

        driver._execute = counted
        await db.grouped(adding_client("Борис"))
        assert trips == 1
        assert await _names(db) == ["Анна", "Борис"]
    finally:
        await db.dispose()

"""On PostgreSQL a group commit's statements run straight on asyncpg and answer as SQLAlchemy would."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from asyncpg.connection import LoggedQuery
from sqlalchemy import bindparam, event, insert, select, update
from sqlalchemy.exc import IntegrityError, MultipleResultsFound
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.types import Outbound, Reply, TextBody
from cabinet_api import CabinetServices, Database, cabinet_services
from cabinet_api.direct_groups import DirectStatements, WritesOnceBroken, write_only, writes_once
from cabinet_api.group_commit import Unit
from cabinet_api.models import Client, Message
from cabinet_api.services.accepted import AcceptedEvent
from tests.cabinet_api.conftest import adding_client, inbound


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """The package's ``db`` on PostgreSQL only: SQLite runs its groups in the driver's thread instead."""
    return postgres_url


def _direct(db: Database) -> DirectStatements:
    assert db.direct is not None, "PostgreSQL runs its groups on asyncpg"
    return db.direct


async def _one_echo_message(cabinet: CabinetServices, user: str, n: int) -> None:
    """The cabinet calls of an echo message's path, in the pipeline's order."""
    key = f"{user}-{n}"
    event = inbound(TextBody(text=f"Вопрос {n}"), user=user, event_id=key, first_name="Анна")
    await cabinet.accepted.record([AcceptedEvent(key, f"c{user}", b"{}")])
    assert await cabinet.accepted.earlier_unhandled(key, f"c{user}") == []
    profile = await cabinet.identity.identify(event)
    assert await cabinet.history.record_inbound(profile, event)
    assert await cabinet.conversations.open_of(profile.client_id) is None
    assert await cabinet.conversations.last_closed(profile.client_id) is None
    assert await cabinet.ratings.latest_of(profile.client_id) is None
    since = event.received_at
    assert await cabinet.rating_requests.latest_of(profile.client_id, "conversation", since) is None
    conversation = event.conversation
    outbound = Outbound(id=f"out-{key}", conversation=conversation, reply=Reply(text=f"Ответ {n}"))
    await cabinet.history.record_outbound_many(profile, [outbound], status="queued")
    await cabinet.accepted.mark_handled(key)
    assert await cabinet.sends.begin("telegram", "legal", outbound.id, 0) is None
    await cabinet.sends.settle_delivered(
        "telegram", "legal", outbound.id, 0, platform_message_id="77", message_platform_ids="77"
    )


async def test_every_statement_of_a_message_path_runs_on_asyncpg(db: Database) -> None:
    cabinet = cabinet_services(db)
    for n in range(2):  # a new client, then a known one
        await asyncio.gather(*(_one_echo_message(cabinet, str(user), n) for user in range(10)))
    assert _direct(db).fallbacks == 0
    assert _direct(db).groups > 0
    compiled = _direct(db).compiled
    await asyncio.gather(*(_one_echo_message(cabinet, str(user), 2) for user in range(10)))
    assert _direct(db).compiled == compiled, "a statement on the path is built anew for every message"

    later = inbound(TextBody(text="ещё"), user="3", event_id="later")
    history = await cabinet.history.history((await cabinet.identity.identify(later)).client_id)
    assert [(entry.direction, entry.text, entry.status) for entry in history] == [
        ("in", "Вопрос 0", "received"),
        ("out", "Ответ 0", "sent"),
        ("in", "Вопрос 1", "received"),
        ("out", "Ответ 1", "sent"),
        ("in", "Вопрос 2", "received"),
        ("out", "Ответ 2", "sent"),
    ]


async def test_a_second_intent_of_one_send_reads_the_first_ones_record(db: Database) -> None:
    cabinet = cabinet_services(db)
    assert await cabinet.sends.begin("telegram", "legal", "out-1", 0) is None
    await cabinet.sends.settle("telegram", "legal", "out-1", 0, state="sent", platform_message_id="9")
    earlier = await cabinet.sends.begin("telegram", "legal", "out-1", 0)
    assert earlier is not None
    assert (earlier.state, earlier.platform_message_id) == ("sent", "9")
    assert _direct(db).fallbacks == 0


async def test_values_come_back_typed_as_sqlalchemy_gives_them(db: Database) -> None:
    """Python-side defaults filled in, UTC datetimes, JSON, binary, row attributes and counts."""

    async def write(connection: AsyncConnection) -> tuple[int, str]:
        row = (
            await connection.execute(
                insert(Client).returning(Client.id, Client.public_id), {"first_name": "Анна", "locale": "ru"}
            )
        ).one()
        return row.id, row.public_id

    client_id, public_id = await db.grouped(write)
    assert len(public_id) > 8, "the Python-side default was not filled in"
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    message = {
        "client_id": client_id,
        "direction": "out",
        "channel": "telegram",
        "bot": "legal",
        "event_id": "e1",
        "kind": "text",
        "text": "Добрый день",
        "payload": {"buttons": [["Да", "Нет"]], "n": 1},
        "status": "queued",
        "created_at": at,
        "envelope": b"\x00\xffbytes",
    }
    statement = insert(Message).returning(Message.id)
    bump = update(Message).where(Message.client_id == bindparam("c")).values(status="sent")

    async def round_trip(connection: AsyncConnection) -> tuple[object, ...]:
        await connection.execute(insert(Message), [message | {"event_id": f"m{n}"} for n in range(3)])
        (await connection.execute(statement, message)).scalar_one()
        touched = await connection.execute(bump, {"c": client_id})
        found = (
            await connection.execute(
                select(Message.payload, Message.created_at, Message.envelope, Message.updated_at).where(
                    Message.event_id == "e1"
                )
            )
        ).one()
        return touched.rowcount, found.payload, found.created_at, found.envelope, found.updated_at

    rowcount, payload, created_at, envelope, updated_at = await db.grouped(round_trip)
    assert rowcount == 4
    assert payload == {"buttons": [["Да", "Нет"]], "n": 1}
    assert created_at == at
    assert created_at.tzinfo is not None
    assert envelope == b"\x00\xffbytes"
    assert isinstance(updated_at, datetime)
    assert abs(datetime.now(UTC) - updated_at) < timedelta(minutes=5)
    assert _direct(db).fallbacks == 0


async def test_what_the_direct_path_cannot_run_runs_the_usual_way_with_the_same_answer(db: Database) -> None:
    for name in ("Анна", "Борис", "Вера"):
        await db.grouped(adding_client(name))

    async def mapped(connection: AsyncConnection) -> list[str]:
        query = select(Client.first_name).where(Client.first_name.in_(["Анна", "Вера"])).order_by(Client.id)
        return [row["first_name"] for row in (await connection.execute(query)).mappings()]

    assert await db.grouped(mapped) == ["Анна", "Вера"]
    assert _direct(db).fallbacks == 1


async def test_errors_reach_the_caller_as_sqlalchemy_raises_them(db: Database) -> None:
    await db.grouped(adding_client("Анна", public_id="taken"))
    with pytest.raises(IntegrityError):
        await db.grouped(adding_client("Дубль", public_id="taken"))

    async def two(connection: AsyncConnection) -> object:
        query = select(Client.id).where(Client.first_name.is_not(None))
        return (await connection.execute(query)).one_or_none()

    await db.grouped(adding_client("Борис"))
    with pytest.raises(MultipleResultsFound):
        await db.grouped(two)


async def _clients(db: Database, *names: str) -> list[int]:
    ids = []
    for name in names:
        await db.grouped(adding_client(name))

        async def found(connection: AsyncConnection, name: str = name) -> int:
            return int(
                (await connection.execute(select(Client.id).where(Client.first_name == name))).scalar_one()
            )

        ids.append(await db.grouped(found))
    return ids


_RENAME = write_only(update(Client).where(Client.id == bindparam("c")).values(first_name=bindparam("n")))


def _renaming(client_id: int, name: str, *, count: bool = False) -> Unit[object]:
    """A shared write, then a read of what it wrote: the unit's own statements keep their order."""

    async def unit(connection: AsyncConnection) -> object:
        written = await connection.execute(_RENAME, {"c": client_id, "n": name})
        if count:
            return written.rowcount
        query = select(Client.first_name).where(Client.id == client_id)
        return (await connection.execute(query)).scalar_one()

    return unit


async def _together(db: Database, units: list[Unit[object]]) -> list[object] | None:
    async with db.engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        return await _direct(db).together(driver, units)


async def test_the_same_write_of_several_units_goes_to_the_server_once(db: Database) -> None:
    ids = await _clients(db, "Анна", "Борис", "Вера")
    renamed = ["Алла", "Богдан", "Валя"]

    results = await _together(
        db, [_renaming(client_id, name) for client_id, name in zip(ids, renamed, strict=True)]
    )

    assert results == renamed
    assert _direct(db).shared == 3
    assert await db.grouped(_names) == renamed


async def _names(connection: AsyncConnection) -> list[str]:
    return list((await connection.execute(select(Client.first_name).order_by(Client.id))).scalars())


async def test_a_unit_reading_the_count_of_a_shared_write_runs_the_usual_way(db: Database) -> None:
    first, second = await _clients(db, "Анна", "Борис")
    units = [_renaming(first, "Алла", count=True), _renaming(second, "Богдан", count=True)]

    assert await _together(db, units) is None, "rolled back, to run the usual way"
    assert await db.grouped(_names) == ["Анна", "Борис"]
    assert await asyncio.gather(*(db.grouped(unit) for unit in units)) == [1, 1]
    assert await db.grouped(_names) == ["Алла", "Богдан"]


async def test_a_unit_awaiting_anything_but_its_statements_runs_the_usual_way(db: Database) -> None:
    (client_id,) = await _clients(db, "Анна")

    async def waits(connection: AsyncConnection) -> object:
        await asyncio.sleep(0)
        return await _renaming(client_id, "Алла")(connection)

    assert await _together(db, [_renaming(client_id, "Ася"), waits]) is None
    assert await db.grouped(_names) == ["Анна"], "nothing of the group was kept"
    assert await db.grouped(waits) == "Алла"


async def test_a_row_of_a_shared_write_that_fails_fails_its_own_caller_only(db: Database) -> None:
    await db.grouped(adding_client("Анна", public_id="taken"))

    def adding(name: str, public_id: str) -> Unit[None]:
        async def unit(connection: AsyncConnection) -> None:
            await connection.execute(
                insert(Client), [{"first_name": name, "public_id": public_id, "locale": "ru"}]
            )

        return unit

    units = [adding("Борис", "free"), adding("Дубль", "taken"), adding("Вера", "also-free")]
    assert await _together(db, units) is None
    outcomes = await asyncio.gather(*(db.grouped(unit) for unit in units), return_exceptions=True)
    assert outcomes[0] is None
    assert outcomes[2] is None
    assert isinstance(outcomes[1], IntegrityError)
    assert sorted(await db.grouped(_names)) == ["Анна", "Борис", "Вера"]


_FIRST_NAMES = select(Client.first_name).where(Client.locale == bindparam("locale")).order_by(Client.id)
_ADD = insert(Client).returning(Client.id, Client.public_id)


def _reading(locale: str) -> Unit[object]:
    async def unit(connection: AsyncConnection) -> object:
        return list((await connection.execute(_FIRST_NAMES, {"locale": locale})).scalars())

    return unit


def _adding(name: str, locale: str = "ru") -> Unit[object]:
    async def unit(connection: AsyncConnection) -> object:
        row = (await connection.execute(_ADD, {"first_name": name, "locale": locale})).one()
        return (row.id, row.public_id, name)

    return unit


async def test_the_same_read_of_several_units_goes_to_the_server_once_and_each_gets_its_own_rows(
    db: Database,
) -> None:
    for name, locale in (("Анна", "ru"), ("Борис", "ru"), ("Bob", "en")):
        await db.grouped(_adding(name, locale))

    results = await _together(db, [_reading("ru"), _reading("uz"), _reading("en"), _reading("ru")])

    assert results == [["Анна", "Борис"], [], ["Bob"], ["Анна", "Борис"]]
    assert _direct(db).shared == 4


async def test_the_same_insert_returning_of_several_units_gives_each_its_own_row(db: Database) -> None:
    results = await _together(db, [_adding(name) for name in ("Анна", "Борис", "Вера")])

    assert results is not None
    assert _direct(db).shared == 3
    added = [cast(tuple[int, str, str], found) for found in results]
    assert len({client_id for client_id, _, _ in added}) == 3

    async def stored(connection: AsyncConnection) -> dict[int, tuple[str, str]]:
        rows = await connection.execute(select(Client.id, Client.public_id, Client.first_name))
        return {row.id: (row.public_id, row.first_name) for row in rows}

    found = await db.grouped(stored)
    assert [found[client_id] for client_id, _, _ in added] == [
        (public_id, name) for _, public_id, name in added
    ]


async def _sent(db: Database, units: list[Unit[object]]) -> tuple[list[object] | None, list[str]]:
    """The units' results run together on one connection, and the statements that went to the server."""
    sent: list[str] = []

    def logged(query: LoggedQuery) -> None:
        sent.append(query.query)

    async with db.engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        driver.add_query_logger(logged)
        try:
            return await _direct(db).together(driver, units), sent
        finally:
            driver.remove_query_logger(logged)


def _begins(sent: list[str]) -> int:
    return sum(query.startswith("BEGIN") for query in sent)


async def test_a_lone_unit_that_writes_once_commits_its_write_without_begin(db: Database) -> None:
    results, sent = await _sent(db, [writes_once(adding_client("Анна"))])

    assert results is not None
    assert _begins(sent) == 0
    assert len(sent) == 1, "the insert alone, no BEGIN and no COMMIT around it"
    assert await db.grouped(_names) == ["Анна"]


async def test_reads_take_no_transaction_and_a_group_that_writes_begins_before_its_first_write(
    db: Database,
) -> None:
    await db.grouped(_adding("Анна", "ru"))

    results, sent = await _sent(db, [_reading("ru"), _reading("en")])
    assert results == [["Анна"], []]
    assert _begins(sent) == 0

    results, sent = await _sent(db, [_reading("ru"), writes_once(adding_client("Борис"))])
    assert results is not None
    assert results[0] == ["Анна"]
    assert _begins(sent) == 1
    assert sent[-1] == "COMMIT;"
    assert await db.grouped(_names) == ["Анна", "Борис"]


async def test_a_lone_unit_that_writes_once_and_reads_for_update_holds_its_locks_in_a_transaction(
    db: Database,
) -> None:
    (client_id,) = await _clients(db, "Анна")

    @writes_once
    async def lock_then_rename(connection: AsyncConnection) -> object:
        await connection.execute(select(Client.id).where(Client.id == client_id).with_for_update())
        return (await connection.execute(_RENAME, {"c": client_id, "n": "Алла"})).rowcount

    results, sent = await _sent(db, [lock_then_rename])

    assert results == [1]
    assert _begins(sent) == 1


async def test_a_unit_that_breaks_its_promise_to_write_once_fails_and_is_not_run_again(db: Database) -> None:
    @writes_once
    async def two_writes(connection: AsyncConnection) -> None:
        await adding_client("Анна")(connection)
        await adding_client("Борис")(connection)

    with pytest.raises(WritesOnceBroken):
        await db.grouped(two_writes)

    assert await db.grouped(_names) == ["Анна"], "its first write committed alone, and only once"


async def test_a_lone_write_that_fails_reaches_its_caller_as_sqlalchemy_raises_it(db: Database) -> None:
    await db.grouped(adding_client("Анна", public_id="taken"))

    with pytest.raises(IntegrityError):
        await db.grouped(writes_once(adding_client("Дубль", public_id="taken")))

    assert await db.grouped(_names) == ["Анна"]


async def test_a_known_clients_echo_message_begins_one_transaction(db: Database) -> None:
    """Alone, each grouped unit of the path is one round trip: only the send's result and the
    message's delivery mark, two writes that must land together, take BEGIN and COMMIT."""
    cabinet = cabinet_services(db)
    await _one_echo_message(cabinet, "1", 0)
    sent: list[str] = []

    def logged(query: LoggedQuery) -> None:
        sent.append(query.query)

    logging: set[int] = set()

    def checked_out(dbapi_connection: Any, _record: object, _proxy: object) -> None:
        driver = dbapi_connection.driver_connection
        if id(driver) not in logging:
            logging.add(id(driver))
            driver.add_query_logger(logged)

    event.listen(db.engine.sync_engine.pool, "checkout", checked_out)
    await db.dispose()  # the lanes give their connections back; the next ones are logged
    await _one_echo_message(cabinet, "1", 1)

    assert _begins(sent) == 1
    assert len(sent) == 15, sent
    assert _direct(db).fallbacks == 0


async def _names(connection: AsyncConnection) -> list[str]:
    return list((await connection.execute(select(Client.first_name).order_by(Client.id))).scalars())

"""Fixtures of the fault suite: a platform stand-in process and the app as processes around it."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.faults.load import Figures, Load, figures, settled_tally
from tests.faults.processes import (
    App,
    AppConfig,
    PrivateRedis,
    StandIn,
    TcpProxy,
    free_port,
    has_roles,
    stand_in,
)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed test that ran on a world fixture shows its processes' last log lines (the fixture
    does not see the test's own failure, and the logs go with the test's temporary directory)."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if call.when != "call" or not report.failed:
        return
    for name in ("services_world", "embedded_world"):
        world = getattr(item, "funcargs", {}).get(name)
        if isinstance(world, World):
            report.sections.append((f"{name}: the app's last log lines", world.app.tails()))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.faults)


@pytest.fixture(scope="session")
def roles() -> bool:
    return has_roles()


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    path = tmp_path / "logs"
    path.mkdir()
    return path


@pytest.fixture
async def platform(logs: Path) -> AsyncIterator[StandIn]:
    async with stand_in(logs) as running:
        yield running


@dataclass
class World:
    """A fault test's world: the stand-in, the app's processes, and how to read the outcome."""

    platform: StandIn
    app: App
    roles: bool

    async def start_cluster(self, workers: int = 2) -> None:
        """``omnicab web`` + ``workers`` x ``omnicab worker``, or as many ``omnicab run`` without roles."""
        await self.app.migrate()
        if self.roles:
            await self.app.start(web="web", workers=["worker"] * workers)
        else:
            await self.app.start(web="run", workers=["run"] * (workers - 1))
        await self.webhook_registered()

    async def start_embedded(self) -> None:
        await self.app.start(web="run", workers=[])
        await self.webhook_registered()

    async def webhook_registered(self) -> None:
        from tests.faults.processes import until

        async def registered() -> bool:
            return bool(await self.platform.setwebhook_calls())

        await until(registered, within=30, what="the app's setWebhook")

    async def outcome(self, load: Load, *, in_flight: int = 0, quiet_for: float = 20.0) -> Figures:
        """The figures once every accepted message is answered or nothing changed for ``quiet_for``
        seconds (longer than a dead process's leases take to expire)."""
        taken = await settled_tally(load, quiet_for=quiet_for)
        tally = await self.platform.tally()
        result = figures(
            load,
            taken,
            unknown=await unknown_sends(self.app.config.database_url),
            in_flight=in_flight + int(tally["cut_off"]) + int(tally["late"]),  # type: ignore[call-overload]
        )
        print(f"\nfault figures: {result}")
        return result


async def unknown_sends(database_url: str) -> int:
    """Replies the app marked "unknown" in the history: sent, perhaps, at the instant of a fault."""
    query = "SELECT count(*) FROM messages WHERE direction = 'out' AND status = 'unknown'"
    return await _count(database_url, query)


async def sends_in_doubt(database_url: str) -> int:
    """Replies whose platform call has its intent recorded and no result yet.

    Read right after a kill, these are the sends in flight at that instant as the app itself knows
    them: from the intent's commit until the result's (a request the platform has already answered,
    but whose answer was not yet read or recorded, is among them). A surviving process's own calls
    in progress are counted too, so the figure is an upper bound.
    """
    query = "SELECT count(DISTINCT outbound_id) FROM outbound_sends WHERE state = 'sending'"
    return await _count(database_url, query)


async def _count(database_url: str, query: str) -> int:
    if database_url.startswith("sqlite"):
        path = database_url.split(":///", 1)[1]

        def count() -> int:
            with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
                return int(db.execute(query).fetchone()[0])

        return await asyncio.to_thread(count)
    import asyncpg

    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return int(await conn.fetchval(query))
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def world_of(platform: StandIn, config: AppConfig, logs: Path, roles: bool) -> AsyncIterator[World]:
    app = App(config, logs, web_port=free_port())
    try:
        yield World(platform, app, roles)
    except BaseException:
        print(app.tails())
        raise
    finally:
        await app.stop()


@pytest.fixture
async def services_world(
    platform: StandIn,
    postgres_url: str,
    redis_url: str,
    redis_prefix: str,
    tmp_path: Path,
    logs: Path,
    roles: bool,
) -> AsyncIterator[World]:
    """The app on real PostgreSQL and Redis, under this test's own database and key prefix."""
    config = AppConfig(
        data_dir=tmp_path / "data",
        database_url=postgres_url,
        platform_url=platform.url,
        redis_url=redis_url,
        redis_prefix=redis_prefix,
    )
    async with world_of(platform, config, logs, roles) as world:
        yield world


@pytest.fixture
async def embedded_world(platform: StandIn, tmp_path: Path, logs: Path, roles: bool) -> AsyncIterator[World]:
    """The embedded default: SQLite and in-process state, one process."""
    data = tmp_path / "data"
    config = AppConfig(
        data_dir=data, database_url=f"sqlite+aiosqlite:///{data}/omnicab.db", platform_url=platform.url
    )
    async with world_of(platform, config, logs, roles) as world:
        yield world


@pytest.fixture(params=[True, False], ids=["appendonly", "empty"])
async def private_redis(
    request: pytest.FixtureRequest, tmp_path: Path, logs: Path
) -> AsyncIterator[PrivateRedis]:
    """A private Redis, persistent (as production should run it) or one that restarts empty."""
    directory = tmp_path / "redis"
    directory.mkdir()
    server = PrivateRedis(free_port(), directory, logs, persistent=request.param)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def postgres_proxy(postgres_url: str) -> AsyncIterator[tuple[TcpProxy, str]]:
    """A TCP proxy in front of PostgreSQL and the test database's URL through it."""
    rest = postgres_url.split("://", 1)[1]
    credentials, location = rest.split("@", 1)
    host_port, database = location.split("/", 1)
    host, _, port = host_port.partition(":")
    proxy = TcpProxy(host, int(port or 5432))
    await proxy.start()
    try:
        yield proxy, f"postgresql+asyncpg://{credentials}@127.0.0.1:{proxy.port}/{database}"
    finally:
        await proxy.cut()

"""Shared fixtures: real PostgreSQL and Redis when they are reachable.

A test that needs a service asks for ``postgres_url`` or ``redis_url``. When the service is
not reachable the test is skipped with the reason, unless ``OMNICAB_REQUIRE_SERVICES=1``
(CI), where it fails instead.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bots.state.redis.keys import KeySpace
from tests.support.app import demo_settings, running_app

POSTGRES_URL = os.environ.get(
    "OMNICAB_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("OMNICAB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_SERVICES = os.environ.get("OMNICAB_REQUIRE_SERVICES") == "1"


def _unavailable(what: str, error: BaseException) -> None:
    reason = f"{what} is not reachable ({type(error).__name__}: {error})"
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason}; OMNICAB_REQUIRE_SERVICES=1 requires it", pytrace=False)
    pytest.skip(reason)


async def _create_database(admin_url: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url.replace("postgresql+asyncpg://", "postgresql://"), timeout=5)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _drop_database(admin_url: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url.replace("postgresql+asyncpg://", "postgresql://"), timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"omnicab_test_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_create_database(POSTGRES_URL, name))
    except Exception as error:
        _unavailable(f"PostgreSQL at {POSTGRES_URL}", error)
    base = POSTGRES_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(_drop_database(POSTGRES_URL, name))


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/omnicab.db"  # type: ignore[str-bytes-safe]


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs a test on both the embedded default (SQLite) and real PostgreSQL."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def redis_prefix() -> str:
    """This test's own Redis key prefix: tests (and test runs) sharing one Redis never meet."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def redis_keys(redis_prefix: str) -> KeySpace:
    return KeySpace(redis_prefix)


@pytest.fixture
async def redis_url(redis_keys: KeySpace) -> AsyncIterator[str]:
    """A real Redis; the keys under this test's prefix (and only those) are deleted afterwards."""
    import redis.asyncio as redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as error:
        await client.aclose()
        _unavailable(f"Redis at {REDIS_URL}", error)
    try:
        yield REDIS_URL
    finally:
        keys = [key async for key in client.scan_iter(match=redis_keys.pattern, count=1000)]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Any]:
    """A client of the test Redis (bytes in, bytes out); use it with ``redis_keys``."""
    import redis.asyncio as redis

    client = redis.Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def chromium_path() -> str:
    path = os.environ.get("OMNICAB_CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(path):
        reason = f"Chromium not found at {path} (apt-get install chromium)"
        if REQUIRE_SERVICES:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return path


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


# ---- the whole app ---------------------------------------------------------------------------


@pytest.fixture
def stack_settings() -> dict[str, object]:
    """Settings a test module adds to its demo app (override the fixture in the module)."""
    return {}


@pytest.fixture(params=["embedded", "services"])
def stack(request: pytest.FixtureRequest, tmp_path: Path, stack_settings: dict[str, object]) -> object:
    """The same demo app on the embedded defaults and on real PostgreSQL + Redis."""
    if request.param == "embedded":
        return demo_settings(tmp_path, **stack_settings)
    return demo_settings(
        tmp_path,
        database_url=request.getfixturevalue("postgres_url"),
        redis_url=request.getfixturevalue("redis_url"),
        redis_prefix=request.getfixturevalue("redis_prefix"),
        **stack_settings,
    )


@pytest.fixture
async def demo(stack: object) -> AsyncIterator[str]:
    async with running_app(stack) as base_url:  # type: ignore[arg-type]
        yield base_url


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session

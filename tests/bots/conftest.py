from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.support.app import demo_settings, running_app
from tests.support.telegram_user import TelegramUser


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


@pytest.fixture
def user(http: aiohttp.ClientSession, demo: str) -> TelegramUser:
    return TelegramUser(http, demo, user_id=5001)

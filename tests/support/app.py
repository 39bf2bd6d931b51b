"""Run the real app (demo mode) on a loopback port for end-to-end tests."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import web

from bots.app.factory import create_app
from bots.app.settings import Settings
from bots.demo import DemoMode


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def demo_settings(
    tmp_path: Path, *, database_url: str | None = None, redis_url: str | None = None, **extra: Any
) -> Settings:
    return Settings(
        demo=True,
        host="127.0.0.1",
        port=free_port(),
        database_url=database_url or f"sqlite+aiosqlite:///{tmp_path / 'omnicab.db'}",
        redis_url=redis_url,
        data_dir=tmp_path / "var",
        **extra,
    )


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[str]:
    async with serving(settings):
        yield settings.base_url


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[web.Application]:
    """The app serving at ``settings.base_url``, for tests that also look at what it holds."""
    demo = DemoMode(telegram_bot_rate=settings.telegram_rate_per_second) if settings.demo else None
    app = create_app(settings, demo=demo)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    try:
        yield app
    finally:
        await runner.cleanup()

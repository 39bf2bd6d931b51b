"""PostgreSQL and Redis behind TCP proxies that refuse connections until a test restores them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import make_url

from tests.support.tcp_proxy import TcpProxy


async def _cut_proxy(host: str, port: int) -> TcpProxy:
    """A proxy to the real server on a port where nothing listens until ``restore()``."""
    proxy = TcpProxy(host, port)
    await proxy.start()
    await proxy.cut()
    return proxy


@pytest.fixture
async def postgres_proxy(postgres_url: str) -> AsyncIterator[TcpProxy]:
    url = make_url(postgres_url)
    proxy = await _cut_proxy(url.host or "127.0.0.1", url.port or 5432)
    yield proxy
    await proxy.close()


@pytest.fixture
async def redis_proxy(redis_url: str) -> AsyncIterator[TcpProxy]:
    host, port = redis_url.split("//", 1)[1].split("/", 1)[0].split(":")
    proxy = await _cut_proxy(host, int(port))
    yield proxy
    await proxy.close()

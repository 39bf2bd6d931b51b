from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from cabinet_api import CabinetServices
from cabinet_api.rest import ALL_SCOPES, ApiKeyStore, create_api
from cabinet_api.services import Notification
from tests.cabinet_api.services.conftest import anna, boris, cabinet, files_root

__all__ = ["anna", "boris", "cabinet", "files_root"]

FULL_KEY = "full-access-key-0123456789"
READ_KEY = "read-only-key-0123456789"
SECRET = b"rest-test-secret"
FULL = {"Authorization": f"Bearer {FULL_KEY}"}
READ = {"Authorization": f"Bearer {READ_KEY}"}

ApiClient = TestClient[web.Request, web.Application]


@pytest.fixture
def notifications() -> list[Notification]:
    return []


@pytest.fixture
async def api(cabinet: CabinetServices, notifications: list[Notification]) -> AsyncIterator[ApiClient]:
    keys = ApiKeyStore.parse(f"crm:{','.join(sorted(ALL_SCOPES))}:{FULL_KEY};bi:read:{READ_KEY}")

    async def notify(notification: Notification) -> None:
        notifications.append(notification)

    root = web.Application()
    root.add_subapp("/api/v1", create_api(cabinet, secret=SECRET, api_keys=keys, notify=notify))
    async with TestClient(TestServer(root, host="127.0.0.1")) as client:
        yield client

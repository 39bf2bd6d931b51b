"""Fixtures for the service and REST tests: a cabinet keeping files in a temporary folder, two clients."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.types import ContactShared, StartBody
from cabinet_api import CabinetServices, Database, cabinet_services
from cabinet_api.storage import LocalFileStorage
from tests.cabinet_api.conftest import FakeClock, inbound

ANNA_PHONE = "+79000000001"
BORIS_PHONE = "+79000000002"


@pytest.fixture
def files_root(tmp_path: Path) -> Path:
    return tmp_path / "files"


@pytest.fixture
def cabinet(db: Database, clock: FakeClock, files_root: Path) -> CabinetServices:
    return cabinet_services(db, clock=clock, storage=LocalFileStorage(files_root))


async def verified_client(cabinet: CabinetServices, user: str, phone: str) -> int:
    """A messenger client who shared their own phone (a verified contact)."""
    await cabinet.identity.identify(inbound(StartBody(), user=user, first_name="Test"))
    profile = await cabinet.identity.identify(inbound(ContactShared(phone=phone, verified=True), user=user))
    return profile.client_id


@pytest.fixture
async def anna(cabinet: CabinetServices) -> int:
    return await verified_client(cabinet, "anna", ANNA_PHONE)


@pytest.fixture
async def boris(cabinet: CabinetServices) -> int:
    return await verified_client(cabinet, "boris", BORIS_PHONE)

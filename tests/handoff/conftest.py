"""The handoff desk over real cabinet services, on SQLite and PostgreSQL (``database_url``)."""

from __future__ import annotations

import pytest

from cabinet_api import CabinetServices
from handoff import HandoffDesk
from tests.cabinet_api.conftest import cabinet, clock, db

__all__ = ["cabinet", "clock", "db"]


@pytest.fixture
def desk(cabinet: CabinetServices) -> HandoffDesk:
    return HandoffDesk(cabinet.handoffs)

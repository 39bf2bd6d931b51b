"""The cabinet fixtures for pipeline tests that drive a worker directly, on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.cabinet_api.conftest import cabinet, clock, db

__all__ = ["cabinet", "clock", "db"]

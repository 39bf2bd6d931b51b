"""Handoff over real cabinet services, on SQLite and PostgreSQL (``database_url``), and the whole app on
both stacks (``stack``)."""

from __future__ import annotations

from tests.cabinet_api.conftest import cabinet, clock, db

__all__ = ["cabinet", "clock", "db"]

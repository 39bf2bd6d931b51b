"""INSERT ... ON CONFLICT, which PostgreSQL and SQLite both have but spell through different constructs."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite


def insert_on_conflict(entity: Any, *, is_sqlite: bool) -> postgresql.Insert | sqlite.Insert:
    return sqlite.insert(entity) if is_sqlite else postgresql.insert(entity)

"""Alembic environment for the cabinet.

``Database.migrate()`` hands over an open connection in ``config.attributes["connection"]``.
From the command line (``alembic -c ...``) the URL comes from ``sqlalchemy.url`` or
``OMNICAB_DATABASE_URL`` and an async engine is used through ``run_sync``.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from cabinet_api.db import normalize_database_url
from cabinet_api.models import Base

target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def _run_on(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine(url: str) -> None:
    engine = create_async_engine(normalize_database_url(url))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_on)
            await connection.commit()
    finally:
        await engine.dispose()


def _url() -> str:
    url = context.config.get_main_option("sqlalchemy.url") or os.environ.get("OMNICAB_DATABASE_URL")
    if not url:
        raise RuntimeError("set sqlalchemy.url or OMNICAB_DATABASE_URL")
    return url


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    given = context.config.attributes.get("connection")
    if given is not None:
        _run_on(given)
    else:
        asyncio.run(_run_with_own_engine(_url()))

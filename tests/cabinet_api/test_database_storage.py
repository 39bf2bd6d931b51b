"""Files kept in the database: what one process stores, another (its own engine) reads."""

from __future__ import annotations

import pytest

from cabinet_api import Database
from cabinet_api.storage import DatabaseFileStorage, FileNotStored


async def test_a_file_stored_through_one_connection_pool_is_read_through_another(db: Database) -> None:
    other = Database(db.url.render_as_string(hide_password=False))
    try:
        stored = await DatabaseFileStorage(db).save(b"\x00audio\xff" * 100, mime="audio/ogg", name="call.ogg")
        reader = DatabaseFileStorage(other)

        assert (await reader.open(stored.key), await reader.size(stored.key)) == (b"\x00audio\xff" * 100, 700)
        assert stored.key.endswith(".ogg")
    finally:
        await other.dispose()


async def test_an_unknown_or_malformed_key_is_not_stored(db: Database) -> None:
    storage = DatabaseFileStorage(db)

    with pytest.raises(FileNotStored):
        await storage.open("A" * 32 + ".ogg")
    with pytest.raises(FileNotStored):
        await storage.size("../../etc/passwd")

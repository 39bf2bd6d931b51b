from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cabinet_api import links
from cabinet_api.storage import FileNotStored, LocalFileStorage, mime_of_key

SECRET = b"test-secret"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


async def test_local_storage_round_trip(tmp_path: Path) -> None:
    storage = LocalFileStorage(tmp_path / "files")

    stored = await storage.save(b"OggS...", mime="audio/ogg", name="call")

    assert (stored.mime, stored.name, stored.size) == ("audio/ogg", "call", 7)
    assert mime_of_key(stored.key) == "audio/ogg"
    assert await storage.open(stored.key) == b"OggS..."
    assert [path.name for path in (tmp_path / "files").iterdir()] == [stored.key]


@pytest.mark.parametrize("key", ["../../etc/passwd", "missing-key-00000000.ogg", ""])
async def test_unknown_or_escaping_keys_are_not_found(tmp_path: Path, key: str) -> None:
    with pytest.raises(FileNotStored):
        await LocalFileStorage(tmp_path).open(key)


def test_a_signed_link_is_valid_until_it_expires() -> None:
    token = links.sign("abc.ogg", NOW + timedelta(minutes=15), SECRET)

    assert links.verify(token, SECRET, NOW) == "abc.ogg"
    assert links.verify(token, SECRET, NOW + timedelta(minutes=15)) is None
    expired = links.read(token, SECRET)
    assert expired is not None
    assert expired.expired(NOW + timedelta(minutes=16))


@pytest.mark.parametrize("tamper", ["other-secret", "payload", "signature", "garbage"])
def test_forged_links_are_refused(tamper: str) -> None:
    token = links.sign("abc.ogg", NOW + timedelta(minutes=15), SECRET)
    payload, signature = token.split(".")
    forged = {
        "other-secret": links.sign("abc.ogg", NOW + timedelta(days=1), b"guess"),
        "payload": links.sign("xyz.ogg", NOW + timedelta(days=1), SECRET).split(".")[0] + "." + signature,
        "signature": payload + "." + signature[:-2] + "AA",
        "garbage": "ж.ж",
    }[tamper]
    assert links.read(forged, SECRET) is None
    assert links.verify(forged, SECRET, NOW) is None

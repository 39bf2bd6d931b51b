from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.types import ContactShared, StartBody
from cabinet_api import CabinetServices
from cabinet_api.demo import demo_tone
from cabinet_api.services import NotOwned, RecordingRejected, RecordingView
from tests.cabinet_api.conftest import START, inbound
from tests.cabinet_api.services.conftest import ANNA_PHONE

AUDIO = demo_tone(seconds=1)


async def _ingest(
    cabinet: CabinetServices, phone: str = "8 900 000-00-01", *, hours_ago: int = 1
) -> RecordingView:
    return await cabinet.recordings.ingest_recording(
        audio=AUDIO,
        mime="audio/wav",
        client_phone=phone,
        lawyer="Иван Смирнов",
        started_at=START - timedelta(hours=hours_ago),
        duration=95,
        direction="incoming",
        source="pbx",
    )


async def test_a_recording_is_matched_by_verified_phone_and_playable(
    cabinet: CabinetServices, anna: int
) -> None:
    recording = await _ingest(cabinet)

    assert recording.client_id == anna
    stored = await cabinet.recordings.recording_file(anna, recording.public_id)
    assert (stored.mime, stored.size) == ("audio/wav", len(AUDIO))
    assert await cabinet.files.read(stored.key) == AUDIO


async def test_recordings_page_newest_call_first(cabinet: CabinetServices, anna: int) -> None:
    for hours_ago in range(1, 8):
        await _ingest(cabinet, hours_ago=hours_ago)

    first = await cabinet.recordings.list_recordings(anna)
    second = await cabinet.recordings.list_recordings(anna, page=1)

    assert [item.started_at for item in first.items] == [START - timedelta(hours=h) for h in range(1, 6)]
    assert (len(second.items), first.total, first.has_next, second.has_next) == (2, 7, True, False)
    assert (first.items[0].lawyer, first.items[0].duration) == ("Иван Смирнов", 95)


async def test_an_unmatched_recording_waits_for_the_client_to_verify(cabinet: CabinetServices) -> None:
    recording = await _ingest(cabinet, ANNA_PHONE)
    assert recording.client_id is None

    await cabinet.identity.identify(inbound(StartBody(), user="late"))
    profile = await cabinet.identity.identify(
        inbound(ContactShared(phone=ANNA_PHONE, verified=True), user="late")
    )

    page = await cabinet.recordings.list_recordings(profile.client_id)
    assert [item.public_id for item in page.items] == [recording.public_id]


async def test_a_recording_is_given_only_to_its_client(
    cabinet: CabinetServices, anna: int, boris: int
) -> None:
    recording = await _ingest(cabinet)

    with pytest.raises(NotOwned):
        await cabinet.recordings.recording_file(boris, recording.public_id)
    assert (await cabinet.recordings.list_recordings(boris)).total == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"mime": "video/mp4"}, "audio"),
        ({"audio": b""}, "audio"),
        ({"client_phone": "not a phone"}, "client_phone"),
        ({"direction": "sideways"}, "direction"),
        ({"source": "fax"}, "source"),
        ({"duration": -1}, "duration"),
    ],
)
async def test_invalid_uploads_are_refused_and_nothing_is_stored(
    cabinet: CabinetServices, files_root: Path, change: dict[str, object], field: str
) -> None:
    arguments: dict[str, object] = {
        "audio": AUDIO,
        "mime": "audio/ogg",
        "client_phone": ANNA_PHONE,
        "lawyer": "Смирнов",
        "started_at": START,
        "duration": 10,
        "direction": "outgoing",
        "source": "telegram_call",
    }
    with pytest.raises(RecordingRejected) as rejected:
        await cabinet.recordings.ingest_recording(**{**arguments, **change})  # type: ignore[arg-type]
    assert rejected.value.field == field
    assert not await asyncio.to_thread(lambda: files_root.exists() and any(files_root.iterdir()))

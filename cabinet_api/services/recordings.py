"""Call recordings: ingested from the PBX or CRM, matched to the client by verified phone, played in chat."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.phones import normalize_phone
from cabinet_api.db import Database
from cabinet_api.models import CallDirection, Client, Recording, RecordingSource
from cabinet_api.services.ownership import owned
from cabinet_api.services.views import Page, RecordingView
from cabinet_api.storage import FileStorage, StoredFile

MAX_RECORDING_BYTES = 50 * 1024 * 1024
RECORDING_MIME_TYPES = frozenset(
    {
        "audio/ogg",
        "audio/opus",
        "audio/mpeg",
        "audio/mp4",
        "audio/x-m4a",
        "audio/aac",
        "audio/wav",
        "audio/x-wav",
        "audio/wave",
        "audio/webm",
    }
)


class RecordingRejected(ValueError):
    """The upload is not a recording we keep; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _view(recording: Recording) -> RecordingView:
    return RecordingView(
        public_id=recording.public_id,
        client_id=recording.client_id,
        lawyer=recording.lawyer,
        started_at=recording.started_at,
        duration=recording.duration,
        direction=recording.direction,
        source=recording.source,
        mime=recording.mime,
        name=recording.file_name,
        size=recording.size,
    )


def _check(
    audio: bytes, mime: str, client_phone: str, lawyer: str, duration: int, direction: str, source: str
) -> str:
    """The normalized phone, or RecordingRejected naming the field."""
    if mime not in RECORDING_MIME_TYPES:
        raise RecordingRejected("audio", f"unsupported audio type {mime}")
    if not audio:
        raise RecordingRejected("audio", "empty audio")
    if len(audio) > MAX_RECORDING_BYTES:
        raise RecordingRejected("audio", f"audio is larger than {MAX_RECORDING_BYTES} bytes")
    phone = normalize_phone(client_phone)
    if phone is None:
        raise RecordingRejected("client_phone", "not a phone number")
    if not lawyer.strip():
        raise RecordingRejected("lawyer", "must not be empty")
    if duration < 0:
        raise RecordingRejected("duration", "must not be negative")
    if direction not in CallDirection.__members__.values():
        raise RecordingRejected("direction", f"one of {', '.join(CallDirection)}")
    if source not in RecordingSource.__members__.values():
        raise RecordingRejected("source", f"one of {', '.join(RecordingSource)}")
    return phone


class RecordingService:
    def __init__(self, db: Database, clock: Callable[[], datetime], storage: FileStorage) -> None:
        self._db = db
        self._clock = clock
        self._storage = storage

    async def ingest_recording(
        self,
        *,
        audio: bytes,
        mime: str,
        client_phone: str,
        lawyer: str,
        started_at: datetime,
        duration: int,
        direction: str,
        source: str,
    ) -> RecordingView:
        """Nothing is stored unless every field is valid (RecordingRejected names the bad one)."""
        phone = _check(audio, mime, client_phone, lawyer, duration, direction, source)
        name = f"call-{started_at.strftime('%Y%m%d-%H%M')}"
        stored = await self._storage.save(audio, mime=mime, name=name)
        async with self._db.session() as session:
            client_id = await session.scalar(
                select(Client.id).where(Client.phone == phone, Client.phone_verified.is_(True))
            )
            recording = Recording(
                client_id=client_id,
                client_phone=phone,
                lawyer=lawyer.strip(),
                started_at=started_at,
                duration=duration,
                direction=direction,
                source=source,
                file_key=stored.key,
                mime=stored.mime,
                file_name=stored.name,
                size=stored.size,
                created_at=self._clock(),
            )
            session.add(recording)
            await session.flush()
            return _view(recording)

    async def list_recordings(
        self, client_id: int, *, page: int = 0, per_page: int = 5
    ) -> Page[RecordingView]:
        """Newest call first; recordings that arrived before the phone was verified are claimed now."""
        if page < 0 or per_page < 1:
            raise ValueError("page must be >= 0 and per_page >= 1")
        mine = Recording.client_id == client_id
        async with self._db.session() as session:
            await self._claim_unmatched(session, client_id)
            total = int(await session.scalar(select(func.count()).select_from(Recording).where(mine)) or 0)
            rows = await session.scalars(
                select(Recording)
                .where(mine)
                .order_by(Recording.started_at.desc(), Recording.id.desc())
                .offset(page * per_page)
                .limit(per_page)
            )
            items = [_view(recording) for recording in rows]
        return Page.of(items, page=page, per_page=per_page, total=total)

    async def recording_file(self, client_id: int, public_id: str) -> StoredFile:
        async with self._db.session() as session:
            await self._claim_unmatched(session, client_id)
            recording = await owned(session, Recording, "recording", public_id, client_id)
            return StoredFile(
                key=recording.file_key, mime=recording.mime, name=recording.file_name, size=recording.size
            )

    async def recording(self, client_id: int, public_id: str) -> RecordingView:
        async with self._db.session() as session:
            await self._claim_unmatched(session, client_id)
            return _view(await owned(session, Recording, "recording", public_id, client_id))

    @staticmethod
    async def _claim_unmatched(session: AsyncSession, client_id: int) -> None:
        phone = await session.scalar(
            select(Client.phone).where(Client.id == client_id, Client.phone_verified.is_(True))
        )
        if phone is None:
            return
        await session.execute(
            update(Recording)
            .where(Recording.client_id.is_(None), Recording.client_phone == phone)
            .values(client_id=client_id)
            .execution_options(synchronize_session=False)
        )

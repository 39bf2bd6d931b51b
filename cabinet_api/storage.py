"""Files the cabinet keeps (call recordings, audio answers): a small interface, the local disk
(one machine) and the database (every process and machine sharing it)."""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import select

from adapters.types import FileRef, MediaKind
from cabinet_api.models.file_blob import FileBlob

if TYPE_CHECKING:
    from cabinet_api.db import Database

MIME_EXTENSIONS = {
    "audio/ogg": ".ogg",
    "audio/opus": ".opus",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "audio/x-m4a": ".m4a",
    "audio/aac": ".aac",
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/wave": ".wav",
    "audio/webm": ".webm",
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}
_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}(\.[a-z0-9]{1,5})?$")


class FileNotStored(LookupError):
    """No file under this key (or the key is not one this storage could have made)."""


@dataclass(frozen=True, slots=True)
class StoredFile:
    key: str
    mime: str
    name: str
    size: int

    def ref(self, kind: MediaKind = MediaKind.DOCUMENT, *, duration: int | None = None) -> FileRef:
        """The file as the rest of omnicab refers to it (and as the database keeps it, in JSON)."""
        return FileRef(
            kind=kind,
            storage_key=self.key,
            file_name=self.name,
            mime_type=self.mime,
            size=self.size,
            duration=duration,
        )

    @classmethod
    def of_ref(cls, ref: FileRef) -> StoredFile:
        if ref.storage_key is None:
            raise ValueError("not a file of the cabinet's storage")
        return cls(
            key=ref.storage_key,
            mime=ref.mime_type or mime_of_key(ref.storage_key),
            name=ref.file_name or ref.storage_key,
            size=ref.size or 0,
        )


class FileStorage(Protocol):
    async def save(self, data: bytes, *, mime: str, name: str) -> StoredFile: ...

    async def open(self, key: str) -> bytes: ...

    async def size(self, key: str) -> int:
        """Bytes of the stored file, without reading it (a file sent by link must state its size)."""
        ...


def mime_of_key(key: str) -> str:
    """The content type a key was saved with (keys end in the extension of their mime type)."""
    suffix = Path(key).suffix
    for mime, extension in MIME_EXTENSIONS.items():
        if extension == suffix:
            return mime
    return "application/octet-stream"


def new_key(mime: str) -> str:
    return secrets.token_urlsafe(24) + MIME_EXTENSIONS.get(mime, "")


class LocalFileStorage:
    """Files on the local disk under ``root``, named by random keys; the disk I/O runs in a thread."""

    def __init__(self, root: Path) -> None:
        self._root = root

    async def save(self, data: bytes, *, mime: str, name: str) -> StoredFile:
        key = new_key(mime)
        await asyncio.to_thread(self._write, self._root / key, data)
        return StoredFile(key=key, mime=mime, name=name, size=len(data))

    async def open(self, key: str) -> bytes:
        if not _KEY.match(key):
            raise FileNotStored(key)
        try:
            return await asyncio.to_thread((self._root / key).read_bytes)
        except FileNotFoundError:
            raise FileNotStored(key) from None

    async def size(self, key: str) -> int:
        if not _KEY.match(key):
            raise FileNotStored(key)
        try:
            return (await asyncio.to_thread((self._root / key).stat)).st_size
        except FileNotFoundError:
            raise FileNotStored(key) from None

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(data)
        partial.replace(path)


class DatabaseFileStorage:
    """Files as rows of ``file_blobs``: a file saved by one process is readable by every other."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def save(self, data: bytes, *, mime: str, name: str) -> StoredFile:
        key = new_key(mime)
        async with self._database.session() as session:
            session.add(FileBlob(key=key, mime=mime, name=name, size=len(data), data=data))
        return StoredFile(key=key, mime=mime, name=name, size=len(data))

    async def open(self, key: str) -> bytes:
        if not _KEY.match(key):
            raise FileNotStored(key)
        async with self._database.session() as session:
            data = await session.scalar(select(FileBlob.data).where(FileBlob.key == key))
        if data is None:
            raise FileNotStored(key)
        return bytes(data)

    async def size(self, key: str) -> int:
        if not _KEY.match(key):
            raise FileNotStored(key)
        async with self._database.session() as session:
            size = await session.scalar(select(FileBlob.size).where(FileBlob.key == key))
        if size is None:
            raise FileNotStored(key)
        return int(size)

"""Files the cabinet keeps (call recordings, audio answers): a small interface and a local-disk default."""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

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

    def as_ref(self) -> dict[str, Any]:
        """The JSON form kept in the database next to the records that own the file."""
        return {"storage_key": self.key, "mime": self.mime, "name": self.name, "size": self.size}

    @classmethod
    def from_ref(cls, ref: dict[str, Any]) -> StoredFile:
        return cls(
            key=str(ref["storage_key"]), mime=str(ref["mime"]), name=str(ref["name"]), size=int(ref["size"])
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


class LocalFileStorage:
    """Files on the local disk under ``root``, named by random keys; the disk I/O runs in a thread."""

    def __init__(self, root: Path) -> None:
        self._root = root

    async def save(self, data: bytes, *, mime: str, name: str) -> StoredFile:
        key = secrets.token_urlsafe(24) + MIME_EXTENSIONS.get(mime, "")
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

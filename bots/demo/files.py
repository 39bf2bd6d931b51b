"""Files a fake platform holds: uploaded by bots or by the simulator, fetched back by id or path."""

from __future__ import annotations

import itertools
import mimetypes
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import PurePosixPath

DEFAULT_MAX_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    file_name: str | None
    mime_type: str | None
    data: bytes | None = field(default=None, repr=False)
    url: str | None = None

    @property
    def size(self) -> int | None:
        return None if self.data is None else len(self.data)


class FileStore:
    """Oldest files are forgotten once the held bytes exceed ``max_bytes``."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self._max_bytes = max_bytes
        self._held_bytes = 0
        self._by_id: OrderedDict[str, StoredFile] = OrderedDict()
        self._by_path: dict[str, StoredFile] = {}
        self._numbers = itertools.count(1)

    def add(
        self,
        *,
        folder: str,
        data: bytes | None,
        file_name: str | None = None,
        mime_type: str | None = None,
        url: str | None = None,
    ) -> StoredFile:
        if mime_type in (None, "application/octet-stream") and file_name:
            # As Telegram does, a file uploaded without a specific type is typed by its name.
            mime_type = mimetypes.guess_type(file_name)[0] or mime_type
        suffix = PurePosixPath(file_name).suffix if file_name else ""
        stored = StoredFile(
            file_id=f"BQACAgIAAx{secrets.token_urlsafe(24)}",
            file_unique_id=f"AgAD{secrets.token_urlsafe(8)}",
            file_path=f"{folder}/file_{next(self._numbers)}{suffix}",
            file_name=file_name,
            mime_type=mime_type,
            data=data,
            url=url,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        self._held_bytes += stored.size or 0
        self._evict()
        return stored

    def by_id(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)

    def _evict(self) -> None:
        while self._held_bytes > self._max_bytes and len(self._by_id) > 1:
            _, oldest = self._by_id.popitem(last=False)
            del self._by_path[oldest.file_path]
            self._held_bytes -= oldest.size or 0

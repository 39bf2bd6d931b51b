"""The cabinet's stored files (call recordings, audio answers): kept and read by key, or reached through a
short-lived signed link whose signature is the credential."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cabinet_api import links
from cabinet_api.services.errors import LinkExpired, NotFound
from cabinet_api.storage import FileNotStored, FileStorage, StoredFile, mime_of_key

LIFETIME_SLACK = timedelta(minutes=1)
"""Clocks of the processes that sign and check a link may differ a little."""


@dataclass(frozen=True, slots=True)
class FileLink:
    token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class FileContent:
    data: bytes
    mime: str


class FileService:
    def __init__(self, storage: FileStorage, clock: Callable[[], datetime]) -> None:
        self._storage = storage
        self._clock = clock

    async def store(self, data: bytes, *, mime: str, name: str) -> StoredFile:
        return await self._storage.save(data, mime=mime, name=name)

    async def read(self, key: str) -> bytes:
        """The file's bytes; FileNotStored when there is none under ``key``."""
        return await self._storage.open(key)

    async def size(self, key: str) -> int:
        """The file's size in bytes, without reading it; FileNotStored when there is none."""
        return await self._storage.size(key)

    def link(self, key: str, *, secret: bytes, lifetime: timedelta) -> FileLink:
        expires_at = self._clock() + lifetime
        return FileLink(token=links.sign(key, expires_at, secret), expires_at=expires_at)

    async def read_linked(
        self, token: str, *, secret: bytes, max_lifetime: timedelta | None = None
    ) -> FileContent:
        """NotFound for a forged token or a file no longer stored, LinkExpired for a genuine old one.

        A link that would live longer than ``max_lifetime`` from now (signed before the lifetime was
        shortened, or by an older version that made year-long links) is refused as expired too.
        """
        link = links.read(token, secret)
        if link is None:
            raise NotFound("file", "")
        now = self._clock()
        if link.expired(now):
            raise LinkExpired("the link has expired")
        if max_lifetime is not None and link.expires_at - now > max_lifetime + LIFETIME_SLACK:
            raise LinkExpired("the link outlives the allowed lifetime")
        try:
            data = await self._storage.open(link.key)
        except FileNotStored:
            raise NotFound("file", "") from None
        return FileContent(data=data, mime=mime_of_key(link.key))

"""Multipart uploads read part by part with limits, so an oversized file is refused before it is kept."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import BodyPartReader, web

from cabinet_api.rest.errors import ApiError

FIELD_LIMIT = 64 * 1024
CHUNK = 256 * 1024


@dataclass(frozen=True, slots=True)
class Upload:
    data: bytes
    mime: str
    filename: str | None


@dataclass(frozen=True, slots=True)
class Form:
    fields: dict[str, str]
    files: dict[str, Upload]


async def _read(part: BodyPartReader, limit: int, field: str) -> bytes:
    data = bytearray()
    while chunk := await part.read_chunk(CHUNK):
        data.extend(chunk)
        if len(data) > limit:
            raise ApiError(413, "too_large", f"{field} is larger than {limit} bytes", field=field)
    return bytes(data)


async def read_form(
    request: web.Request, *, file_part: str, file_limit: int, allowed_mime: frozenset[str]
) -> Form:
    """Text fields and the one file part; 415 for a disallowed file type, 413 when it is too large."""
    if request.content_type != "multipart/form-data":
        raise ApiError(415, "unsupported_media_type", "send multipart/form-data", field="body")
    reader = await request.multipart()
    fields: dict[str, str] = {}
    files: dict[str, Upload] = {}
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name is None:
            raise ApiError(400, "invalid", "nested or unnamed multipart parts are not accepted", field="body")
        if part.name == file_part:
            mime = (part.headers.get("Content-Type") or "application/octet-stream").split(";")[0].strip()
            if mime not in allowed_mime:
                raise ApiError(415, "unsupported_media_type", f"{mime} is not accepted", field=file_part)
            data = await _read(part, file_limit, file_part)
            files[file_part] = Upload(data=data, mime=mime, filename=part.filename)
        else:
            raw = await _read(part, FIELD_LIMIT, part.name)
            fields[part.name] = raw.decode(part.get_charset("utf-8"), errors="strict")
    return Form(fields=fields, files=files)

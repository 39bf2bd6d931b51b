"""Reading a platform API request as a platform does: query, JSON, url-encoded or multipart, within limits.

Bodies are streamed with the fake's own limits, so they hold whatever ``client_max_size`` the
hosting application was given.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from aiohttp import BodyPartReader, web

CHUNK = 64 * 1024


T = TypeVar("T")


class BodyTooLarge(Exception):
    pass


class MalformedBody(Exception):
    pass


@dataclass(frozen=True)
class Upload:
    field_name: str
    file_name: str
    content_type: str | None
    data: bytes = field(repr=False)

    def summary(self) -> dict[str, Any]:
        return {"file_name": self.file_name, "size": len(self.data)}


@dataclass
class RequestParams:
    """Fields as sent (strings from forms, typed values from JSON) and uploaded files by field name."""

    fields: dict[str, Any] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)


async def read_limited(request: web.Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge(f"body exceeds {limit} bytes")
    body = bytearray()
    while chunk := await request.content.read(CHUNK):
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(f"body exceeds {limit} bytes")
    return bytes(body)


async def read_json(request: web.Request, limit: int) -> Any:
    raw = await read_limited(request, limit)
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedBody(f"invalid JSON: {error}") from error


async def read_params(request: web.Request, *, field_limit: int, upload_limit: int) -> RequestParams:
    """All parameters of a request; ``field_limit`` bounds non-file data, ``upload_limit`` all files."""
    params = RequestParams(fields=dict(request.query))
    if request.method != "POST" or not request.body_exists:
        return params
    content_type = request.content_type
    if content_type == "multipart/form-data":
        await _read_multipart(request, params, field_limit=field_limit, upload_limit=upload_limit)
    elif content_type == "application/json":
        body = await read_json(request, field_limit)
        if not isinstance(body, dict):
            raise MalformedBody("the JSON body must be an object")
        params.fields.update(body)
    else:
        raw = await read_limited(request, field_limit)
        try:
            params.fields.update(parse_qsl(raw.decode(), keep_blank_values=True))
        except UnicodeDecodeError as error:
            raise MalformedBody("the form is not UTF-8") from error
    return params


async def _read_multipart(
    request: web.Request, params: RequestParams, *, field_limit: int, upload_limit: int
) -> None:
    try:
        reader = await request.multipart()
    except (AssertionError, ValueError) as error:
        raise MalformedBody(f"invalid multipart body: {error}") from error
    fields_size = uploads_size = 0
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or not part.name:
            raise MalformedBody("nested or unnamed multipart parts are not supported")
        if part.filename is not None:
            data = await _read_part(part, upload_limit - uploads_size)
            uploads_size += len(data)
            params.files[part.name] = Upload(part.name, part.filename, part.headers.get("Content-Type"), data)
        else:
            data = await _read_part(part, field_limit - fields_size)
            fields_size += len(data)
            try:
                params.fields[part.name] = data.decode()
            except UnicodeDecodeError as error:
                raise MalformedBody(f"field {part.name} is not UTF-8") from error


async def _read_part(part: BodyPartReader, limit: int) -> bytes:
    data = bytearray()
    while chunk := await part.read_chunk(CHUNK):
        data += chunk
        if len(data) > limit:
            raise BodyTooLarge(f"part {part.name} exceeds the limit")
    return bytes(data)


class RejectedBody(Exception):
    """A body a fake refuses, with the HTTP answer to give."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.response = web.json_response({"error": message}, status=status)


async def read_json_object(request: web.Request, limit: int, what: str) -> dict[str, Any]:
    """The body as a JSON object; else :class:`RejectedBody` (413 too large, 400 malformed)."""
    try:
        value = await read_json(request, limit)
    except BodyTooLarge:
        raise RejectedBody(413, f"{what} too large") from None
    except MalformedBody as error:
        raise RejectedBody(400, str(error)) from None
    if not isinstance(value, dict):
        raise RejectedBody(400, f"{what} must be a JSON object")
    return value


def only_registered(registered: Sequence[T]) -> T:
    """The one bot with a webhook, when an update names none; else :class:`RejectedBody`."""
    if not registered:
        raise RejectedBody(409, "no webhook registered")
    if len(registered) > 1:
        raise RejectedBody(
            400,
            "Вебхук зарегистрировали несколько ботов — укажите, какому писать: ?token=. "
            "/ Several bots registered webhooks; name the one to write to: ?token=.",
        )
    return registered[0]

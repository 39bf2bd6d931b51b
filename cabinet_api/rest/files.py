"""Stored files behind signed links: no API key, the signature is the credential."""

from __future__ import annotations

from aiohttp import web

from cabinet_api import links
from cabinet_api.rest.context import Route, context
from cabinet_api.rest.errors import ApiError
from cabinet_api.storage import FileNotStored, mime_of_key


async def get_file(request: web.Request) -> web.Response:
    api = context(request)
    link = links.read(request.match_info["token"], api.secret)
    if link is None:
        raise ApiError(404, "not_found", "no such file")
    if link.expired(api.cabinet.clock()):
        raise ApiError(410, "gone", "the link has expired")
    try:
        data = await api.cabinet.storage.open(link.key)
    except FileNotStored:
        raise ApiError(404, "not_found", "no such file") from None
    return web.Response(
        body=data,
        content_type=mime_of_key(link.key),
        headers={"Cache-Control": "private, no-store", "Content-Disposition": "inline"},
    )


ROUTES = [
    Route(
        "GET",
        "/files/{token}",
        get_file,
        "A stored file through a signed, short-lived link",
        None,
        binary=True,
    ),
]

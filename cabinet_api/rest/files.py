"""Stored files behind signed links: no API key, the signature is the credential."""

from __future__ import annotations

from aiohttp import web

from cabinet_api.rest.context import Route, context
from cabinet_api.rest.errors import ApiError
from cabinet_api.services import NotFound


async def get_file(request: web.Request) -> web.Response:
    api = context(request)
    try:
        file = await api.cabinet.files.read_linked(
            request.match_info["token"], secret=api.secret, max_lifetime=api.link_lifetime
        )
    except NotFound:
        raise ApiError(404, "not_found", "no such file") from None
    return web.Response(
        body=file.data,
        content_type=file.mime,
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

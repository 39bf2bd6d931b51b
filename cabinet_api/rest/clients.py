from __future__ import annotations

from aiohttp import web

from cabinet_api.rest.context import Route, context, respond
from cabinet_api.rest.keys import READ
from cabinet_api.rest.schemas import ClientOut


async def get_client(request: web.Request) -> web.Response:
    view = await context(request).cabinet.clients.get_client(request.match_info["client_id"])
    return respond(ClientOut.of(view))


ROUTES = [
    Route(
        "GET",
        "/clients/{client_id}",
        get_client,
        "A client with their channel identities",
        READ,
        response=ClientOut,
    ),
]

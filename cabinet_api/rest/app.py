"""The cabinet's REST API as an aiohttp application the bots app mounts at ``/api/v1``."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from cabinet_api.rest import clients, feedback, files, recordings, refunds, requests
from cabinet_api.rest.context import CONTEXT, LINK_LIFETIME, ApiContext, Notify, Route, guarded
from cabinet_api.rest.errors import error_middleware
from cabinet_api.rest.keys import ApiKeyStore
from cabinet_api.rest.openapi import openapi_document
from cabinet_api.rest.throttle import KeyThrottle
from cabinet_api.services import CabinetServices

OPENAPI_PATH = "/openapi.json"
ROUTES: tuple[Route, ...] = (
    *clients.ROUTES,
    *requests.ROUTES,
    *refunds.ROUTES,
    *recordings.ROUTES,
    *feedback.ROUTES,
    *files.ROUTES,
)


def create_api(
    cabinet: CabinetServices,
    *,
    secret: bytes,
    api_keys: ApiKeyStore,
    notify: Notify | None = None,
    link_lifetime: timedelta = LINK_LIFETIME,
    throttle: KeyThrottle | None = None,
) -> web.Application:
    """Mount with ``app.add_subapp("/api/v1", create_api(...))``.

    ``notify`` is awaited after a lawyer's answer is saved, to tell the client it is ready;
    ``throttle`` answers 429 to an address or a key after too many wrong keys.
    """
    api = web.Application(middlewares=[error_middleware])
    api[CONTEXT] = ApiContext(
        cabinet=cabinet,
        secret=secret,
        api_keys=api_keys,
        notify=notify,
        link_lifetime=link_lifetime,
        throttle=throttle,
    )
    document = openapi_document(ROUTES)

    async def openapi(_request: web.Request) -> web.Response:
        return web.json_response(document)

    api.router.add_get(OPENAPI_PATH, openapi, allow_head=False)
    for route in ROUTES:
        if route.handler is files.get_file:
            # Platforms that fetch a file by URL (Viber) ask its size with HEAD first.
            api.router.add_get(route.path, guarded(route), name=recordings.FILE_ROUTE, allow_head=True)
        else:
            api.router.add_route(route.method, route.path, guarded(route))
    return api

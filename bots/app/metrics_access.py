"""Who may read ``/metrics``: anyone in demo mode; in live mode only a scraper with the token,
or anyone when ``OMNICAB_METRICS_PUBLIC`` says so. Without either it is not served at all."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web

from bots.app.settings import Settings

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def metrics_route(settings: Settings, handle: Handler) -> Handler:
    if settings.demo or settings.metrics_public:
        return handle
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None

    async def guarded(request: web.Request) -> web.StreamResponse:
        if token is None:
            raise web.HTTPNotFound(text="not found")
        presented = request.headers.get("Authorization", "").encode("utf-8")
        if not hmac.compare_digest(presented, f"Bearer {token}".encode()):
            raise web.HTTPUnauthorized(
                text="a metrics token is required: Authorization: Bearer <OMNICAB_METRICS_TOKEN>",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return await handle(request)

    return guarded

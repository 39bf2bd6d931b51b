"""What every handler needs, kept on the API application, and the route declarations the app and its
OpenAPI document are both built from."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from cabinet_api.rest.errors import ApiError
from cabinet_api.rest.keys import ApiKey, ApiKeyStore
from cabinet_api.rest.throttle import KeyThrottle
from cabinet_api.services import CabinetServices, Notification

Notify = Callable[[Notification], Awaitable[None]]
RouteHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]

LINK_LIFETIME = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class ApiContext:
    cabinet: CabinetServices
    secret: bytes
    api_keys: ApiKeyStore
    notify: Notify | None
    link_lifetime: timedelta = LINK_LIFETIME
    throttle: KeyThrottle | None = None


CONTEXT = web.AppKey("cabinet_api_context", ApiContext)
CALLER = web.AppKey("cabinet_api_caller", ApiKey)


@dataclass(frozen=True, slots=True)
class Route:
    """One operation. ``scope`` None means public (the file link carries its own signature)."""

    method: str
    path: str
    handler: RouteHandler
    summary: str
    scope: str | None
    status: int = 200
    body: type[BaseModel] | None = None
    form: type[BaseModel] | None = None
    file_part: str | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    many: bool = False
    paged: bool = False
    binary: bool = False


def context(request: web.Request) -> ApiContext:
    return request.config_dict[CONTEXT]


async def authenticate(request: web.Request, scope: str) -> ApiKey:
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ApiError(401, "unauthorized", "an API key is required: Authorization: Bearer <key>")
    api = context(request)
    key, address = key.strip(), request.remote or "unknown"
    if api.throttle is not None:
        wait = await api.throttle.retry_after(key, address)
        if wait > 0:
            raise ApiError(
                429, "too_many_attempts", "too many wrong API keys; try later", retry_after=math.ceil(wait)
            )
    caller = api.api_keys.authenticate(key)
    if caller is None:
        if api.throttle is not None:
            await api.throttle.failed(key, address)
        raise ApiError(401, "unauthorized", "unknown API key")
    if scope not in caller.scopes:
        raise ApiError(403, "forbidden", f"the key lacks the scope {scope}")
    return caller


def guarded(route: Route) -> RouteHandler:
    scope = route.scope

    async def handle(request: web.Request) -> web.StreamResponse:
        if scope is not None:
            await authenticate(request, scope)
        return await route.handler(request)

    handle.__name__ = route.handler.__name__
    return handle


async def json_body(request: web.Request, model: type[Any]) -> Any:
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "send application/json", field="body")
    try:
        raw = await request.json()
    except ValueError:
        raise ApiError(400, "invalid", "the body is not JSON", field="body") from None
    return model.model_validate(raw)


def query(request: web.Request, model: type[Any]) -> Any:
    return model.model_validate(dict(request.query))


async def client_id(request: web.Request) -> int:
    """The internal id of the client named in the path; 404 when there is none."""
    public_id = request.match_info["client_id"]
    found = await context(request).cabinet.identity.client_id_for(public_id)
    if found is None:
        raise ApiError(404, "not_found", "no such object")
    return found


def respond(model: BaseModel, *, status: int = 200) -> web.Response:
    return web.json_response(model.model_dump(mode="json"), status=status)


def respond_many(models: list[Any]) -> web.Response:
    return web.json_response([model.model_dump(mode="json") for model in models])

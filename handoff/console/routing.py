"""Console routes, declared once: the app and its OpenAPI document are both built from these.

Every route but login needs a session cookie (401); every unsafe method needs the session's CSRF
token in ``X-CSRF-Token`` (403); a route with ``roles`` refuses other roles (403).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from pydantic import BaseModel

from handoff.console.context import COOKIE, Caller, context
from handoff.console.errors import ConsoleError

Handler = Callable[[web.Request, Caller], Awaitable[web.StreamResponse]]
PublicHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    handler: Handler | PublicHandler
    summary: str
    public: bool = False
    roles: frozenset[str] | None = None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    status: int = 200
    multipart: bool = False
    websocket: bool = False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def caller_of(request: web.Request) -> Caller:
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 128:
        raise ConsoleError(401, "unauthorized", "log in first")
    hashed = token_hash(token)
    found = await context(request).cabinet.console_sessions.find_session(hashed)
    if found is None:
        raise ConsoleError(401, "unauthorized", "the session has expired; log in again")
    return Caller(person=found.person, token_hash=hashed, csrf=found.csrf)


def guarded(route: Route) -> PublicHandler:
    async def handle(request: web.Request) -> web.StreamResponse:
        if route.public:
            return await route.handler(request)  # type: ignore[call-arg]  # public handlers take the request only
        caller = await caller_of(request)
        if request.method in UNSAFE and request.headers.get(CSRF_HEADER) != caller.csrf:
            raise ConsoleError(403, "csrf", f"the {CSRF_HEADER} header is missing or wrong")
        if route.roles is not None and caller.person.role not in route.roles:
            raise ConsoleError(403, "forbidden", "outside your role")
        await context(request).desk.touch(caller.person)
        return await route.handler(request, caller)  # type: ignore[call-arg]  # guarded handlers take the caller

    handle.__name__ = route.handler.__name__
    return handle

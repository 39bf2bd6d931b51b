"""Every console error is ``{"error": {"code", "message", "field"?}}`` with its status, never a trace."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from pydantic import ValidationError

from cabinet_api.services import (
    ConversationConflict,
    InvalidTransition,
    LinkExpired,
    LoginTaken,
    NotFound,
    UnknownClient,
)
from handoff.errors import Forbidden

log = logging.getLogger(__name__)


class ConsoleError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.retry_after = retry_after


def _response(error: ConsoleError) -> web.Response:
    body: dict[str, str] = {"code": error.code, "message": error.message}
    if error.field is not None:
        body["field"] = error.field
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after is not None else None
    return web.json_response({"error": body}, status=error.status, headers=headers)


def _translate(error: Exception) -> ConsoleError | None:
    match error:
        case ConsoleError():
            return error
        case ValidationError():
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or "body"
            return ConsoleError(400, "invalid", str(first["msg"]), field=field)
        case Forbidden():
            return ConsoleError(403, "forbidden", str(error))
        case NotFound() | UnknownClient():
            return ConsoleError(404, "not_found", "no such object")
        case LinkExpired():
            return ConsoleError(410, "gone", "the link has expired; reload the conversation for a new one")
        case ConversationConflict():
            return ConsoleError(409, error.code, str(error))
        case LoginTaken():
            return ConsoleError(409, "login_taken", str(error), field="login")
        case InvalidTransition():
            return ConsoleError(409, "conflict", str(error))
        case ValueError():
            return ConsoleError(400, "invalid", str(error))
    return None


@web.middleware
async def error_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as http:
        if http.status < 400:
            raise
        return _response(ConsoleError(http.status, http.reason.lower().replace(" ", "_"), http.reason))
    except Exception as error:
        translated = _translate(error)
        if translated is not None:
            return _response(translated)
        log.exception("unhandled console error in %s %s", request.method, request.match_info.route.resource)
        return _response(ConsoleError(500, "internal", "internal error"))

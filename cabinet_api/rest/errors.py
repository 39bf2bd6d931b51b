"""Every error leaves the API as ``{"error": {"code", "message", "field"?}}``, never as a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from pydantic import ValidationError

from cabinet_api.payouts import InvalidPayout
from cabinet_api.services import (
    InvalidTransition,
    LinkExpired,
    NotFound,
    RecordingRejected,
    RefundAmountExceeded,
    RequestClosed,
    UnknownClient,
)

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
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


def error_response(error: ApiError) -> web.Response:
    body: dict[str, str] = {"code": error.code, "message": error.message}
    if error.field is not None:
        body["field"] = error.field
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after is not None else None
    return web.json_response({"error": body}, status=error.status, headers=headers)


def _field_of(error: ValidationError) -> str:
    first = error.errors()[0]
    return ".".join(str(part) for part in first["loc"]) or "body"


def _message_of(error: ValidationError) -> str:
    return str(error.errors()[0]["msg"])


def translate(error: Exception) -> ApiError | None:
    """The API error a service error means; None for errors that are bugs."""
    match error:
        case ApiError():
            return error
        case ValidationError():
            return ApiError(400, "invalid", _message_of(error), field=_field_of(error))
        case NotFound() | UnknownClient():
            return ApiError(404, "not_found", "no such object")
        case LinkExpired():
            return ApiError(410, "gone", "the link has expired; ask for a new one")
        case InvalidTransition() | RequestClosed():
            return ApiError(409, "conflict", str(error))
        case RefundAmountExceeded():
            return ApiError(400, "invalid", str(error), field="amount")
        case InvalidPayout():
            return ApiError(400, "invalid", error.message, field=error.field)
        case RecordingRejected():
            return ApiError(400, "invalid", str(error), field=error.field)
        case ValueError():
            return ApiError(400, "invalid", str(error))
    return None


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as http:
        if http.status < 400:
            raise
        code = http.reason.lower().replace(" ", "_")
        return error_response(ApiError(http.status, code, http.reason))
    except Exception as error:
        translated = translate(error)
        if translated is not None:
            return error_response(translated)
        logger.exception("unhandled error in %s %s", request.method, request.match_info.route.resource)
        return error_response(ApiError(500, "internal", "internal error"))

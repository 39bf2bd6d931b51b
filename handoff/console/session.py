"""Logging in and out, who I am, and my presence."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta
from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel

from cabinet_api import utc_now
from handoff.console.context import COOKIE, Caller, context
from handoff.console.errors import ConsoleError
from handoff.console.routing import token_hash
from handoff.console.schemas import LoginBody, StatusBody
from handoff.console.views import person_json
from handoff.passwords import verify_password

FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_LOGIN = 5
MAX_FAILURES_PER_ADDRESS = 20
BodyT = TypeVar("BodyT", bound=BaseModel)


async def json_body(request: web.Request, model: type[BodyT]) -> BodyT:
    if request.content_type != "application/json":
        raise ConsoleError(415, "unsupported_media_type", "send application/json", field="body")
    try:
        raw = await request.json()
    except ValueError:
        raise ConsoleError(400, "invalid", "the body is not JSON", field="body") from None
    return model.model_validate(raw)


async def login(request: web.Request) -> web.Response:
    console = context(request)
    body = await json_body(request, LoginBody)
    address = request.remote or "unknown"
    sessions = console.cabinet.console_sessions
    by_login, by_address = await sessions.failures_since(
        utc_now() - FAILURE_WINDOW, login=body.login, address=address
    )
    if by_login >= MAX_FAILURES_PER_LOGIN or by_address >= MAX_FAILURES_PER_ADDRESS:
        raise ConsoleError(
            429,
            "too_many_attempts",
            "too many failed attempts; try later",
            retry_after=int(FAILURE_WINDOW.seconds),
        )
    credentials = await console.cabinet.people.credentials(body.login)
    hashed = credentials.password_hash if credentials is not None else None
    if credentials is None or not await asyncio.to_thread(verify_password, hashed, body.password):
        await sessions.record_failure(body.login, address)
        raise ConsoleError(401, "unauthorized", "wrong login or password")
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    await sessions.open_session(
        credentials.person.id,
        token_hash=token_hash(token),
        csrf=csrf,
        expires_at=utc_now() + console.session_lifetime,
    )
    person = credentials.person
    if person.status == "offline":
        person = await console.desk.set_status(person, "away")
    response = web.json_response({"csrf": csrf, "person": person_json(person)})
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(console.session_lifetime.total_seconds()),
        path="/console/",
        httponly=True,
        samesite="Lax",
        secure=console.secure_cookie,
    )
    return response


async def logout(request: web.Request, caller: Caller) -> web.Response:
    console = context(request)
    await console.cabinet.console_sessions.close_session(caller.token_hash)
    await console.desk.set_status(caller.person, "offline")
    response = web.Response(status=204)
    response.del_cookie(COOKIE, path="/console/")
    return response


async def me(request: web.Request, caller: Caller) -> web.Response:
    return web.json_response({"person": person_json(caller.person), "csrf": caller.csrf})


async def set_my_status(request: web.Request, caller: Caller) -> web.Response:
    body = await json_body(request, StatusBody)
    person = await context(request).desk.set_status(caller.person, body.status)
    return web.json_response({"person": person_json(person)})

"""``/console/api/broadcasts``: made, previewed, scheduled, paused, resumed and cancelled by supervisors."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from cabinet_api.services import (
    AudienceCount,
    BroadcastButton,
    BroadcastView,
    EmptyAudience,
    InvalidTransition,
    NewBroadcast,
)
from handoff.console.broadcast_schemas import AudienceBody, BroadcastBody, ScheduleBody
from handoff.console.broadcast_templates import check_template
from handoff.console.context import Caller, context
from handoff.console.errors import ConsoleError
from handoff.console.session import json_body
from handoff.console.views import iso


def count_json(count: AudienceCount) -> dict[str, Any]:
    return {
        "total": count.total,
        "by_channel": count.by_channel,
        "excluded": {"opted_out": count.excluded_opted_out, "low_score": count.excluded_low_score},
    }


def broadcast_json(view: BroadcastView) -> dict[str, Any]:
    progress = view.progress
    return {
        "id": view.public_id,
        "title": view.title,
        "text": view.text,
        "buttons": [{"title": b.title, "action": b.action} for b in view.buttons],
        "template_key": view.template_key,
        "template_params": list(view.template_params),
        "audience": view.audience.as_json(),
        "status": view.status,
        "send_at": iso(view.send_at),
        "created_at": iso(view.created_at),
        "started_at": iso(view.started_at),
        "finished_at": iso(view.finished_at),
        "progress": {
            "total": progress.total,
            "pending": progress.pending,
            "in_flight": progress.in_flight,
            "sent": progress.sent,
            "delivered": progress.delivered,
            "read": progress.read,
            "failed": progress.failed,
            "skipped": progress.skipped,
            "answered": progress.answered,
        },
    }


def _empty(error: EmptyAudience) -> ConsoleError:
    return ConsoleError(
        422,
        "empty_audience",
        "Nobody would get this broadcast: no client matches the audience and may be messaged "
        f"({error.count.excluded_opted_out} opted out, "
        f"{error.count.excluded_low_score} gave a low score lately).",
        field="audience",
    )


async def list_broadcasts(request: web.Request, caller: Caller) -> web.Response:
    views = await context(request).cabinet.broadcasts.broadcasts()
    return web.json_response({"items": [broadcast_json(view) for view in views]})


async def preview(request: web.Request, caller: Caller) -> web.Response:
    body = await json_body(request, AudienceBody)
    count = await context(request).cabinet.broadcasts.preview(body.audience())
    return web.json_response(count_json(count))


async def create(request: web.Request, caller: Caller) -> web.Response:
    body = await json_body(request, BroadcastBody)
    console = context(request)
    service = console.cabinet.broadcasts
    audience = body.audience.audience()
    if body.template_key is not None:
        check_template(console.templates, audience.bots, body.template_key, body.template_params)
    count = await service.preview(audience)
    if count.total == 0:
        raise _empty(EmptyAudience(count))
    view = await service.create(
        NewBroadcast(
            title=body.title,
            text=body.text,
            audience=audience,
            buttons=tuple(BroadcastButton(title=b.title, action=b.action) for b in body.buttons),
            template_key=body.template_key,
            template_params=tuple(body.template_params),
            send_at=body.send_at,
        ),
        person_id=caller.person.id,
    )
    return web.json_response({"broadcast": broadcast_json(view), "audience": count_json(count)}, status=201)


async def get_broadcast(request: web.Request, caller: Caller) -> web.Response:
    view = await context(request).cabinet.broadcasts.broadcast(request.match_info["broadcast_id"])
    return web.json_response({"broadcast": broadcast_json(view)})


async def schedule(request: web.Request, caller: Caller) -> web.Response:
    body = await json_body(request, ScheduleBody) if request.can_read_body else ScheduleBody()
    service = context(request).cabinet.broadcasts
    try:
        view = await service.schedule(request.match_info["broadcast_id"], body.send_at)
    except EmptyAudience as error:
        raise _empty(error) from None
    except InvalidTransition as error:
        raise _conflict(error) from None
    return web.json_response({"broadcast": broadcast_json(view)})


def _conflict(error: InvalidTransition) -> ConsoleError:
    return ConsoleError(
        409, "not_" + error.current, f"a {error.current} broadcast cannot become {error.wanted}"
    )


async def _steer(request: web.Request, action: str) -> web.Response:
    service = context(request).cabinet.broadcasts
    step = {"pause": service.pause, "resume": service.resume, "cancel": service.cancel}[action]
    try:
        view = await step(request.match_info["broadcast_id"])
    except InvalidTransition as error:
        raise _conflict(error) from None
    return web.json_response({"broadcast": broadcast_json(view)})


async def pause(request: web.Request, caller: Caller) -> web.Response:
    return await _steer(request, "pause")


async def resume(request: web.Request, caller: Caller) -> web.Response:
    return await _steer(request, "resume")


async def cancel(request: web.Request, caller: Caller) -> web.Response:
    return await _steer(request, "cancel")

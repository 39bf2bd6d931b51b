"""Follow-up tasks after low scores, and calls for unrated consultations: the supervisor's call backs."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from cabinet_api.services import RatingRequestView, TaskView
from handoff.console.context import Caller, context
from handoff.console.errors import ConsoleError
from handoff.console.schemas import CallBody, TaskCloseBody
from handoff.console.session import json_body
from handoff.console.views import iso


def task_json(task: TaskView) -> dict[str, Any]:
    return {
        "id": task.public_id,
        "client_id": task.client_public_id,
        "subject": task.subject,
        "subject_id": task.subject_id,
        "scale": task.scale,
        "score": task.score,
        "comment": task.comment,
        "channel": task.channel,
        "status": task.status,
        "due_at": iso(task.due_at),
        "created_at": iso(task.created_at),
        "handled_by": task.handled_by,
        "called_at": iso(task.called_at),
        "outcome": task.outcome,
        "note": task.note,
        "closed_at": iso(task.closed_at),
    }


def call_json(call: RatingRequestView) -> dict[str, Any]:
    return {
        "id": call.id,
        "subject": call.subject,
        "subject_id": call.subject_id,
        "channel": call.channel,
        "queue": call.queue,
        "person": call.person,
        "asked_at": iso(call.asked_at),
        "reminded_at": iso(call.reminded_at),
    }


async def tasks(request: web.Request, caller: Caller) -> web.Response:
    cabinet = context(request).cabinet
    open_tasks = await cabinet.ratings.list_tasks(status="open")
    calls = await cabinet.rating_requests.calls()
    return web.json_response(
        {"items": [task_json(task) for task in open_tasks], "calls": [call_json(call) for call in calls]}
    )


async def take(request: web.Request, caller: Caller) -> web.Response:
    task = await context(request).cabinet.ratings.take_task(
        request.match_info["task_id"], caller.person.login
    )
    return web.json_response({"task": task_json(task)})


async def called(request: web.Request, caller: Caller) -> web.Response:
    body = await json_body(request, CallBody)
    task = await context(request).cabinet.ratings.record_call(
        request.match_info["task_id"], login=caller.person.login, outcome=body.outcome, note=body.note
    )
    return web.json_response({"task": task_json(task)})


async def close(request: web.Request, caller: Caller) -> web.Response:
    body = await json_body(request, TaskCloseBody)
    console = context(request)
    task = await console.cabinet.ratings.close_task(request.match_info["task_id"], note=body.note)
    await console.desk.announce({"type": "task", "id": task.public_id, "status": task.status})
    return web.json_response({"task": task_json(task)})


async def call_done(request: web.Request, caller: Caller) -> web.Response:
    raw = request.match_info["call_id"]
    if not raw.isdigit() or len(raw) > 18:
        raise ConsoleError(404, "not_found", "no such object")
    if not await context(request).cabinet.rating_requests.record_call(int(raw)):
        raise ConsoleError(409, "conflict", "the call is made already or there is no such call")
    return web.Response(status=204)

"""Queues, people and canned replies; the supervisor view, the figures, and signed files."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta

from aiohttp import web

from cabinet_api.services import ConversationView, PersonView
from handoff.access import sees_all
from handoff.console.context import Caller, context
from handoff.console.errors import ConsoleError
from handoff.console.figures_csv import figures_csv
from handoff.console.schemas import CannedBody, FiguresQuery, NewPersonBody, PersonChangeBody
from handoff.console.session import json_body
from handoff.console.views import person_json
from handoff.figure_data import period_of, triggers
from handoff.figures import Where, figures, report, slice_of
from handoff.passwords import hash_password
from handoff.queues import base_of, serves

FIGURES_DEFAULT_DAYS = 7
FIGURES_MAX_DAYS = 366


def _longest(now: datetime, waiting: list[ConversationView]) -> float:
    return max(((now - conversation.queued_at).total_seconds() for conversation in waiting), default=0.0)


async def queues(request: web.Request, caller: Caller) -> web.Response:
    console = context(request)
    policy = console.desk.policy
    waiting = await console.cabinet.conversations.find(states=("queued",))
    people = await console.cabinet.people.people()
    now = console.desk.clock()
    items = []
    for queue in policy.queues.items:
        if not sees_all(caller.person) and not serves(caller.person.queues, queue.name):
            continue
        in_queue = [c for c in waiting if serves((queue.name,), c.queue)]
        items.append(
            {
                "name": queue.name,
                "title": queue.title(caller.person.locale),
                "titles": dict(queue.titles),
                "waiting": len(in_queue),
                "longest_wait_s": round(_longest(now, in_queue), 1),
                "people_online": sum(
                    1 for p in people if p.status == "online" and serves(p.queues, queue.name)
                ),
            }
        )
    return web.json_response({"items": items})


async def _people_with_load(request: web.Request) -> list[tuple[PersonView, float, int]]:
    console = context(request)
    loads = await console.cabinet.conversations.loads()
    assigned = await console.cabinet.conversations.find(states=("assigned",))
    counts: dict[int, int] = {}
    for conversation in assigned:
        if conversation.assignee is not None:
            counts[conversation.assignee.id] = counts.get(conversation.assignee.id, 0) + 1
    return [
        (person, loads.get(person.id, 0.0), counts.get(person.id, 0))
        for person in await console.cabinet.people.people()
    ]


async def people(request: web.Request, caller: Caller) -> web.Response:
    items = [
        person_json(person) | {"load": load, "assigned": count}
        for person, load, count in await _people_with_load(request)
    ]
    return web.json_response({"items": items})


async def add_person(request: web.Request, caller: Caller) -> web.Response:
    body = await json_body(request, NewPersonBody)
    hashed = await asyncio.to_thread(hash_password, body.password)
    person = await context(request).cabinet.people.add_person(
        body.login,
        name=body.name,
        role=body.role,
        password_hash=hashed,
        queues=body.queues,
        max_chats=body.max_chats,
        locale=body.locale,
    )
    return web.json_response({"person": person_json(person)}, status=201)


async def change_person(request: web.Request, caller: Caller) -> web.Response:
    console = context(request)
    body = await json_body(request, PersonChangeBody)
    hashed = await asyncio.to_thread(hash_password, body.password) if body.password is not None else None
    person = await console.cabinet.people.update_person(
        request.match_info["login"],
        name=body.name,
        role=body.role,
        queues=body.queues,
        max_chats=body.max_chats,
        active=body.active,
        password_hash=hashed,
        locale=body.locale,
    )
    if body.active is False or hashed is not None:
        await console.cabinet.console_sessions.close_sessions_of(person.id)
    if body.active is False:
        person = await console.desk.set_status(person, "offline")
    return web.json_response({"person": person_json(person)})


async def canned(request: web.Request, caller: Caller) -> web.Response:
    items = await context(request).cabinet.canned.canned_replies()
    return web.json_response(
        {"items": [{"id": item.id, "title": item.title, "text": item.text} for item in items]}
    )


async def add_canned(request: web.Request, caller: Caller) -> web.Response:
    body = await json_body(request, CannedBody)
    item = await context(request).cabinet.canned.add_canned(title=body.title, text=body.text)
    return web.json_response({"canned": {"id": item.id, "title": item.title, "text": item.text}}, status=201)


async def remove_canned(request: web.Request, caller: Caller) -> web.Response:
    raw = request.match_info["canned_id"]
    if not raw.isdigit() or len(raw) > 18:
        raise ConsoleError(404, "not_found", "no such object")
    await context(request).cabinet.canned.remove_canned(int(raw))
    return web.Response(status=204)


async def figures_report(request: web.Request, caller: Caller) -> web.Response:
    console = context(request)
    query = FiguresQuery.model_validate(dict(request.query))
    until = query.to or console.desk.clock()
    since = query.from_ or until - timedelta(days=FIGURES_DEFAULT_DAYS)
    if since.tzinfo is None or until.tzinfo is None:
        raise ConsoleError(
            400, "invalid", "give times with their offset, e.g. 2026-03-01T00:00:00+03:00", field="from"
        )
    if since >= until or until - since > timedelta(days=FIGURES_MAX_DAYS):
        raise ConsoleError(
            400, "invalid", f"from must be before to, at most {FIGURES_MAX_DAYS} days", field="from"
        )
    period = await period_of(console.cabinet, since, until, console.desk.clock())
    figures_json = report(
        period, target_seconds=console.service_level_seconds, zone=console.desk.policy.hours.timezone
    )
    if query.format == "csv" or request.path.endswith(".csv"):
        return figures_csv(figures_json)
    return web.json_response(figures_json | {"triggers": await triggers(console.cabinet)})


def _queue_of(where: Where) -> str | None:
    return base_of(where.queue) if where.queue is not None else None


def _person_of(where: Where) -> str | None:
    return where.person


async def supervisor(request: web.Request, caller: Caller) -> web.Response:
    console = context(request)
    policy = console.desk.policy
    now = console.desk.clock()
    zone = policy.hours.timezone
    midnight = datetime.combine(now.astimezone(zone).date(), time(), zone)
    today = await period_of(console.cabinet, midnight, now + timedelta(seconds=1), now)
    waiting = await console.cabinet.conversations.find(states=("queued",))
    staff = await _people_with_load(request)
    target = console.service_level_seconds
    queue_items = []
    for queue in policy.queues.items:
        in_queue = [c for c in waiting if serves((queue.name,), c.queue)]
        todays = figures(slice_of(today, _queue_of, queue.name), target_seconds=target)
        queue_items.append(
            {
                "name": queue.name,
                "title": queue.title(caller.person.locale),
                "titles": dict(queue.titles),
                "waiting": len(in_queue),
                "longest_wait_s": round(_longest(now, in_queue), 1),
                "people_online": sum(
                    1 for p, _, _ in staff if p.status == "online" and serves(p.queues, queue.name)
                ),
                "asa_s": todays["asa_s"],
                "service_level": todays["service_level"],
                "csat": todays["csat"],
                "answered": todays["counts"]["answered"],
            }
        )
    people_items = []
    for person, load, count in staff:
        mine = figures(slice_of(today, _person_of, person.login), target_seconds=target)
        people_items.append(
            {
                "login": person.login,
                "name": person.name,
                "role": person.role,
                "queues": list(person.queues),
                "status": person.status,
                "load": load,
                "max_chats": person.max_chats,
                "assigned": count,
                "handled_today": mine["counts"]["closed"],
                "aht_s": mine["aht_s"],
            }
        )
    return web.json_response(
        {
            "queues": queue_items,
            "people": people_items,
            "overall": figures(slice_of(today), target_seconds=target),
        }
    )


async def signed_file(request: web.Request, caller: Caller) -> web.Response:
    console = context(request)
    content = await console.cabinet.files.read_linked(
        request.match_info["signed"], secret=console.secret, max_lifetime=console.link_lifetime
    )
    return web.Response(
        body=content.data, content_type=content.mime, headers={"Cache-Control": "private, max-age=600"}
    )

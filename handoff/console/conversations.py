"""Conversation endpoints: lists, the context packet, catching up, take, reply, note, transfer, close."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from aiohttp import BodyPartReader, web

from cabinet_api.services import ConversationView, PersonView, StoredFile
from handoff.access import may_see, sees_all
from handoff.console.context import Caller, ConsoleContext, context
from handoff.console.errors import ConsoleError
from handoff.console.packet import history_after, packet
from handoff.console.schemas import AfterQuery, CloseBody, ListQuery, TextBody, TransferBody
from handoff.console.session import json_body
from handoff.console.views import event_json, item_json, parse_cursor, positions

CLOSED_DAYS = 7
FILE_LIMIT = 20 * 1024 * 1024
FILE_TYPES = frozenset(
    {"application/pdf", "image/jpeg", "image/png", "audio/ogg", "audio/mpeg", "audio/wav", "audio/x-wav"}
)
_VARIABLE = re.compile(r"{(client_name|request_number|operator_name)}")


def _id(request: web.Request, name: str = "conversation_id") -> int:
    raw = request.match_info[name]
    if not raw.isdigit() or len(raw) > 18:
        raise ConsoleError(404, "not_found", "no such object")
    return int(raw)


async def _items(console: ConsoleContext, conversations: list[ConversationView]) -> list[dict[str, Any]]:
    waiting = await console.cabinet.conversations.find(states=("queued",))
    places = positions(waiting)
    previews = await console.cabinet.conversations.list_previews(c.client_id for c in conversations)
    return [
        item_json(
            conversation, position=places.get(conversation.id), preview=previews.get(conversation.client_id)
        )
        for conversation in conversations
    ]


async def _view(console: ConsoleContext, person: PersonView, view: str) -> list[ConversationView]:
    service = console.cabinet.conversations
    served = None if sees_all(person) else person.queues
    if view == "queue":
        return await service.find(states=("queued",), queues=served)
    if view == "mine":
        return await service.find(states=("assigned",), assignee_id=person.id)
    if view == "closed":
        since = console.desk.clock() - timedelta(days=CLOSED_DAYS)
        mine = None if sees_all(person) else person.id
        return await service.find(states=("closed",), assignee_id=mine, closed_since=since)
    found = await service.find(states=("queued", "assigned"), queues=served)
    if not sees_all(person):
        found += [
            c for c in await service.find(states=("assigned",), assignee_id=person.id) if c not in found
        ]
    return [conversation for conversation in found if may_see(person, conversation)]


async def list_conversations(request: web.Request, caller: Caller) -> web.Response:
    console = context(request)
    query = ListQuery.model_validate(dict(request.query))
    found = await _view(console, caller.person, query.view)
    return web.json_response({"items": await _items(console, found)})


async def get_conversation(request: web.Request, caller: Caller) -> web.Response:
    console = context(request)
    conversation = await console.desk.visible(caller.person, _id(request))
    place = await console.desk.position(conversation)
    return web.json_response(await packet(console, conversation, place.place if place else None))


async def messages_after(request: web.Request, caller: Caller) -> web.Response:
    console = context(request)
    conversation = await console.desk.visible(caller.person, _id(request))
    after = parse_cursor(AfterQuery.model_validate(dict(request.query)).after)
    entries, cursor = await history_after(console, conversation, after)
    return web.json_response({"items": entries, "cursor": cursor})


async def _item(console: ConsoleContext, conversation: ConversationView) -> dict[str, Any]:
    return (await _items(console, [conversation]))[0]


async def take(request: web.Request, caller: Caller) -> web.Response:
    console = context(request)
    taken = await console.desk.take(caller.person, _id(request))
    return web.json_response({"conversation": await _item(console, taken)})


async def _reply_form(request: web.Request, console: ConsoleContext) -> tuple[str, StoredFile | None]:
    reader = await request.multipart()
    text, stored = "", None
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name not in ("text", "file"):
            raise ConsoleError(400, "invalid", "send a text field and a file part", field="body")
        if part.name == "text":
            text = (await part.read(decode=True)).decode("utf-8", errors="strict")
            continue
        mime = (part.headers.get("Content-Type") or "").split(";")[0].strip()
        if mime not in FILE_TYPES:
            raise ConsoleError(
                415, "unsupported_media_type", f"{mime or 'this file'} is not accepted", field="file"
            )
        data = bytearray()
        while chunk := await part.read_chunk(256 * 1024):
            data.extend(chunk)
            if len(data) > FILE_LIMIT:
                raise ConsoleError(
                    413, "too_large", f"the file is larger than {FILE_LIMIT} bytes", field="file"
                )
        name = (part.filename or "file")[:120]
        stored = await console.cabinet.files.store(bytes(data), mime=mime, name=name)
    return text, stored


async def send_message(request: web.Request, caller: Caller) -> web.Response:
    console = context(request)
    conversation_id = _id(request)
    if request.content_type == "multipart/form-data":
        await console.desk.visible(caller.person, conversation_id)
        text, stored = await _reply_form(request, console)
    else:
        text, stored = (await json_body(request, TextBody)).text, None
    message_id = await console.desk.reply(caller.person, conversation_id, text, file=stored)
    entry_id = f"m{message_id}" if message_id is not None else None
    return web.json_response({"message": {"id": entry_id, "status": "queued"}}, status=201)


async def add_note(request: web.Request, caller: Caller) -> web.Response:
    body = await json_body(request, TextBody)
    event = await context(request).desk.note(caller.person, _id(request), body.text)
    return web.json_response({"note": event_json(event)}, status=201)


async def transfer(request: web.Request, caller: Caller) -> web.Response:
    console = context(request)
    body = await json_body(request, TransferBody)
    moved = await console.desk.transfer(
        caller.person, _id(request), queue=body.queue, to=body.person, note=body.note
    )
    return web.json_response({"conversation": await _item(console, moved)})


async def mark_read(request: web.Request, caller: Caller) -> web.Response:
    console = context(request)
    read = await console.desk.mark_read(caller.person, _id(request))
    return web.json_response({"conversation": await _item(console, read)})


async def close(request: web.Request, caller: Caller) -> web.Response:
    console = context(request)
    body = await json_body(request, CloseBody)
    closed = await console.desk.close(caller.person, _id(request), body.reason)
    return web.json_response({"conversation": await _item(console, closed)})


async def canned_preview(request: web.Request, caller: Caller) -> web.Response:
    console = context(request)
    conversation = await console.desk.visible(caller.person, _id(request))
    canned = await console.cabinet.canned.canned(_id(request, "canned_id"))
    page = await console.cabinet.requests.list_requests(conversation.client_id, page=0, per_page=20)
    open_requests = [item for item in page.items if item.status in ("new", "in_work")]
    candidates = open_requests or list(page.items)
    latest = candidates[0] if candidates else None
    values = {
        "client_name": (conversation.client_name or "").split(" ")[0] or "",
        "request_number": str(latest.number) if latest is not None else "",
        "operator_name": caller.person.name,
    }
    text = _VARIABLE.sub(lambda match: values[match.group(1)] or match.group(0), canned.text)
    return web.json_response({"text": text})

"""``/console/api/live``: the pub/sub prompts a person may see, relayed over a WebSocket.

Prompts only say "look"; the tab fetches what changed, so a tab that reconnects catches up through
``messages?after=<cursor>`` and never loses or repeats an entry. The open socket keeps the person present.
Every open socket is known to the API app, which closes them all when the server shuts down (an open tab
would otherwise hold the shutdown for as long as the server waits for its connections).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import weakref
from typing import Any
from urllib.parse import urlsplit

from aiohttp import WSCloseCode, WSMsgType, web

from cabinet_api.services import PersonView
from handoff.access import sees_all
from handoff.console.context import Caller, ConsoleContext, context
from handoff.console.errors import ConsoleError
from handoff.desk import TOPIC
from handoff.queues import serves

PRESENCE_EVERY = 20.0
LIVE_SOCKETS: web.AppKey[weakref.WeakSet[web.WebSocketResponse]] = web.AppKey("console_live_sockets")


def track_live_sockets(api: web.Application) -> None:
    """Remember the API's open sockets, and close them (1001, going away) when the server shuts down."""
    api[LIVE_SOCKETS] = weakref.WeakSet()
    api.on_shutdown.append(_close_live_sockets)


async def _close_live_sockets(api: web.Application) -> None:
    registry = api[LIVE_SOCKETS]
    sockets = list(registry)
    await asyncio.gather(
        *(socket.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown") for socket in sockets),
        return_exceptions=True,
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def origin_allowed(request: web.Request, console: ConsoleContext) -> bool:
    origin = request.headers.get("Origin")
    if not origin:
        return False
    allowed = {f"{request.scheme}://{request.host}".lower()}
    if console.public_origin:
        allowed.add(_origin(console.public_origin))
    return _origin(origin) in allowed


def visible(person: PersonView, prompt: dict[str, Any]) -> bool:
    kind = prompt.get("type")
    if sees_all(person):
        return True
    if kind in ("conversation", "message"):
        return prompt.get("assignee") == person.login or serves(person.queues, str(prompt.get("queue")))
    if kind == "person":
        return prompt.get("login") == person.login
    return False


async def live(request: web.Request, caller: Caller) -> web.WebSocketResponse:
    console = context(request)
    if not origin_allowed(request, console):
        raise ConsoleError(403, "origin", "this origin may not open the console's live connection")
    socket = web.WebSocketResponse(heartbeat=30.0, max_msg_size=4096)
    await socket.prepare(request)
    request.config_dict[LIVE_SOCKETS].add(socket)
    await socket.send_json({"type": "hello", "person": caller.person.login})
    async with console.desk.prompts.subscribe(TOPIC) as subscription:
        relay = asyncio.create_task(_relay(socket, caller.person, subscription))
        presence = asyncio.create_task(_keep_present(console, caller.person))
        try:
            await _listen(socket, console, caller.person)
        finally:
            for task in (relay, presence):
                task.cancel()
            for task in (relay, presence):
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    return socket


async def _relay(socket: web.WebSocketResponse, person: PersonView, subscription: Any) -> None:
    async for _topic, raw in subscription:
        try:
            prompt = json.loads(raw)
        except ValueError:
            continue
        if isinstance(prompt, dict) and visible(person, prompt) and not socket.closed:
            await socket.send_str(raw.decode())


async def _keep_present(console: ConsoleContext, person: PersonView) -> None:
    while True:
        await console.desk.touch(person)
        await asyncio.sleep(PRESENCE_EVERY)


async def _listen(socket: web.WebSocketResponse, console: ConsoleContext, person: PersonView) -> None:
    async for message in socket:
        if message.type != WSMsgType.TEXT:
            continue
        try:
            said = json.loads(message.data)
        except ValueError:
            continue
        if isinstance(said, dict) and said.get("type") == "ping":
            await console.desk.touch(person)
            await socket.send_json({"type": "pong"})

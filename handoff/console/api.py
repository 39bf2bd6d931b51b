"""``/console/api/``: the console's JSON API (docs/console-api.md), built from one route table."""

from __future__ import annotations

from aiohttp import web

from handoff.console import broadcasts as broadcasting
from handoff.console import conversations as talk
from handoff.console import dead_letters, directory, session, tasks
from handoff.console.broadcast_schemas import AudienceBody, BroadcastBody, ScheduleBody
from handoff.console.context import SOURCE, ContextSource
from handoff.console.errors import error_middleware
from handoff.console.live import live, track_live_sockets
from handoff.console.openapi import openapi_document
from handoff.console.routing import Route, guarded
from handoff.console.schemas import (
    AfterQuery,
    CallBody,
    CannedBody,
    CloseBody,
    DeadLetterQuery,
    FiguresQuery,
    ListQuery,
    LoginBody,
    NewPersonBody,
    PersonChangeBody,
    StatusBody,
    TaskCloseBody,
    TextBody,
    TransferBody,
)

OPENAPI_PATH = "/openapi.json"
SUPERVISING = frozenset({"supervisor", "admin"})
ADMIN = frozenset({"admin"})
CONVERSATION = "/conversations/{conversation_id}"
BROADCAST = "/broadcasts/{broadcast_id}"

ROUTES = (
    Route(
        "POST",
        "/login",
        session.login,
        "Log in: the session cookie and the CSRF token",
        public=True,
        body=LoginBody,
    ),
    Route("POST", "/logout", session.logout, "Log out (you become offline)", status=204),
    Route("GET", "/me", session.me, "Who I am, and the CSRF token"),
    Route("PUT", "/me/status", session.set_my_status, "Online, away or offline", body=StatusBody),
    Route(
        "GET",
        "/conversations",
        talk.list_conversations,
        "Conversations: queue, mine, all, closed",
        query=ListQuery,
    ),
    Route("GET", CONVERSATION, talk.get_conversation, "The context packet of a conversation"),
    Route(
        "GET",
        CONVERSATION + "/messages",
        talk.messages_after,
        "History entries after a cursor",
        query=AfterQuery,
    ),
    Route("POST", CONVERSATION + "/take", talk.take, "Take a waiting conversation (409 if someone has)"),
    Route(
        "POST",
        CONVERSATION + "/messages",
        talk.send_message,
        "Reply to the client (JSON text, or multipart with a file)",
        body=TextBody,
        status=201,
        multipart=True,
    ),
    Route("POST", CONVERSATION + "/notes", talk.add_note, "A private note", body=TextBody, status=201),
    Route(
        "POST",
        CONVERSATION + "/transfer",
        talk.transfer,
        "Transfer to a queue or a person",
        body=TransferBody,
    ),
    Route("POST", CONVERSATION + "/read", talk.mark_read, "Mark the client's messages read"),
    Route(
        "POST", CONVERSATION + "/close", talk.close, "Close; the client is asked to rate it", body=CloseBody
    ),
    Route(
        "POST",
        CONVERSATION + "/canned/{canned_id}/preview",
        talk.canned_preview,
        "A canned reply with its variables filled for this conversation",
    ),
    Route("GET", "/queues", directory.queues, "Queues: titles in every language, waiting counts"),
    Route("GET", "/people", directory.people, "People with their load", roles=SUPERVISING),
    Route(
        "POST", "/people", directory.add_person, "Add a person", roles=ADMIN, body=NewPersonBody, status=201
    ),
    Route(
        "PATCH",
        "/people/{login}",
        directory.change_person,
        "Change a person",
        roles=ADMIN,
        body=PersonChangeBody,
    ),
    Route("GET", "/canned", directory.canned, "Canned replies"),
    Route(
        "POST",
        "/canned",
        directory.add_canned,
        "Add a canned reply",
        roles=SUPERVISING,
        body=CannedBody,
        status=201,
    ),
    Route(
        "DELETE",
        "/canned/{canned_id}",
        directory.remove_canned,
        "Remove a canned reply",
        roles=SUPERVISING,
        status=204,
    ),
    Route(
        "GET",
        "/supervisor",
        directory.supervisor,
        "Live figures of every queue and person",
        roles=SUPERVISING,
    ),
    Route(
        "GET",
        "/figures",
        directory.figures_report,
        "SLA and satisfaction figures",
        roles=SUPERVISING,
        query=FiguresQuery,
    ),
    Route(
        "GET",
        "/figures.csv",
        directory.figures_report,
        "The figures as CSV: one row per group (overall, channel, queue, person, day)",
        roles=SUPERVISING,
        query=FiguresQuery,
    ),
    Route("GET", "/tasks", tasks.tasks, "Open follow-up tasks and calls to make", roles=SUPERVISING),
    Route("POST", "/tasks/{task_id}/take", tasks.take, "Take a follow-up task on oneself", roles=SUPERVISING),
    Route(
        "POST",
        "/tasks/{task_id}/call",
        tasks.called,
        "Record the call back and its outcome",
        roles=SUPERVISING,
        body=CallBody,
    ),
    Route(
        "POST",
        "/tasks/{task_id}/close",
        tasks.close,
        "Close a follow-up task",
        roles=SUPERVISING,
        body=TaskCloseBody,
    ),
    Route(
        "POST",
        "/calls/{call_id}/done",
        tasks.call_done,
        "The call about an unrated consultation is made",
        roles=SUPERVISING,
        status=204,
    ),
    Route(
        "GET",
        "/dead-letters",
        dead_letters.dead_letters,
        "Events and sends that failed every attempt, newest first",
        roles=ADMIN,
        query=DeadLetterQuery,
    ),
    Route(
        "POST",
        "/dead-letters/{letter_id}/replay",
        dead_letters.replay,
        "Put a dead letter back into its queue (a running worker takes it within seconds)",
        roles=ADMIN,
        status=202,
    ),
    Route("GET", "/broadcasts", broadcasting.list_broadcasts, "Broadcasts, newest first", roles=SUPERVISING),
    Route(
        "POST",
        "/broadcasts/preview",
        broadcasting.preview,
        "How many clients an audience reaches now, by channel, and how many are left out",
        roles=SUPERVISING,
        body=AudienceBody,
    ),
    Route(
        "POST",
        "/broadcasts",
        broadcasting.create,
        "A draft broadcast (422 empty_audience when nobody would get it)",
        roles=SUPERVISING,
        body=BroadcastBody,
        status=201,
    ),
    Route("GET", BROADCAST, broadcasting.get_broadcast, "A broadcast and its progress", roles=SUPERVISING),
    Route(
        "POST",
        BROADCAST + "/schedule",
        broadcasting.schedule,
        "Send a draft at send_at, or now (422 empty_audience, 409 when not a draft)",
        roles=SUPERVISING,
        body=ScheduleBody,
    ),
    Route("POST", BROADCAST + "/pause", broadcasting.pause, "Pause sending", roles=SUPERVISING),
    Route(
        "POST",
        BROADCAST + "/resume",
        broadcasting.resume,
        "Resume a paused broadcast; nobody gets it twice",
        roles=SUPERVISING,
    ),
    Route(
        "POST", BROADCAST + "/cancel", broadcasting.cancel, "Cancel; nobody else gets it", roles=SUPERVISING
    ),
    Route("GET", "/files/{signed}", directory.signed_file, "A recording or attachment by its signed link"),
    Route("GET", "/live", live, "Live prompts (WebSocket; closed with 1001 at shutdown)", websocket=True),
)


async def _openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document(ROUTES))


def create_console_api(source: ContextSource) -> web.Application:
    """The API app; ``source`` gives the context (built at start-up) when a request comes."""
    api = web.Application(middlewares=[error_middleware], client_max_size=25 * 1024 * 1024)
    api[SOURCE] = source
    for route in ROUTES:
        api.router.add_route(route.method, route.path, guarded(route))
    api.router.add_get(OPENAPI_PATH, _openapi)
    track_live_sockets(api)
    return api

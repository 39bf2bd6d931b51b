"""A test double of OUR console API (docs/console-api.md), to drive the console pages before the real one.

It follows the documented contract (paths, bodies, status codes, error shapes, CSRF, the session cookie,
the live prompts) with state in memory, and serves the real pages from ``handoff/console/static``.
It is not a model of any platform: clients appear through :meth:`ConsoleApiDouble.client_asks_for_person`
and :meth:`ConsoleApiDouble.client_writes`, as the real handoff would record them.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import math
import secrets
import struct
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

STATIC_DIR = Path(__file__).resolve().parents[3] / "handoff" / "console" / "static"
COOKIE = "omnicab_console"
LOGIN_FAILURES = 5
LOGIN_WINDOW = timedelta(minutes=15)
SERVICE_LEVEL_S = 60
QUEUE_TITLES = {"first_line": "Первая линия", "lawyers": "Юристы", "duty_lawyer": "Дежурный юрист"}


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def error(status: int, code: str, message: str, **headers: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status, headers=headers)


@dataclass
class Person:
    login: str
    name: str
    role: str
    queues: list[str]
    password: str = "demo"
    status: str = "offline"
    max_chats: int = 5
    locale: str = "ru"
    handled_today: int = 0
    aht_s: float | None = None

    def view(self) -> dict[str, Any]:
        return {
            "login": self.login,
            "name": self.name,
            "role": self.role,
            "queues": self.queues,
            "status": self.status,
            "max_chats": self.max_chats,
            "locale": self.locale,
        }

    def serves(self, queue: str) -> bool:
        if self.role in {"supervisor", "admin"}:
            return True
        return any(queue == served or queue.startswith(f"{served}:") for served in self.queues)


PERSON = web.RequestKey("console_person", Person)


@dataclass
class Entry:
    seq: int
    at: datetime
    author: str
    channel: str | None
    text: str | None
    kind: str = "text"
    person: Person | None = None
    attachment: dict[str, Any] | None = None
    status: str | None = None
    private: bool = False
    event: str | None = None
    actor: str | None = None

    @property
    def id(self) -> str:
        return f"{'e' if self.kind in {'note', 'event'} else 'm'}{self.seq}"

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": iso(self.at),
            "author": self.author,
            "channel": self.channel,
            "text": self.text,
            "kind": self.kind,
            "person": {"login": self.person.login, "name": self.person.name} if self.person else None,
            "attachment": self.attachment,
            "status": self.status,
            "private": self.private,
            "event": self.event,
            "actor": self.actor,
        }


@dataclass
class Conversation:
    id: int
    client: dict[str, str]
    queue: str
    reason: str
    channel: str
    priority: int = 20
    state: str = "queued"
    assignee: Person | None = None
    queued_at: datetime = field(default_factory=now)
    assigned_at: datetime | None = None
    first_response_at: datetime | None = None
    closed_at: datetime | None = None
    closed_reason: str | None = None
    unread: int = 0
    note: str | None = None
    history: list[Entry] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    rating: int | None = None

    def waiting_since(self) -> datetime | None:
        if self.state == "queued":
            return self.queued_at
        if self.state != "assigned":
            return None
        unanswered = None
        for entry in self.history:
            if entry.author == "client":
                unanswered = unanswered or entry.at
            elif entry.author == "person" and not entry.private:
                unanswered = None
        return unanswered

    def item(self, position: int | None) -> dict[str, Any]:
        visible = [entry for entry in self.history if not entry.private and entry.kind != "event"]
        last = visible[-1] if visible else None
        return {
            "id": self.id,
            "state": self.state,
            "queue": self.queue,
            "priority": self.priority,
            "reason": self.reason,
            "channel": self.channel,
            "client": self.client,
            "assignee": {"login": self.assignee.login, "name": self.assignee.name} if self.assignee else None,
            "waiting_since": iso(self.waiting_since()),
            "unread": self.unread,
            "last_message": {"at": iso(last.at), "text": last.text, "author": last.author} if last else None,
            "position": position,
            "waiting_for": "person" if self.waiting_since() else "client",
            "note": self.note,
            "queued_at": iso(self.queued_at),
            "assigned_at": iso(self.assigned_at),
            "closed_at": iso(self.closed_at),
            "closed_reason": self.closed_reason,
        }


def tone_wav(seconds: float = 1.5, hertz: int = 440, rate: int = 8000) -> bytes:
    frames = int(seconds * rate)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(rate)
        sound.writeframes(
            b"".join(
                struct.pack("<h", int(9000 * (1 - i / frames) * math.sin(2 * math.pi * hertz * i / rate)))
                for i in range(frames)
            )
        )
    return buffer.getvalue()


class ConsoleApiDouble:
    """The console API in memory. ``app`` serves it; the methods below play the clients' side."""

    def __init__(self) -> None:
        self.people = {
            person.login: person
            for person in (
                Person("operator", "Ольга Операторова", "operator", ["first_line", "lawyers"]),
                Person("lawyer", "Иван Смирнов", "lawyer", ["lawyers", "duty_lawyer"]),
                Person("lawyer2", "Мария Кузнецова", "lawyer", ["lawyers"], status="online", handled_today=6),
                Person("supervisor", "Светлана Руководитель", "supervisor", ["first_line", "lawyers"]),
                Person("admin", "Администратор", "admin", []),
            )
        }
        self.conversations: dict[int, Conversation] = {}
        self.closed_before: list[Conversation] = []
        self.sessions: dict[str, tuple[Person, str]] = {}
        self.failures: dict[str, list[datetime]] = {}
        self.sockets: set[web.WebSocketResponse] = set()
        self.delivered: list[tuple[int, str, str]] = []
        self.rating_requests: list[int] = []
        self.fail_next_reply = False
        self.canned = [
            {
                "id": "greet",
                "title": "Приветствие",
                "text": "Здравствуйте, {client_name}! Меня зовут {operator_name}, я помогу вам.",
            },
            {
                "id": "request",
                "title": "Номер обращения",
                "text": "Ваше обращение №{request_number} передано юристу.",
            },
            {"id": "wait", "title": "Минуту", "text": "Пожалуйста, подождите минуту: уточняю информацию."},
        ]
        self._seq = itertools.count(1000)
        self._ids = itertools.count(17)
        self.audio = tone_wav()
        self.app = self._build_app()

    # ---- the clients' side (what the real handoff records from the platforms)

    def client_asks_for_person(
        self,
        name: str,
        *,
        channel: str = "telegram",
        queue: str = "first_line",
        reason: str = "asked",
        priority: int = 20,
        texts: tuple[str, ...] = ("оператор",),
        bot_said: tuple[str, ...] = (),
        waited: timedelta = timedelta(0),
        context: dict[str, Any] | None = None,
    ) -> Conversation:
        started = now() - waited
        conversation = Conversation(
            id=next(self._ids),
            client={"id": f"c{secrets.token_hex(4)}", "name": name},
            queue=queue,
            reason=reason,
            channel=channel,
            priority=priority,
            queued_at=started,
            context=context or {},
        )
        moment = started - timedelta(seconds=20 * (len(texts) + len(bot_said)))
        for text in texts[:-1]:
            moment += timedelta(seconds=20)
            conversation.history.append(Entry(next(self._seq), moment, "client", channel, text))
        for text in bot_said:
            moment += timedelta(seconds=20)
            conversation.history.append(Entry(next(self._seq), moment, "bot", channel, text, status="read"))
        conversation.history.append(Entry(next(self._seq), started, "client", channel, texts[-1]))
        conversation.history.append(
            Entry(
                next(self._seq),
                started,
                "system",
                channel,
                reason,
                "event",
                event="queued",
                actor="system",
            )
        )
        self.conversations[conversation.id] = conversation
        place = self._positions()[conversation.id]
        notice = f"Передаём ваш вопрос специалисту. Ваше место в очереди: {place}."
        conversation.history.append(Entry(next(self._seq), started, "system", channel, notice, status="sent"))
        self.publish(
            {"type": "conversation", "id": conversation.id, "queue": queue, "state": "queued", "new": True}
        )
        return conversation

    def client_writes(self, conversation_id: int, text: str, *, channel: str | None = None) -> Entry:
        conversation = self.conversations[conversation_id]
        entry = Entry(next(self._seq), now(), "client", channel or conversation.channel, text)
        conversation.history.append(entry)
        conversation.channel = entry.channel or conversation.channel
        for linked in conversation.context.get("channels", []):
            if linked.get("channel") == conversation.channel:
                linked["last_inbound_at"] = iso(entry.at)
        if conversation.state == "assigned":
            conversation.unread += 1
        self.publish({"type": "message", "conversation_id": conversation.id, "message_id": entry.seq})
        return entry

    def person_wrote(self, conversation_id: int, login: str, text: str, *, note: bool = False) -> Entry:
        """A person's reply (or private note) that was written before the page opened."""
        conversation = self.conversations[conversation_id]
        person = self.people[login]
        if note:
            entry = Entry(next(self._seq), now(), "person", None, text, "note", person=person, private=True)
        else:
            entry = Entry(
                next(self._seq), now(), "person", conversation.channel, text, person=person, status="read"
            )
            conversation.first_response_at = conversation.first_response_at or entry.at
        conversation.history.append(entry)
        return entry

    def someone_takes(self, conversation_id: int, login: str) -> None:
        self._assign(self.conversations[conversation_id], self.people[login], event="assigned", actor=login)

    def platform_refuses(self, entry_id: str) -> None:
        for conversation in self.conversations.values():
            for entry in conversation.history:
                if entry.id == entry_id:
                    entry.status = "failed"
                    self.publish(
                        {"type": "message", "conversation_id": conversation.id, "message_id": entry.seq}
                    )

    async def drop_live_connections(self) -> None:
        for socket in list(self.sockets):
            await socket.close()

    def publish(self, prompt: dict[str, Any]) -> None:
        for socket in list(self.sockets):
            if not socket.closed:
                asyncio.get_event_loop().create_task(socket.send_json(prompt))

    # ---- app

    def _build_app(self) -> web.Application:
        api = web.Application(middlewares=[self._auth])
        api.router.add_post("/login", self.login)
        api.router.add_post("/logout", self.logout)
        api.router.add_get("/me", self.me)
        api.router.add_put("/me/status", self.set_status)
        api.router.add_get("/conversations", self.list_conversations)
        api.router.add_get("/conversations/{id}", self.packet)
        api.router.add_get("/conversations/{id}/messages", self.messages_after)
        api.router.add_post("/conversations/{id}/take", self.take)
        api.router.add_post("/conversations/{id}/messages", self.reply)
        api.router.add_post("/conversations/{id}/notes", self.add_note)
        api.router.add_post("/conversations/{id}/transfer", self.transfer)
        api.router.add_post("/conversations/{id}/read", self.read)
        api.router.add_post("/conversations/{id}/close", self.close)
        api.router.add_post("/conversations/{id}/canned/{canned}/preview", self.preview)
        api.router.add_get("/queues", self.queues)
        api.router.add_get("/people", self.list_people)
        api.router.add_get("/canned", self.list_canned)
        api.router.add_get("/supervisor", self.supervisor)
        api.router.add_get("/figures", self.figures)
        api.router.add_get("/files/{name}", self.file)
        api.router.add_get("/live", self.live)
        site = web.Application()
        site.router.add_get("/", self.index)
        site.router.add_get("/static/{path:.+}", self.static)
        site.add_subapp("/api", api)
        root = web.Application()
        root.add_subapp("/console", site)
        return root

    async def index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    async def static(self, request: web.Request) -> web.FileResponse:
        path = (STATIC_DIR / request.match_info["path"]).resolve()
        if not path.is_relative_to(STATIC_DIR) or not path.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(path, headers={"Cache-Control": "no-cache"})

    @web.middleware
    async def _auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path == "/console/api/login":
            return await handler(request)
        session = self.sessions.get(request.cookies.get(COOKIE, ""))
        if session is None:
            return error(401, "unauthorized", "Sign in first")
        if (
            request.method in {"POST", "PUT", "PATCH", "DELETE"}
            and request.headers.get("X-CSRF-Token") != session[1]
        ):
            return error(403, "csrf", "Missing or wrong X-CSRF-Token")
        request[PERSON] = session[0]
        return await handler(request)

    def _person(self, request: web.Request) -> Person:
        return request[PERSON]

    def _conversation(self, request: web.Request) -> Conversation:
        try:
            conversation = self.conversations[int(request.match_info["id"])]
        except (KeyError, ValueError):
            raise web.HTTPNotFound(
                text=json.dumps({"error": {"code": "not_found", "message": "No such conversation"}}),
                content_type="application/json",
            ) from None
        person = self._person(request)
        if not person.serves(conversation.queue) and conversation.assignee is not person:
            raise web.HTTPForbidden(
                text=json.dumps({"error": {"code": "forbidden", "message": "Outside your queues"}}),
                content_type="application/json",
            )
        return conversation

    # session

    async def login(self, request: web.Request) -> web.Response:
        body = await request.json()
        login = str(body.get("login", ""))
        recent = [moment for moment in self.failures.get(login, []) if now() - moment < LOGIN_WINDOW]
        self.failures[login] = recent
        if len(recent) >= LOGIN_FAILURES:
            retry = int((recent[0] + LOGIN_WINDOW - now()).total_seconds()) + 1
            return error(429, "too_many_attempts", "Too many attempts", **{"Retry-After": str(retry)})
        person = self.people.get(login)
        if person is None or person.password != body.get("password"):
            recent.append(now())
            return error(401, "unauthorized", "Wrong login or password")
        token, csrf = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        self.sessions[token] = (person, csrf)
        if person.status == "offline":
            person.status = "away"
        response = web.json_response({"csrf": csrf, "person": person.view()})
        response.set_cookie(COOKIE, token, httponly=True, samesite="Lax", path="/console/")
        return response

    async def logout(self, request: web.Request) -> web.Response:
        self.sessions.pop(request.cookies.get(COOKIE, ""), None)
        self._person(request).status = "offline"
        return web.Response(status=204)

    async def me(self, request: web.Request) -> web.Response:
        person, csrf = self.sessions[request.cookies[COOKIE]]
        return web.json_response({"person": person.view(), "csrf": csrf})

    async def set_status(self, request: web.Request) -> web.Response:
        status = (await request.json()).get("status")
        if status not in {"online", "away", "offline"}:
            return error(400, "invalid", "status must be online, away or offline")
        person = self._person(request)
        person.status = status
        self.publish({"type": "person", "login": person.login})
        return web.json_response({"person": person.view()})

    # conversations

    def _positions(self) -> dict[int, int]:
        positions: dict[int, int] = {}
        by_queue: dict[str, list[Conversation]] = {}
        for conversation in self.conversations.values():
            if conversation.state == "queued":
                by_queue.setdefault(conversation.queue, []).append(conversation)
        for waiting in by_queue.values():
            waiting.sort(key=lambda c: (c.priority, c.queued_at))
            for place, conversation in enumerate(waiting, start=1):
                positions[conversation.id] = place
        return positions

    async def list_conversations(self, request: web.Request) -> web.Response:
        view = request.query.get("view", "queue")
        person = self._person(request)
        positions = self._positions()
        chosen: list[Conversation]
        if view == "queue":
            chosen = [
                c for c in self.conversations.values() if c.state == "queued" and person.serves(c.queue)
            ]
            chosen.sort(key=lambda c: (c.priority, c.queued_at))
        elif view == "mine":
            chosen = [
                c for c in self.conversations.values() if c.state == "assigned" and c.assignee is person
            ]
        elif view == "all":
            chosen = [
                c for c in self.conversations.values() if c.state != "closed" and person.serves(c.queue)
            ]
        else:
            return error(400, "invalid", "view must be queue, mine or all")
        return web.json_response({"items": [c.item(positions.get(c.id)) for c in chosen]})

    async def packet(self, request: web.Request) -> web.Response:
        conversation = self._conversation(request)
        body = conversation.item(self._positions().get(conversation.id))
        body["history"] = [entry.view() for entry in conversation.history]
        body["cursor"] = str(conversation.history[-1].seq) if conversation.history else "0"
        context = {
            "slots": {},
            "flow": None,
            "requests": [],
            "recordings": [],
            "refunds": [],
            "ratings": [],
            "broadcasts": [],
            "channels": [
                {"channel": conversation.channel, "bot": "legal", "name": conversation.client["name"]}
            ],
            "profile": {"first_name": conversation.client["name"]},
        }
        context.update(conversation.context)
        body.update(context)
        body["notes"] = [self._note_view(entry) for entry in conversation.history if entry.kind == "note"]
        body["events"] = [self._note_view(entry) for entry in conversation.history if entry.kind == "event"]
        return web.json_response(body)

    @staticmethod
    def _note_view(entry: Entry) -> dict[str, Any]:
        actor = entry.person.login if entry.person else "system"
        return {"id": entry.id, "kind": entry.kind, "actor": actor, "text": entry.text, "at": iso(entry.at)}

    async def messages_after(self, request: web.Request) -> web.Response:
        conversation = self._conversation(request)
        try:
            after = int(request.query.get("after", "0"))
        except ValueError:
            return error(400, "invalid", "after must be a cursor")
        items = [entry for entry in conversation.history if entry.seq > after]
        cursor = str(items[-1].seq) if items else str(after)
        return web.json_response({"items": [entry.view() for entry in items], "cursor": cursor})

    def _assign(
        self, conversation: Conversation, person: Person, *, event: str, actor: str, note: str | None = None
    ) -> None:
        conversation.state = "assigned"
        conversation.assignee = person
        conversation.assigned_at = now()
        conversation.unread = 0
        conversation.history.append(
            Entry(next(self._seq), now(), "system", None, note, "event", event=event, actor=actor)
        )
        self.publish(
            {
                "type": "conversation",
                "id": conversation.id,
                "queue": conversation.queue,
                "state": "assigned",
                "assignee": person.login,
            }
        )

    async def take(self, request: web.Request) -> web.Response:
        conversation = self._conversation(request)
        person = self._person(request)
        if conversation.state == "closed":
            return error(409, "closed", "The conversation is closed")
        if conversation.state == "assigned" and conversation.assignee is not person:
            return error(409, "taken", "Another person holds it")
        if conversation.assignee is not person:
            self._assign(conversation, person, event="assigned", actor=person.login)
        return web.json_response({"conversation": conversation.item(None)})

    async def reply(self, request: web.Request) -> web.Response:
        conversation = self._conversation(request)
        person = self._person(request)
        if conversation.state == "closed":
            return error(409, "closed", "The conversation is closed")
        if conversation.assignee is not person:
            return error(409, "not_yours", "Take it first")
        attachment = None
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            text = str(form.get("text", "")) or None
            upload = form.get("file")
            if isinstance(upload, web.FileField):
                size = len(upload.file.read())
                attachment = {"name": upload.filename, "mime": upload.content_type, "url": None, "size": size}
        else:
            text = str((await request.json()).get("text", "")).strip() or None
        if not text and not attachment:
            return error(400, "invalid", "text must be 1–4000 characters")
        entry = Entry(
            next(self._seq), now(), "person", conversation.channel, text, person=person, status="queued"
        )
        entry.attachment = attachment
        conversation.history.append(entry)
        conversation.first_response_at = conversation.first_response_at or entry.at
        if self.fail_next_reply:
            self.fail_next_reply = False
            entry.status = "failed"
        else:
            entry.status = "sent"
            self.delivered.append((conversation.id, conversation.channel, text or ""))
        self.publish({"type": "message", "conversation_id": conversation.id, "message_id": entry.seq})
        return web.json_response({"message": {"id": entry.id, "status": "queued"}}, status=201)

    async def add_note(self, request: web.Request) -> web.Response:
        conversation = self._conversation(request)
        text = str((await request.json()).get("text", "")).strip()
        if not text:
            return error(400, "invalid", "text must not be empty")
        entry = Entry(
            next(self._seq), now(), "person", None, text, "note", person=self._person(request), private=True
        )
        conversation.history.append(entry)
        self.publish({"type": "message", "conversation_id": conversation.id, "message_id": entry.seq})
        return web.json_response({"note": self._note_view(entry)}, status=201)

    async def transfer(self, request: web.Request) -> web.Response:
        conversation = self._conversation(request)
        actor = self._person(request).login
        body = await request.json()
        note = body.get("note") or None
        if body.get("person"):
            target = self.people.get(body["person"])
            if target is None:
                return error(400, "invalid", "unknown person")
            self._assign(conversation, target, event="transferred", actor=actor, note=note)
        elif body.get("queue"):
            if body["queue"] not in QUEUE_TITLES:
                return error(400, "invalid", "unknown queue")
            conversation.state, conversation.assignee, conversation.queue = "queued", None, body["queue"]
            conversation.history.append(
                Entry(next(self._seq), now(), "system", None, note, "event", event="transferred", actor=actor)
            )
        else:
            return error(400, "invalid", "queue or person")
        prompt = {"type": "conversation", "id": conversation.id, "queue": conversation.queue}
        self.publish({**prompt, "state": conversation.state})
        return web.json_response({"conversation": conversation.item(None)})

    async def read(self, request: web.Request) -> web.Response:
        conversation = self._conversation(request)
        conversation.unread = 0
        return web.json_response({"conversation": conversation.item(None)})

    async def close(self, request: web.Request) -> web.Response:
        conversation = self._conversation(request)
        reason = str((await request.json()).get("reason", "")).strip()
        if not 1 <= len(reason) <= 200:
            return error(400, "invalid", "reason must be 1–200 characters")
        conversation.state, conversation.closed_at, conversation.closed_reason = "closed", now(), reason
        conversation.history.append(
            Entry(
                next(self._seq),
                now(),
                "system",
                None,
                reason,
                "event",
                event="closed",
                actor=self._person(request).login,
            )
        )
        self.rating_requests.append(conversation.id)
        self.publish(
            {"type": "conversation", "id": conversation.id, "queue": conversation.queue, "state": "closed"}
        )
        return web.json_response({"conversation": conversation.item(None)})

    async def preview(self, request: web.Request) -> web.Response:
        conversation = self._conversation(request)
        canned = next((item for item in self.canned if item["id"] == request.match_info["canned"]), None)
        if canned is None:
            return error(404, "not_found", "No such canned reply")
        numbers = [
            str(r["number"]) for r in conversation.context.get("requests", []) if r.get("status") != "closed"
        ]
        text = canned["text"].replace("{client_name}", conversation.client["name"])
        text = text.replace("{operator_name}", self._person(request).name)
        if numbers:
            text = text.replace("{request_number}", numbers[0])
        return web.json_response({"text": text})

    # queues, people, canned, figures

    def _queue_rows(self) -> list[dict[str, Any]]:
        rows = []
        for name, title in QUEUE_TITLES.items():
            waiting = [c for c in self.conversations.values() if c.state == "queued" and c.queue == name]
            longest = max(((now() - c.queued_at).total_seconds() for c in waiting), default=0)
            online = [p for p in self.people.values() if p.status == "online" and name in p.queues]
            answered = [c for c in self._today() if c.queue == name and c.first_response_at]
            rows.append(
                {
                    "name": name,
                    "title": title,
                    "waiting": len(waiting),
                    "longest_wait_s": round(longest),
                    "people_online": len(online),
                    **self._figures(answered),
                }
            )
        return rows

    def _today(self) -> list[Conversation]:
        return [*self.closed_before, *self.conversations.values()]

    @staticmethod
    def _figures(conversations: list[Conversation]) -> dict[str, Any]:
        answered = [c for c in conversations if c.first_response_at]
        waits = [(c.first_response_at - c.queued_at).total_seconds() for c in answered if c.first_response_at]
        rated = [c.rating for c in conversations if c.rating is not None]
        closed = [c for c in conversations if c.closed_at and c.assigned_at]
        return {
            "asa_s": round(sum(waits) / len(waits)) if waits else None,
            "service_level": sum(w <= SERVICE_LEVEL_S for w in waits) / len(waits) if waits else None,
            "csat": sum(r >= 4 for r in rated) / len(rated) if rated else None,
            "answered": len(answered),
            "aht_s": round(
                sum(
                    (c.closed_at - c.assigned_at).total_seconds()
                    for c in closed
                    if c.closed_at and c.assigned_at
                )
                / len(closed)
            )
            if closed
            else None,
            "rating_avg": sum(rated) / len(rated) if rated else None,
            "counts": {
                "conversations": len(conversations),
                "answered": len(answered),
                "ratings": len(rated),
                "closed": len(closed),
            },
        }

    async def queues(self, request: web.Request) -> web.Response:
        person = self._person(request)
        rows = [row for row in self._queue_rows() if person.serves(row["name"])]
        keys = ("name", "title", "waiting", "longest_wait_s", "people_online")
        return web.json_response({"items": [{key: row[key] for key in keys} for row in rows]})

    def _people_rows(self) -> Iterator[dict[str, Any]]:
        for person in self.people.values():
            mine = [c for c in self.conversations.values() if c.state == "assigned" and c.assignee is person]
            load = sum(1.0 if c.waiting_since() else 0.5 for c in mine)
            yield {
                **person.view(),
                "load": load,
                "assigned": len(mine),
                "handled_today": person.handled_today,
                "aht_s": person.aht_s,
            }

    async def list_people(self, request: web.Request) -> web.Response:
        if self._person(request).role not in {"supervisor", "admin"}:
            return error(403, "forbidden", "Supervisors and admins only")
        return web.json_response({"items": list(self._people_rows())})

    async def list_canned(self, request: web.Request) -> web.Response:
        return web.json_response({"items": self.canned})

    async def supervisor(self, request: web.Request) -> web.Response:
        if self._person(request).role not in {"supervisor", "admin"}:
            return error(403, "forbidden", "Supervisors and admins only")
        return web.json_response(
            {
                "queues": self._queue_rows(),
                "people": list(self._people_rows()),
                "overall": self._figures(self._today()),
            }
        )

    async def figures(self, request: web.Request) -> web.Response:
        if self._person(request).role not in {"supervisor", "admin"}:
            return error(403, "forbidden", "Supervisors and admins only")
        try:
            start = datetime.fromisoformat(request.query["from"].replace("Z", "+00:00"))
            end = datetime.fromisoformat(request.query["to"].replace("Z", "+00:00"))
        except (KeyError, ValueError):
            return error(400, "invalid", "from and to must be ISO times")
        chosen = [c for c in self._today() if start <= c.queued_at < end]
        by_channel = {
            channel: self._figures([c for c in chosen if c.channel == channel])
            for channel in ("telegram", "viber", "whatsapp")
        }
        return web.json_response(
            {"overall": self._figures(chosen), "by_channel": by_channel, "by_person": {}}
        )

    async def file(self, request: web.Request) -> web.Response:
        return web.Response(body=self.audio, content_type="audio/wav")

    async def live(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(heartbeat=20)
        await socket.prepare(request)
        self.sockets.add(socket)
        await socket.send_json({"type": "hello", "person": self._person(request).login})
        try:
            async for message in socket:
                if message.type.name == "TEXT" and json.loads(message.data).get("type") == "ping":
                    await socket.send_json({"type": "pong"})
        finally:
            self.sockets.discard(socket)
        return socket

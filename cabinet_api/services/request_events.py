"""What happens to a request after it is filed: comments and files, the lawyer's answer, status changes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from adapters.types import FileRef, MediaKind
from cabinet_api.db import Database
from cabinet_api.models import Answer, EventAuthor, EventKind, Request, RequestEvent, RequestStatus
from cabinet_api.services.errors import InvalidTransition, RequestClosed
from cabinet_api.services.ownership import by_public_id, owned
from cabinet_api.services.request_views import answer_view, event_view, request_view
from cabinet_api.services.views import AnswerView, RequestEventView, RequestView
from cabinet_api.storage import StoredFile

OPEN_STATUSES = frozenset({RequestStatus.NEW, RequestStatus.IN_WORK})
STATUS_MOVES: Mapping[RequestStatus, frozenset[RequestStatus]] = {
    RequestStatus.NEW: frozenset({RequestStatus.IN_WORK, RequestStatus.ANSWERED, RequestStatus.CLOSED}),
    RequestStatus.IN_WORK: frozenset({RequestStatus.ANSWERED, RequestStatus.CLOSED}),
    RequestStatus.ANSWERED: frozenset({RequestStatus.IN_WORK, RequestStatus.CLOSED}),
    RequestStatus.CLOSED: frozenset({RequestStatus.IN_WORK}),
}
COMMENT_MAX_LENGTH = 4000


class RequestEventService:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    async def add_comment(
        self,
        client_id: int,
        public_id: str,
        *,
        text: str | None,
        file: FileRef | None,
        channel: str,
    ) -> RequestEventView:
        """A client's comment or file (from any channel) on one of their open requests."""
        text = (text or "").strip() or None
        if text is None and file is None:
            raise ValueError("a comment needs text or a file")
        if text is not None and len(text) > COMMENT_MAX_LENGTH:
            raise ValueError(f"a comment is at most {COMMENT_MAX_LENGTH} characters")
        async with self._db.session() as session:
            request = await owned(session, Request, "request", public_id, client_id, for_update=True)
            if RequestStatus(request.status) not in OPEN_STATUSES:
                raise RequestClosed(f"request is {request.status}")
            kind = EventKind.FILE if file is not None else EventKind.COMMENT
            event = self._append(session, request, kind, EventAuthor.CLIENT, channel, text, file)
            await session.flush()
            return event_view(event)

    async def post_answer(
        self, public_id: str, *, lawyer: str, text: str | None, audio: StoredFile | None
    ) -> AnswerView:
        """The lawyer's answer (text, audio or both); the request becomes answered."""
        lawyer, text = lawyer.strip(), (text or "").strip() or None
        if not lawyer:
            raise ValueError("lawyer must not be empty")
        if text is None and audio is None:
            raise ValueError("an answer needs text or audio")
        async with self._db.session() as session:
            request = await by_public_id(session, Request, "request", public_id, for_update=True)
            if request.status == RequestStatus.CLOSED:
                raise RequestClosed("request is closed")
            now = self._clock()
            answer = Answer(
                request_id=request.id,
                lawyer=lawyer,
                text=text,
                audio=None if audio is None else audio.ref(MediaKind.AUDIO).as_json(),
                created_at=now,
            )
            session.add(answer)
            request.status = RequestStatus.ANSWERED.value
            request.lawyer = lawyer
            self._append(
                session,
                request,
                EventKind.ANSWER,
                EventAuthor.LAWYER,
                None,
                text,
                None if audio is None else audio.ref(MediaKind.AUDIO),
            )
            await session.flush()
            return answer_view(answer, request)

    async def change_status(self, public_id: str, status: str, *, actor: str) -> RequestView:
        """``actor`` is who moved it: lawyer or system (clients do not change statuses)."""
        wanted = RequestStatus(status)
        author = EventAuthor(actor)
        async with self._db.session() as session:
            request = await by_public_id(session, Request, "request", public_id, for_update=True)
            current = RequestStatus(request.status)
            if wanted not in STATUS_MOVES[current]:
                raise InvalidTransition("request", current.value, wanted.value)
            request.status = wanted.value
            self._append(session, request, EventKind.STATUS, author, None, wanted.value, None)
            await session.flush()
            return request_view(request)

    def _append(
        self,
        session: AsyncSession,
        request: Request,
        kind: EventKind,
        author: EventAuthor,
        channel: str | None,
        text: str | None,
        file: FileRef | None,
    ) -> RequestEvent:
        now = self._clock()
        event = RequestEvent(
            request_id=request.id,
            kind=kind.value,
            author=author.value,
            channel=channel,
            text=text,
            file=None if file is None else file.as_json(),
            created_at=now,
        )
        session.add(event)
        request.updated_at = now
        return event

"""Requests (обращения): created by integrations, answered and moved by lawyers, commented by clients."""

from __future__ import annotations

import logging

from aiohttp import web

from cabinet_api.rest.context import Route, client_id, context, json_body, query, respond
from cabinet_api.rest.errors import ApiError
from cabinet_api.rest.keys import READ, REQUESTS_WRITE
from cabinet_api.rest.multipart import read_form
from cabinet_api.rest.schemas import (
    AnswerForm,
    AnswerOut,
    CommentCreate,
    EventOut,
    PageOut,
    PageQuery,
    RequestCreate,
    RequestDetailOut,
    RequestOut,
    StatusChange,
    page_out,
)
from cabinet_api.services import MAX_RECORDING_BYTES, RECORDING_MIME_TYPES

logger = logging.getLogger(__name__)


async def create_request(request: web.Request) -> web.Response:
    body: RequestCreate = await json_body(request, RequestCreate)
    cabinet = context(request).cabinet
    owner = await cabinet.identity.client_id_for(body.client_id)
    if owner is None:
        raise ApiError(400, "invalid", "no client with this id", field="client_id")
    view = await cabinet.requests.create_request(
        owner,
        topic=body.topic,
        description=body.description,
        answer_format=body.answer_format,
        urgency=body.urgency,
        channel=body.channel,
    )
    return respond(RequestOut.of(view), status=201)


async def list_requests(request: web.Request) -> web.Response:
    paging: PageQuery = query(request, PageQuery)
    page = await context(request).cabinet.requests.list_requests(
        await client_id(request), page=paging.page, per_page=paging.per_page
    )
    return web.json_response(page_out(page, [RequestOut.of(item) for item in page.items]))


async def get_request(request: web.Request) -> web.Response:
    detail = await context(request).cabinet.requests.get_request(
        await client_id(request), request.match_info["request_id"]
    )
    return respond(RequestDetailOut.of_detail(detail))


async def add_comment(request: web.Request) -> web.Response:
    body: CommentCreate = await json_body(request, CommentCreate)
    event = await context(request).cabinet.request_events.add_comment(
        await client_id(request),
        request.match_info["request_id"],
        text=body.text,
        file=None,
        channel=body.channel,
    )
    return respond(EventOut.of(event), status=201)


async def post_answer(request: web.Request) -> web.Response:
    """The lawyer's answer; the client is then notified through the injected ``notify``."""
    form = await read_form(
        request, file_part="audio", file_limit=MAX_RECORDING_BYTES, allowed_mime=RECORDING_MIME_TYPES
    )
    fields = AnswerForm.model_validate(form.fields)
    api = context(request)
    upload = form.files.get("audio")
    if upload is None and not fields.text:
        raise ApiError(400, "invalid", "an answer needs text or audio", field="text")
    audio = None
    if upload is not None:
        audio = await api.cabinet.files.store(upload.data, mime=upload.mime, name=upload.filename or "answer")
    answer = await api.cabinet.request_events.post_answer(
        request.match_info["request_id"], lawyer=fields.lawyer, text=fields.text, audio=audio
    )
    notified = False
    if api.notify is not None:
        try:
            await api.notify(answer.notification())
            notified = True
        except Exception:
            logger.exception(
                "the answer to request %s is saved but the client was not notified", answer.request_number
            )
    return respond(AnswerOut.of(answer, notified=notified), status=201)


async def change_status(request: web.Request) -> web.Response:
    body: StatusChange = await json_body(request, StatusChange)
    view = await context(request).cabinet.request_events.change_status(
        request.match_info["request_id"], body.status, actor=body.actor
    )
    return respond(RequestOut.of(view))


ROUTES = [
    Route(
        "POST",
        "/requests",
        create_request,
        "Create a request for a client",
        REQUESTS_WRITE,
        status=201,
        body=RequestCreate,
        response=RequestOut,
    ),
    Route(
        "GET",
        "/clients/{client_id}/requests",
        list_requests,
        "A client's requests, newest first",
        READ,
        query=PageQuery,
        response=PageOut[RequestOut],
        paged=True,
    ),
    Route(
        "GET",
        "/clients/{client_id}/requests/{request_id}",
        get_request,
        "One of the client's requests with its events and answer",
        READ,
        response=RequestDetailOut,
    ),
    Route(
        "POST",
        "/clients/{client_id}/requests/{request_id}/comments",
        add_comment,
        "Add the client's comment to their open request",
        REQUESTS_WRITE,
        status=201,
        body=CommentCreate,
        response=EventOut,
    ),
    Route(
        "POST",
        "/requests/{request_id}/answer",
        post_answer,
        "Post the lawyer's answer (text and/or audio) and notify the client",
        REQUESTS_WRITE,
        status=201,
        form=AnswerForm,
        file_part="audio",
        response=AnswerOut,
    ),
    Route(
        "POST",
        "/requests/{request_id}/status",
        change_status,
        "Change a request's status",
        REQUESTS_WRITE,
        body=StatusChange,
        response=RequestOut,
    ),
]

"""Call recordings: uploaded by the PBX or CRM, listed per client, played through short-lived signed links."""

from __future__ import annotations

from aiohttp import web

from cabinet_api.rest.context import Route, client_id, context, query, respond
from cabinet_api.rest.errors import ApiError
from cabinet_api.rest.keys import READ, RECORDINGS_WRITE
from cabinet_api.rest.multipart import read_form
from cabinet_api.rest.schemas import LinkOut, PageOut, PageQuery, RecordingForm, RecordingOut, page_out
from cabinet_api.services import MAX_RECORDING_BYTES, RECORDING_MIME_TYPES

FILE_ROUTE = "file"


async def upload_recording(request: web.Request) -> web.Response:
    form = await read_form(
        request, file_part="audio", file_limit=MAX_RECORDING_BYTES, allowed_mime=RECORDING_MIME_TYPES
    )
    fields = RecordingForm.model_validate(form.fields)
    upload = form.files.get("audio")
    if upload is None:
        raise ApiError(400, "invalid", "the audio part is missing", field="audio")
    view = await context(request).cabinet.recordings.ingest_recording(
        audio=upload.data,
        mime=upload.mime,
        client_phone=fields.client_phone,
        lawyer=fields.lawyer,
        started_at=fields.started_at,
        duration=fields.duration,
        direction=fields.direction,
        source=fields.source,
    )
    return respond(RecordingOut.of(view), status=201)


async def list_recordings(request: web.Request) -> web.Response:
    paging: PageQuery = query(request, PageQuery)
    page = await context(request).cabinet.recordings.list_recordings(
        await client_id(request), page=paging.page, per_page=paging.per_page
    )
    return web.json_response(page_out(page, [RecordingOut.of(item) for item in page.items]))


async def recording_link(request: web.Request) -> web.Response:
    api = context(request)
    cabinet = api.cabinet
    stored = await cabinet.recordings.recording_file(
        await client_id(request), request.match_info["recording_id"]
    )
    link = cabinet.files.link(stored.key, secret=api.secret, lifetime=api.link_lifetime)
    path = request.app.router[FILE_ROUTE].url_for(token=link.token)
    return respond(LinkOut(url=str(request.url.origin().join(path)), expires_at=link.expires_at))


ROUTES = [
    Route(
        "POST",
        "/recordings",
        upload_recording,
        "Upload a call recording (matched to the client by verified phone)",
        RECORDINGS_WRITE,
        status=201,
        form=RecordingForm,
        file_part="audio",
        response=RecordingOut,
    ),
    Route(
        "GET",
        "/clients/{client_id}/recordings",
        list_recordings,
        "A client's call recordings, newest first",
        READ,
        query=PageQuery,
        response=PageOut[RecordingOut],
        paged=True,
    ),
    Route(
        "GET",
        "/clients/{client_id}/recordings/{recording_id}/link",
        recording_link,
        "A short-lived signed link to one of the client's recordings",
        READ,
        response=LinkOut,
    ),
]

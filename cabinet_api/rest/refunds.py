from __future__ import annotations

from aiohttp import web

from cabinet_api.rest.context import Route, client_id, context, json_body, respond, respond_many
from cabinet_api.rest.keys import READ, REFUNDS_WRITE
from cabinet_api.rest.schemas import RefundOut, RefundStatusChange


async def list_refunds(request: web.Request) -> web.Response:
    refunds = await context(request).cabinet.payments.list_refunds(await client_id(request))
    return respond_many([RefundOut.of(refund) for refund in refunds])


async def get_refund(request: web.Request) -> web.Response:
    return respond(
        RefundOut.of(await context(request).cabinet.payments.get_refund(request.match_info["refund_id"]))
    )


async def change_refund_status(request: web.Request) -> web.Response:
    body: RefundStatusChange = await json_body(request, RefundStatusChange)
    view = await context(request).cabinet.payments.change_refund_status(
        request.match_info["refund_id"], body.status
    )
    return respond(RefundOut.of(view))


ROUTES = [
    Route(
        "GET",
        "/clients/{client_id}/refunds",
        list_refunds,
        "A client's refund applications",
        READ,
        response=RefundOut,
        many=True,
    ),
    Route("GET", "/refunds/{refund_id}", get_refund, "One refund application", READ, response=RefundOut),
    Route(
        "POST",
        "/refunds/{refund_id}/status",
        change_refund_status,
        "Move a refund application: submitted, in_review, approved or rejected, paid",
        REFUNDS_WRITE,
        body=RefundStatusChange,
        response=RefundOut,
    ),
]

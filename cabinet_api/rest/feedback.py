"""Ratings and the follow-up tasks that low ratings open."""

from __future__ import annotations

from aiohttp import web

from cabinet_api.rest.context import Route, context, json_body, query, respond, respond_many
from cabinet_api.rest.errors import ApiError
from cabinet_api.rest.keys import READ, TASKS_WRITE
from cabinet_api.rest.schemas import RatingOut, RatingQuery, TaskClose, TaskOut, TaskQuery


async def list_ratings(request: web.Request) -> web.Response:
    filters: RatingQuery = query(request, RatingQuery)
    cabinet = context(request).cabinet
    owner = None
    if filters.client_id is not None:
        owner = await cabinet.identity.client_id_for(filters.client_id)
        if owner is None:
            raise ApiError(404, "not_found", "no such object")
    ratings = await cabinet.ratings.list_ratings(
        client_id=owner, subject=filters.subject, subject_id=filters.subject_id
    )
    return respond_many([RatingOut.of(rating) for rating in ratings])


async def list_tasks(request: web.Request) -> web.Response:
    filters: TaskQuery = query(request, TaskQuery)
    tasks = await context(request).cabinet.ratings.list_tasks(status=filters.status)
    return respond_many([TaskOut.of(task) for task in tasks])


async def close_task(request: web.Request) -> web.Response:
    body: TaskClose = await json_body(request, TaskClose)
    task = await context(request).cabinet.ratings.close_task(request.match_info["task_id"], note=body.note)
    return respond(TaskOut.of(task))


ROUTES = [
    Route(
        "GET",
        "/ratings",
        list_ratings,
        "Ratings, newest first, optionally of one client or subject",
        READ,
        query=RatingQuery,
        response=RatingOut,
        many=True,
    ),
    Route(
        "GET",
        "/tasks",
        list_tasks,
        "Follow-up tasks, soonest due first",
        READ,
        query=TaskQuery,
        response=TaskOut,
        many=True,
    ),
    Route(
        "POST",
        "/tasks/{task_id}/close",
        close_task,
        "Close a follow-up task",
        TASKS_WRITE,
        body=TaskClose,
        response=TaskOut,
    ),
]

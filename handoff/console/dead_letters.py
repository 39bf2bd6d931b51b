"""Dead letters for admins: what failed every attempt, why, and a replay on request.

The payload (a client's message) is not shown, only its size: the error, the conversation key and
the attempts say what went wrong; a replay puts the payload back into its queue.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from cabinet_api.services import DeadLetterView
from handoff.console.context import Caller, context
from handoff.console.errors import ConsoleError
from handoff.console.schemas import DeadLetterQuery


async def dead_letters(request: web.Request, caller: Caller) -> web.Response:
    query = DeadLetterQuery.model_validate(dict(request.query))
    letters = await context(request).cabinet.dead_letters.list(limit=query.limit, before_id=query.before)
    return web.json_response({"items": [_letter_json(letter) for letter in letters]})


async def replay(request: web.Request, caller: Caller) -> web.Response:
    raw_id = request.match_info["letter_id"]
    if not raw_id.isdigit():
        raise ConsoleError(404, "not_found", "no such object")
    marked = await context(request).cabinet.dead_letters.request_replay([int(raw_id)])
    if not marked:
        raise ConsoleError(404, "not_found", "no such object")
    return web.json_response({"replay_requested": int(raw_id)}, status=202)


def _letter_json(letter: DeadLetterView) -> dict[str, Any]:
    return {
        "id": letter.id,
        "kind": letter.kind,
        "key": letter.key,
        "error": letter.error,
        "attempts": letter.attempts,
        "size": letter.size,
        "created_at": letter.created_at.isoformat(),
        "replay_requested_at": letter.replay_requested_at.isoformat() if letter.replay_requested_at else None,
    }

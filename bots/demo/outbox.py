"""The record of every API call a bot made to a fake platform, listed as JSON for tests and the simulator."""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bots.demo.registry import BotChoiceError, DemoBot, DemoBots

DEFAULT_CAPACITY = 10_000


@dataclass(frozen=True)
class RecordedCall:
    seq: int
    method: str
    token_id: str
    chat_id: str | None
    body: Mapping[str, Any]
    ok: bool
    error_code: int | None = None
    description: str | None = None
    result: Any = None
    at: float = field(default_factory=time.time)

    def as_json(self) -> dict[str, Any]:
        listed: dict[str, Any] = {
            "seq": self.seq,
            "method": self.method,
            "token_id": self.token_id,
            "chat_id": self.chat_id,
            "body": dict(self.body),
            "ok": self.ok,
            "at": self.at,
        }
        if self.ok:
            listed["result"] = self.result
        else:
            listed["error_code"] = self.error_code
            listed["description"] = self.description
        return listed


class Outbox:
    """Calls in the order they arrived, the oldest dropped beyond ``capacity``."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._calls: deque[RecordedCall] = deque(maxlen=capacity)
        self._seq = 0
        self._bots = DemoBots()
        self._token_id_of: Callable[[DemoBot], str] | None = None

    def record(
        self,
        method: str,
        *,
        token_id: str,
        chat_id: str | None,
        body: Mapping[str, Any],
        ok: bool,
        error_code: int | None = None,
        description: str | None = None,
        result: Any = None,
    ) -> RecordedCall:
        self._seq += 1
        call = RecordedCall(
            seq=self._seq,
            method=method,
            token_id=token_id,
            chat_id=chat_id,
            body=body,
            ok=ok,
            error_code=error_code,
            description=description,
            result=result,
        )
        self._calls.append(call)
        return call

    def calls(
        self,
        *,
        chat_id: str | None = None,
        after: int = 0,
        method: str | None = None,
        token_id: str | None = None,
    ) -> list[RecordedCall]:
        """Newest first until ``after``, then put in order: a client polling for what is new costs
        only the calls since its last look, not the whole outbox (thousands during a broadcast)."""
        newer = itertools.takewhile(lambda call: call.seq > after, reversed(self._calls))
        return [
            call
            for call in reversed(list(newer))
            if (chat_id is None or call.chat_id == chat_id)
            and (method is None or call.method == method)
            and (token_id is None or call.token_id == token_id)
        ]

    def clear(self) -> None:
        self._calls.clear()

    def add_routes(
        self,
        app: web.Application,
        prefix: str,
        bots: DemoBots | None = None,
        token_id_of: Callable[[DemoBot], str] | None = None,
    ) -> None:
        """``GET {prefix}/outbox[?chat_id=&after=&method=&bot=]`` lists; ``DELETE {prefix}/outbox`` clears.

        Without ``bot`` the list holds every bot's calls; ``token_id_of`` is how the fake records
        the calls of a bot ``bots`` knows by name.
        """
        self._bots = bots if bots is not None else DemoBots()
        self._token_id_of = token_id_of
        app.router.add_get(f"{prefix}/outbox", self._list)
        app.router.add_delete(f"{prefix}/outbox", self._clear)

    async def _list(self, request: web.Request) -> web.Response:
        query = request.query
        try:
            after = int(query.get("after", "0"))
        except ValueError:
            return web.json_response({"error": "after must be an integer"}, status=400)
        token_id = None
        if query.get("bot") and self._token_id_of is not None:
            try:
                bot = self._bots.choose(query["bot"])
            except BotChoiceError as error:
                return error.response
            token_id = None if bot is None else self._token_id_of(bot)
        calls = self.calls(
            chat_id=query.get("chat_id"), after=after, method=query.get("method"), token_id=token_id
        )
        return web.json_response({"calls": [call.as_json() for call in calls]})

    async def _clear(self, request: web.Request) -> web.Response:
        self.clear()
        return web.json_response({"cleared": True})

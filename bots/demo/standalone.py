"""The fake Telegram Bot API as a process of its own: the platform stand-in of the fault suite.

``python -m bots.demo.standalone --port 8181`` serves the fake Telegram of demo mode at the root
(``/bot{token}/{method}``, ``/updates?token=``, ``/outbox``, ``/control``), so an app in live mode
reaches it with ``OMNICAB_TELEGRAM_API_BASE=http://127.0.0.1:8181`` and survives the app's crashes.
It adds what a fault test needs to see from outside the app:

- ``GET /tally``: every message it took (``sendMessage`` answered ``ok``) as ``[chat_id, text]`` in
  the order taken, with ``open`` (calls being handled now) and ``cut_off`` (calls handled whose
  caller was gone before the answer) and ``late`` (calls the ``slow`` fault took and answered
  ``delay`` seconds late): together, the sends whose outcome the caller cannot know;
- ``POST /faults``: ``{"mode": "429" | "500" | "slow" | "none", "every": 3, "retry_after": 1,
  "delay": 5}``: every ``every``-th ``sendMessage`` answers 429 with ``retry_after`` or 500 without
  taking the message, or takes it and answers ``delay`` seconds late;
- ``GET /healthz``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from bots.app.heap import settle_after_start_up
from bots.demo.telegram import FakeTelegram
from bots.demo.telegram_api import ApiError

UNLIMITED = 1_000_000_000
FAULT_MODES = frozenset({"none", "429", "500", "slow"})


@dataclass
class FaultPlan:
    mode: str = "none"
    every: int = 1
    retry_after: int = 1
    delay: float = 5.0
    seen: int = 0

    def strikes(self) -> bool:
        """Whether this call is one the fault hits (counting only calls made while it is on)."""
        if self.mode == "none":
            return False
        self.seen += 1
        return self.seen % self.every == 0


@dataclass
class Tally:
    taken: list[tuple[str, str]] = field(default_factory=list)
    open: int = 0
    cut_off: int = 0
    late: int = 0
    refused: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "taken": [list(entry) for entry in self.taken],
            "open": self.open,
            "cut_off": self.cut_off,
            "late": self.late,
            "refused": self.refused,
        }


class StandIn:
    """The fake Telegram plus the tally and the faults of ``sendMessage``."""

    def __init__(self) -> None:
        # The fault suite lifts the app's own rate limits to load it; the 429s it sees are the ones it
        # asks for (``POST /faults``), not Telegram's per-bot limit.
        self.telegram = FakeTelegram(bot_messages_per_second=UNLIMITED)
        self.tally = Tally()
        self.plan = FaultPlan()

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._sends], client_max_size=64 * 1024 * 1024)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/tally", self._tally)
        app.router.add_post("/faults", self._faults)
        self.telegram.mount(app, "")
        return app

    @web.middleware
    async def _sends(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.match_info.get("method", "").lower() != "sendmessage":
            return await handler(request)
        self.tally.open += 1
        try:
            return await self._send(request, handler)
        finally:
            self.tally.open -= 1

    async def _send(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        plan = self.plan
        hit = plan.strikes()
        if hit and plan.mode in ("429", "500"):
            self.tally.refused += 1
            error = ApiError(500, "Internal Server Error")
            if plan.mode == "429":
                wait = plan.retry_after
                error = ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
            return web.json_response(error.envelope(), status=error.error_code)
        response = await handler(request)
        taken = _taken(response)
        if taken is not None:
            self.tally.taken.append(taken)
        if hit and plan.mode == "slow":
            # Taken, then answered past the caller's time-out: the caller cannot know the outcome.
            # Counted as such, since whether the server has noticed the caller leave yet is a race.
            self.tally.late += 1
            await asyncio.sleep(plan.delay)
        elif request.transport is None or request.transport.is_closing():
            self.tally.cut_off += 1
        return response

    async def _tally(self, request: web.Request) -> web.Response:
        return web.json_response(self.tally.as_json())

    async def _faults(self, request: web.Request) -> web.Response:
        try:
            command = await request.json()
            mode = str(command.get("mode", "none"))
            every = int(command.get("every", 1))
            retry_after = int(command.get("retry_after", 1))
            delay = float(command.get("delay", 5.0))
        except (ValueError, TypeError, AttributeError) as error:
            return web.json_response({"error": f"bad fault command: {error}"}, status=400)
        if mode not in FAULT_MODES or every < 1 or retry_after < 0 or delay < 0:
            wanted = f"mode is one of {sorted(FAULT_MODES)}, every >= 1"
            return web.json_response({"error": wanted}, status=400)
        self.plan = FaultPlan(mode=mode, every=every, retry_after=retry_after, delay=delay)
        return web.json_response({"ok": True, "mode": mode})

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})


def _taken(response: web.StreamResponse) -> tuple[str, str] | None:
    if not isinstance(response, web.Response) or response.status != 200 or response.body is None:
        return None
    body = response.body
    if not isinstance(body, bytes | bytearray):
        return None
    result = json.loads(body).get("result")
    if not isinstance(result, dict):
        return None
    return str(result.get("chat", {}).get("id")), str(result.get("text", ""))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8181)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    app = StandIn().app()
    app.on_startup.append(settle_after_start_up)
    web.run_app(app, host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()

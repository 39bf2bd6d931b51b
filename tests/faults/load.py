"""The load of a fault test and the figures it is judged by.

Each chat sends ``m1``, ``m2``, ... one after the other through the platform stand-in, which
delivers them to the app's webhook as Telegram does; like Telegram, the stand-in's caller keeps
redelivering an update the webhook did not answer 200 (with back-off, up to ``give_up_after``).
An update is *accepted* once the webhook answered 200. The bot answers ``m<N>`` with ``e<N>``,
so what the stand-in took tells, per chat, which messages were answered, twice, or out of order.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.faults.processes import BOT_TOKEN, StandIn

REPLY = re.compile(r"e(\d+)")
FIRST_CHAT = 610_000


def update(update_id: int, chat_id: int, text: str, *, first_name: str | None = None) -> dict[str, Any]:
    sender = {
        "id": chat_id,
        "is_bot": False,
        "first_name": first_name or f"Chat{chat_id}",
        "language_code": "ru",
    }
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": sender["first_name"]},
            "from": sender,
            "text": text,
        },
    }


def poison_bodies(update_id: int, chat_id: int) -> list[bytes]:
    """What no well-behaved platform sends but a webhook must survive: NUL in a text and in a name,
    a lone surrogate, a body nested 250 levels deep."""
    nul_text = json.dumps(update(update_id, chat_id, "nul \x00 in text")).encode()
    nul_name = json.dumps(update(update_id + 1, chat_id, "nul in name", first_name="Na\x00me")).encode()
    surrogate = json.dumps(update(update_id + 2, chat_id, "lone \ud800 surrogate")).encode()
    deep = update(update_id + 3, chat_id, "deep")
    nested: Any = "bottom"
    for _ in range(250):
        nested = {"n": nested}
    deep["message"]["deep"] = nested
    return [nul_text, nul_name, surrogate, json.dumps(deep).encode()]


@dataclass
class Load:
    """``chats`` chats, each sending ``messages`` numbered messages, all chats at once."""

    stand_in: StandIn
    chats: int = 60
    messages: int = 10
    poison_every: int = 0
    duplicates_at_once: bool = False
    give_up_after: float = 45.0
    on_accepted: Callable[[int], Awaitable[None]] | None = None
    accepted: set[tuple[str, int]] = field(default_factory=set)
    redeliveries: int = 0
    poison_sent: int = 0
    server_errors: int = 0
    bodies: dict[tuple[str, int], bytes] = field(default_factory=dict)

    async def run(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=35)) as http:
            await asyncio.gather(*(self._chat(http, index) for index in range(self.chats)))

    async def redeliver(self, keys: list[tuple[str, int]]) -> list[int]:
        """The given accepted updates once more, as a platform's late redelivery; their statuses."""
        async with aiohttp.ClientSession() as http:
            return [await self._post(http, self.bodies[key]) for key in keys]

    async def _chat(self, http: aiohttp.ClientSession, index: int) -> None:
        chat_id = FIRST_CHAT + index
        for seq in range(1, self.messages + 1):
            update_id = chat_id * 1000 + seq * 10
            if self.poison_every and seq % self.poison_every == 0:
                for body in poison_bodies(update_id + 1, chat_id):
                    self.poison_sent += 1
                    if await self._post(http, body) >= 500:
                        self.server_errors += 1
            body = json.dumps(update(update_id, chat_id, f"m{seq}")).encode()
            if await self._deliver(http, body):
                self.accepted.add((str(chat_id), seq))
                self.bodies[(str(chat_id), seq)] = body
                if self.on_accepted is not None:
                    await self.on_accepted(len(self.accepted))

    async def _deliver(self, http: aiohttp.ClientSession, body: bytes) -> bool:
        """Posts until the webhook answers 200, as the platform redelivers; False if it never does."""
        deadline = time.monotonic() + self.give_up_after
        delay = 0.1
        while True:
            if self.duplicates_at_once:
                statuses = await asyncio.gather(self._post(http, body), self._post(http, body))
                status = 200 if 200 in statuses else statuses[0]
            else:
                status = await self._post(http, body)
            if status == 200:
                return True
            if time.monotonic() > deadline:
                return False
            self.redeliveries += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def _post(self, http: aiohttp.ClientSession, body: bytes) -> int:
        try:
            async with http.post(
                f"{self.stand_in.url}/updates",
                params={"token": BOT_TOKEN},
                data=body,
                headers={"Content-Type": "application/json"},
            ) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, TimeoutError):
            return 599


@dataclass(frozen=True)
class Figures:
    accepted: int
    answered: int
    unanswered: int
    unknown: int
    in_flight: int
    lost: int
    doubled: int
    out_of_order: int
    redeliveries: int

    def __str__(self) -> str:
        return (
            f"accepted={self.accepted} answered={self.answered} lost={self.lost} doubled={self.doubled} "
            f"unknown={self.unknown} (in flight at the fault: {self.in_flight}) "
            f"out_of_order={self.out_of_order} unanswered={self.unanswered} "
            f"redeliveries={self.redeliveries}"
        )

    def check(self) -> None:
        """What every fault test requires."""
        assert self.lost == 0, f"lost: {self}"
        assert self.doubled == 0, f"doubled: {self}"
        assert self.out_of_order == 0, f"out of order: {self}"
        assert self.unknown <= self.in_flight, f"more unknown than sends in flight: {self}"


def replies_by_chat(taken: list[list[str]]) -> dict[str, list[int]]:
    by_chat: dict[str, list[int]] = {}
    for chat_id, text in taken:
        if match := REPLY.fullmatch(text):
            by_chat.setdefault(chat_id, []).append(int(match.group(1)))
    return by_chat


def figures(load: Load, taken: list[list[str]], *, unknown: int, in_flight: int) -> Figures:
    """``lost`` are accepted messages without an answer that no "unknown" outcome accounts for."""
    by_chat = replies_by_chat(taken)
    counts = Counter((chat, seq) for chat, seqs in by_chat.items() for seq in seqs)
    answered = sum(1 for key in load.accepted if counts[key])
    doubled = sum(count - 1 for count in counts.values() if count > 1)
    out_of_order = 0
    for seqs in by_chat.values():
        highest = 0
        seen: set[int] = set()
        for seq in seqs:
            if seq in seen:
                continue
            seen.add(seq)
            if seq < highest:
                out_of_order += 1
            highest = max(highest, seq)
    unanswered = len(load.accepted) - answered
    return Figures(
        accepted=len(load.accepted),
        answered=answered,
        unanswered=unanswered,
        unknown=unknown,
        in_flight=in_flight,
        lost=max(0, unanswered - unknown),
        doubled=doubled,
        out_of_order=out_of_order,
        redeliveries=load.redeliveries,
    )


async def settled_tally(load: Load, *, quiet_for: float = 20.0, at_most: float = 240.0) -> list[list[str]]:
    """What the stand-in took once every accepted message is answered, or nothing changed for
    ``quiet_for`` seconds (then the figures say what is missing), at most ``at_most`` seconds."""
    deadline = time.monotonic() + at_most
    last: list[list[str]] = []
    changed = time.monotonic()
    while True:
        taken = list((await load.stand_in.tally())["taken"])  # type: ignore[call-overload]
        if len(taken) != len(last):
            last, changed = taken, time.monotonic()
        by_chat = replies_by_chat(taken)
        answered = {(chat, seq) for chat, seqs in by_chat.items() for seq in seqs}
        everything = load.accepted <= answered
        now = time.monotonic()
        if (everything and now - changed > 1.0) or now - changed > quiet_for or now > deadline:
            return taken
        await asyncio.sleep(0.2)

"""A broadcast to a crowd of demo clients through the fake platforms, measured: one implementation for
the broadcast tests and ``bench/broadcast.py``.

Every member of the crowd is a real user of its fake platform, made by the platform's own event:
Telegram users unblock the bot (``my_chat_member``) and Viber users subscribe, both of which make a
client without a dialog turn; WhatsApp users must write first (the Cloud API reaches only users who
did), so they say hello and get the bot's answer. The events go through the webhooks a fixed number
at a time, so the app works at its pace rather than one client after another.

While the broadcast goes out, live Telegram users keep talking to the bot the way people do: a
message, the bot's answer, a pause to read it, the next message. Each live reply's latency runs from
the webhook POST to the bot's first reply reaching the fake Telegram.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.support.console_user import ConsoleUser
from tests.support.telegram_user import TelegramUser
from tests.support.waiting import drained, eventually

CHANNELS = ("telegram", "viber", "whatsapp")
RATE_LIMIT_CODES = {"telegram": {429}, "viber": {12}, "whatsapp": {130429, 131056}}
"""The error each fake answers when a platform limit is broken."""

ARRIVING_AT_ONCE = 32
"""Webhook events in flight at once while a crowd arrives."""

REDELIVERIES = 5
REDELIVER_AFTER = 0.5
"""Seconds before an event the webhook refused is delivered again (times the attempt)."""

BOT_USER = {"id": 7000000042, "is_bot": True, "first_name": "Legal"}
_tokens = itertools.count(7_100_000_000_000_000_000)


@dataclass(frozen=True)
class Crowd:
    telegram: tuple[int, ...]
    viber: tuple[str, ...]
    whatsapp: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.telegram) + len(self.viber) + len(self.whatsapp)

    def chats(self, channel: str) -> set[str]:
        return {str(chat) for chat in getattr(self, channel)}


def crowd(per_channel: int, *, start: int = 0, channels: Iterable[str] = CHANNELS) -> Crowd:
    numbers = range(start, start + per_channel)
    wanted = set(channels)
    return Crowd(
        telegram=tuple(800_000 + n for n in numbers) if "telegram" in wanted else (),
        viber=tuple(f"crowd{n:06d}AAAAAAAAAAAA==" for n in numbers) if "viber" in wanted else (),
        whatsapp=tuple(f"7955{n:07d}" for n in numbers) if "whatsapp" in wanted else (),
    )


def _telegram_update(user_id: int) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": f"Клиент {user_id}", "language_code": "ru"}
    return {
        "my_chat_member": {
            "chat": {"id": user_id, "type": "private", "first_name": user["first_name"]},
            "from": user,
            "date": int(time.time()),
            "old_chat_member": {"user": BOT_USER, "status": "kicked", "until_date": 0},
            "new_chat_member": {"user": BOT_USER, "status": "member"},
        }
    }


def _viber_callback(user_id: str) -> dict[str, Any]:
    return {
        "event": "subscribed",
        "timestamp": int(time.time() * 1000),
        "message_token": next(_tokens),
        "user": {"id": user_id, "name": "Клиент", "language": "ru", "country": "RU", "api_version": 10},
    }


def _whatsapp_message(wa_id: str) -> dict[str, Any]:
    value = {
        "contacts": [{"profile": {"name": "Клиент"}, "wa_id": wa_id}],
        "messages": [
            {
                "from": wa_id,
                "timestamp": str(int(time.time())),
                "type": "text",
                "text": {"body": "Здравствуйте"},
            }
        ],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"changes": [{"field": "messages", "value": value}]}],
    }


async def _at_most(jobs: Iterable[Callable[[], Awaitable[None]]], at_once: int) -> None:
    """Runs ``jobs`` with at most ``at_once`` of them in flight: a new one starts as soon as one ends."""
    pending = iter(jobs)

    async def worker() -> None:
        for job in pending:
            await job()

    await asyncio.gather(*(worker() for _ in range(at_once)))


async def arrive(
    http: aiohttp.ClientSession, base_url: str, people: Crowd, *, at_once: int = ARRIVING_AT_ONCE
) -> None:
    """Every member of the crowd reaches the bot through its own platform, each webhook answered 200 in
    the end: an event the app answered 503 (its inbox unavailable for a moment) is delivered again, as
    every platform redelivers what a webhook did not accept."""

    def post(channel: str, body: dict[str, Any]) -> Callable[[], Awaitable[None]]:
        async def job() -> None:
            for attempt in itertools.count(1):
                async with http.post(f"{base_url}/fake/{channel}/updates", json=body) as response:
                    if response.status == 200:
                        return
                    answer = await response.text()
                assert response.status == 503, answer
                assert attempt < REDELIVERIES, answer
                await asyncio.sleep(REDELIVER_AFTER * attempt)

        return job

    await _at_most(
        itertools.chain(
            (post("telegram", _telegram_update(user)) for user in people.telegram),
            (post("viber", _viber_callback(user)) for user in people.viber),
            (post("whatsapp", _whatsapp_message(user)) for user in people.whatsapp),
        ),
        at_once,
    )


async def audience_size(supervisor: ConsoleUser, audience: dict[str, Any]) -> int:
    return int((await supervisor.post("/broadcasts/preview", audience))["total"])


async def settle(
    http: aiohttp.ClientSession, base_url: str, supervisor: ConsoleUser, expected: int, *, within: float
) -> None:
    """Waits until ``expected`` clients may get a broadcast and the app has handled all it accepted
    (the bot's answers to the WhatsApp greetings sent)."""

    async def known() -> bool:
        return await audience_size(supervisor, {}) >= expected

    await eventually(known, f"{expected} clients in the audience", within=within, every=0.25)
    await eventually(
        lambda: drained(http, base_url, within=5.0), "every event handled", within=within, every=0.25
    )


async def set_up(
    http: aiohttp.ClientSession,
    base_url: str,
    supervisor: ConsoleUser,
    people: Crowd,
    *,
    already: int = 0,
    within: float = 120.0,
) -> None:
    """The crowd arrives and the app settles: all of it (and the ``already`` known) in the audience."""
    await arrive(http, base_url, people)
    await settle(http, base_url, supervisor, people.size + already, within=within)


async def calls(
    http: aiohttp.ClientSession, base_url: str, channel: str, *, after: int = 0
) -> list[dict[str, Any]]:
    """The calls the bots made to a fake platform, those after the sequence number ``after``."""
    async with http.get(f"{base_url}/fake/{channel}/outbox", params={"after": str(after)}) as response:
        assert response.status == 200
        return list((await response.json())["calls"])


async def last_seq(http: aiohttp.ClientSession, base_url: str, channel: str) -> int:
    return max([0, *(call["seq"] for call in await calls(http, base_url, channel))])


def refused_for_rate(channel: str, listed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [call for call in listed if not call["ok"] and call.get("error_code") in RATE_LIMIT_CODES[channel]]


def carrying(listed: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """Calls that delivered ``text`` (in whichever field the platform keeps it)."""
    return [call for call in listed if call["ok"] and text in repr(call["body"])]


def busiest(listed: list[dict[str, Any]], window: float) -> int:
    """The most calls the platform received within any ``window`` seconds."""
    stamps = sorted(call["at"] for call in listed)
    most, first = 0, 0
    for last, stamp in enumerate(stamps):
        while stamp - stamps[first] >= window:
            first += 1
        most = max(most, last - first + 1)
    return most


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


@dataclass(frozen=True)
class ChannelOutcome:
    """What one fake platform saw of a broadcast."""

    delivered: list[dict[str, Any]]
    refused_for_rate: list[dict[str, Any]]
    busiest_second: int

    @property
    def reached(self) -> set[str]:
        return {str(call["chat_id"]) for call in self.delivered}

    @property
    def per_second(self) -> float:
        stamps = [call["at"] for call in self.delivered]
        spread = max(stamps) - min(stamps) if len(stamps) > 1 else 0.0
        return len(stamps) / spread if spread else float("nan")


@dataclass(frozen=True)
class BroadcastRun:
    recipients: int
    setup_seconds: float
    sending_seconds: float
    channels: dict[str, ChannelOutcome]
    latencies: list[float] = field(default_factory=list)
    live_reply_seqs: list[int] = field(default_factory=list)
    """Where each live message's first reply stands in the fake Telegram's sequence of calls."""

    def report(self) -> str:
        lines = [
            f"{self.recipients} clients set up in {self.setup_seconds:.1f} s, "
            f"the broadcast sent to them in {self.sending_seconds:.1f} s"
        ]
        for channel, seen in self.channels.items():
            lines.append(
                f"  {channel:9} {len(seen.delivered):6d} sent, {seen.per_second:6.1f}/s, busiest second "
                f"{seen.busiest_second}, refused for a limit: {len(seen.refused_for_rate)}"
            )
        if self.latencies:
            p50, p95, p99, most = (
                percentile(self.latencies, share) * 1000 for share in (0.5, 0.95, 0.99, 1.0)
            )
            lines.append(
                f"live replies during it: {len(self.latencies)}, "
                f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms, max {most:.0f} ms"
            )
        return "\n".join(lines)


async def _live_user(
    live: TelegramUser, pause: float, sending: asyncio.Event, latencies: list[float], seqs: list[int]
) -> None:
    """Writes to the bot while the broadcast is being sent (at least once): each message's time until
    the bot's first reply, then a pause to read the whole answer."""
    while sending.is_set() or not latencies:
        started = time.perf_counter()
        status, _ = await live.post_update(live.message_update("меню"))
        assert status == 200

        async def replied() -> list[dict[str, Any]]:
            return await live.calls(after=live.seen_seq, method="sendMessage")

        fresh = await eventually(replied, "a live reply", within=120, every=0.03)
        latencies.append(time.perf_counter() - started)
        seqs.append(min(call["seq"] for call in fresh))
        live.seen_seq = max(call["seq"] for call in fresh)
        await asyncio.sleep(pause)  # the person reads the answer; its other messages arrive meanwhile
        live.seen_seq = max([live.seen_seq, *(call["seq"] for call in await live.calls(after=live.seen_seq))])


async def broadcast_to_a_crowd(
    http: aiohttp.ClientSession,
    base_url: str,
    supervisor: ConsoleUser,
    people: Crowd,
    text: str,
    *,
    live_users: int = 1,
    pause: float = 3.0,
    buttons: list[dict[str, Any]] | None = None,
    within: float = 900.0,
) -> BroadcastRun:
    """Sets the crowd up, sends it one broadcast from the console while ``live_users`` talk to the bot,
    and reads back from the fakes what each platform received.

    ``pause`` is the live users' reading time between messages; Telegram allows about one message a
    second per chat, so a shorter pause than an answer's length in messages would queue their replies.
    """
    live = [
        TelegramUser(http, base_url, user_id=7_190_000 + n, first_name=f"Лев {n}") for n in range(live_users)
    ]
    started = time.perf_counter()
    for user in live:
        await user.send("/start")
    await set_up(http, base_url, supervisor, people, already=live_users, within=within)
    setup_seconds = time.perf_counter() - started
    marks = {channel: await last_seq(http, base_url, channel) for channel in CHANNELS}

    body = {"title": "Новости", "text": text, "buttons": buttons or [], "audience": {}}
    created = await supervisor.post("/broadcasts", body, expect=201)
    broadcast_id = created["broadcast"]["id"]
    started = time.perf_counter()
    await supervisor.post(f"/broadcasts/{broadcast_id}/schedule")
    sending, latencies, seqs = asyncio.Event(), [], []
    sending.set()
    talking = [asyncio.create_task(_live_user(user, pause, sending, latencies, seqs)) for user in live]

    async def finished() -> dict[str, Any] | None:
        found = (await supervisor.get(f"/broadcasts/{broadcast_id}"))["broadcast"]
        return found if found["status"] == "done" and found["progress"]["in_flight"] == 0 else None

    try:
        done = await eventually(finished, "the broadcast is done", within=within, every=0.5)
        sending_seconds = time.perf_counter() - started
    finally:
        sending.clear()
        await asyncio.gather(*talking)
    outcome = {}
    for channel in CHANNELS:
        listed = await calls(http, base_url, channel, after=marks[channel])
        delivered = carrying(listed, text)
        outcome[channel] = ChannelOutcome(
            delivered=delivered,
            refused_for_rate=refused_for_rate(channel, listed),
            busiest_second=busiest([call for call in listed if call["ok"]], 1.0),
        )
    return BroadcastRun(
        recipients=int(done["progress"]["total"]),
        setup_seconds=setup_seconds,
        sending_seconds=sending_seconds,
        channels=outcome,
        latencies=latencies,
        live_reply_seqs=seqs,
    )

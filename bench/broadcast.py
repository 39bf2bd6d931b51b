"""Live replies during a broadcast: their latency while thousands of clients get a message.

Starts the demo app (``omnicab run --demo``) with every platform's real limits (Telegram 30 a second
per bot, Viber's, WhatsApp 80 a second per number) unless ``--url`` names a running one. ``--clients``
demo clients reach the bot through the fake platforms, split over Telegram (the bot unblocked),
Viber (subscribed) and WhatsApp (a first message, which the Cloud API requires before any other).
A supervisor then sends one broadcast to all of them from the console API; while it goes out,
``--live-users`` Telegram users keep writing to the bot, one message every ``--every`` seconds each,
and the time from the webhook POST to the bot's first reply reaching the fake Telegram is taken.

Prints how long the broadcast took, the messages a second per channel, the answers the fakes gave
for breaking a limit (429 on Telegram, status 12 on Viber, 130429 / 131056 on WhatsApp: there
should be none), and the live replies' p50 / p95 / p99.

    .venv/bin/python bench/broadcast.py --clients 5000
    .venv/bin/python bench/broadcast.py --clients 300 --live-users 3
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import aiohttp
from throughput import app_environment, free_port, spawn_app, telegram_update, wait_ready

CHANNELS = ("telegram", "viber", "whatsapp")
LIMIT_CODES = {"telegram": {429}, "viber": {12}, "whatsapp": {130429, 131056}}
BOT_USER = {"id": 7000000042, "is_bot": True, "first_name": "Legal"}
TEXT = "Здравствуйте! С 1 декабря письменная консультация юриста — за 24 часа вместо 48."
_tokens = itertools.count(7_200_000_000_000_000_000)
_updates = itertools.count(500_000_000)


def _telegram(user_id: int) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": f"Client{user_id}", "language_code": "ru"}
    return {
        "my_chat_member": {
            "chat": {"id": user_id, "type": "private", "first_name": user["first_name"]},
            "from": user,
            "date": int(time.time()),
            "old_chat_member": {"user": BOT_USER, "status": "kicked", "until_date": 0},
            "new_chat_member": {"user": BOT_USER, "status": "member"},
        }
    }


def _viber(user_id: str) -> dict[str, Any]:
    profile = {"id": user_id, "name": "Client", "language": "ru", "country": "RU", "api_version": 10}
    return {
        "event": "subscribed",
        "timestamp": int(time.time() * 1000),
        "message_token": next(_tokens),
        "user": profile,
    }


def _whatsapp(wa_id: str) -> dict[str, Any]:
    message = {
        "from": wa_id,
        "timestamp": str(int(time.time())),
        "type": "text",
        "text": {"body": "Здравствуйте"},
    }
    value = {"contacts": [{"profile": {"name": "Client"}, "wa_id": wa_id}], "messages": [message]}
    return {
        "object": "whatsapp_business_account",
        "entry": [{"changes": [{"field": "messages", "value": value}]}],
    }


async def _chunked(jobs: list[Awaitable[None]], size: int = 50) -> None:
    for start in range(0, len(jobs), size):
        await asyncio.gather(*jobs[start : start + size])


async def _post(http: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> None:
    async with http.post(url, json=body) as response:
        if response.status != 200:
            raise RuntimeError(f"{url}: {response.status} {await response.text()}")


async def populate(http: aiohttp.ClientSession, base: str, clients: int) -> None:
    share = clients // 3
    counts = {"telegram": clients - 2 * share, "viber": share, "whatsapp": share}
    jobs: list[Awaitable[None]] = []
    jobs += [
        _post(http, f"{base}/fake/telegram/updates", _telegram(900_000 + n))
        for n in range(counts["telegram"])
    ]
    jobs += [
        _post(http, f"{base}/fake/viber/updates", _viber(f"bench{n:07d}AAAAAAAAAAA=="))
        for n in range(counts["viber"])
    ]
    jobs += [
        _post(http, f"{base}/fake/whatsapp/updates", _whatsapp(f"7966{n:07d}"))
        for n in range(counts["whatsapp"])
    ]
    await _chunked(jobs)


class Console:
    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http, self.api, self.csrf = http, f"{base}/console/api", ""

    async def login(self) -> None:
        async with self.http.post(f"{self.api}/login", json={"login": "supervisor", "password": "demo"}) as r:
            self.csrf = (await r.json())["csrf"]

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"X-CSRF-Token": self.csrf} if method != "GET" else {}
        async with self.http.request(method, f"{self.api}{path}", json=body, headers=headers) as r:
            answer = await r.json()
            if r.status >= 400:
                raise RuntimeError(f"{method} {path}: {r.status} {answer}")
            return answer


async def _fake_calls(
    http: aiohttp.ClientSession, base: str, channel: str, **params: str
) -> list[dict[str, Any]]:
    async with http.get(f"{base}/fake/{channel}/outbox", params=params) as response:
        return list((await response.json())["calls"])


async def live_user(
    http: aiohttp.ClientSession,
    base: str,
    user_id: int,
    every: float,
    stop: asyncio.Event,
    latencies: list[float],
) -> None:
    """Writes to the bot until ``stop``; each message's time until the bot's first reply."""
    seen = 0
    while not stop.is_set():
        started = time.perf_counter()
        await _post(http, f"{base}/fake/telegram/updates", telegram_update(next(_updates), user_id, "меню"))
        while True:
            fresh = await _fake_calls(
                http, base, "telegram", chat_id=str(user_id), after=str(seen), method="sendMessage"
            )
            if fresh:
                latencies.append(time.perf_counter() - started)
                seen = max(call["seq"] for call in fresh)
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(max(0.0, every - (time.perf_counter() - started)))
        # Replies that trail the first one belong to this round, not the next.
        seen = max(
            [
                seen,
                *(
                    c["seq"]
                    for c in await _fake_calls(http, base, "telegram", chat_id=str(user_id), after=str(seen))
                ),
            ]
        )


@contextlib.asynccontextmanager
async def demo_app(args: argparse.Namespace) -> AsyncIterator[str]:
    if args.url:
        yield args.url
        return
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = app_environment(port, tmp, database=args.database, redis=args.redis, platform_limits=True)
        process = await spawn_app(env)
        base = f"http://127.0.0.1:{port}"
        try:
            await wait_ready(base)
            yield base
        finally:
            process.terminate()
            await process.wait()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


async def run(args: argparse.Namespace) -> None:
    timeout = aiohttp.ClientTimeout(total=60)
    async with (
        demo_app(args) as base,
        aiohttp.ClientSession(timeout=timeout, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http,
    ):
        console = Console(http, base)
        await console.login()
        await populate(http, base, args.clients)
        for _ in range(1200):
            if (await console.call("POST", "/broadcasts/preview", {}))["total"] >= args.clients:
                break
            await asyncio.sleep(0.25)
        marks = {
            channel: max([0, *(c["seq"] for c in await _fake_calls(http, base, channel))])
            for channel in CHANNELS
        }
        created = await console.call("POST", "/broadcasts", {"title": "bench", "text": TEXT, "audience": {}})
        broadcast = created["broadcast"]["id"]
        started = time.perf_counter()
        await console.call("POST", f"/broadcasts/{broadcast}/schedule", {})
        stop, latencies = asyncio.Event(), []
        users = [
            asyncio.create_task(live_user(http, base, 990_000 + n, args.every, stop, latencies))
            for n in range(args.live_users)
        ]
        while True:
            found = (await console.call("GET", f"/broadcasts/{broadcast}"))["broadcast"]
            if found["status"] == "done" and found["progress"]["in_flight"] == 0:
                break
            await asyncio.sleep(0.5)
        took = time.perf_counter() - started
        stop.set()
        await asyncio.gather(*users)
        print(f"broadcast to {found['progress']['total']} clients in {took:.1f} s")
        for channel in CHANNELS:
            listed = await _fake_calls(http, base, channel, after=str(marks[channel]))
            sent = [c for c in listed if c["ok"] and TEXT in repr(c["body"])]
            refused = [c for c in listed if not c["ok"] and c.get("error_code") in LIMIT_CODES[channel]]
            spread = (max(c["at"] for c in sent) - min(c["at"] for c in sent)) if len(sent) > 1 else 0.0
            rate = len(sent) / spread if spread else float("nan")
            print(f"  {channel:9} {len(sent):6d} sent, {rate:6.1f}/s, refused for a limit: {len(refused)}")
        if latencies:
            p50, p95, p99 = (
                statistics.median(latencies) * 1000,
                _percentile(latencies, 0.95) * 1000,
                _percentile(latencies, 0.99) * 1000,
            )
            print(
                f"live replies during it: {len(latencies)}, p50 {p50:.0f} ms, p95 {p95:.0f}, p99 {p99:.0f} ms"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--live-users", type=int, default=5)
    parser.add_argument("--every", type=float, default=1.0, help="seconds between a live user's messages")
    parser.add_argument("--url", help="a running demo app instead of spawning one")
    parser.add_argument("--database", help="e.g. postgresql+asyncpg://postgres@127.0.0.1/bench")
    parser.add_argument("--redis", help="e.g. redis://127.0.0.1:6379/14")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

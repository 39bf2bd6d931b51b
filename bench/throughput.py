"""Throughput and latency of one message end to end, through the real webhook path.

Starts the demo app (``omnicab run --demo``) on a free loopback port unless ``--url`` names a
running one, then has ``--users`` simulated Telegram users each send ``--rounds`` updates, a
round at a time, through the fake Telegram (``POST /fake/telegram/updates``), which signs each
one with the registered secret and delivers it to ``POST /webhooks/legal/telegram`` as
Telegram does. Latency runs from just before
the webhook POST to the moment the fake Telegram API received the bot's first reply for that
chat (the fake stamps every call). Prints messages per second and p50 / p95 / p99 latency.

Telegram's own limits (30 messages/s per bot, about 1/s per chat) are enforced by the outbox;
they would cap this figure at Telegram's rate, so the spawned app lifts them unless
``--platform-limits`` is given.

    .venv/bin/python bench/throughput.py --users 100 --rounds 5
    .venv/bin/python bench/throughput.py --redis redis://127.0.0.1:6379/14 \
        --database postgresql+asyncpg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def app_environment(
    port: int, data_dir: str, *, database: str | None, redis: str | None, platform_limits: bool
) -> dict[str, str]:
    """The environment of a spawned demo app; without ``redis`` it runs on the embedded defaults."""
    env = {
        **os.environ,
        "OMNICAB_PORT": str(port),
        "OMNICAB_DATA_DIR": data_dir,
        "OMNICAB_DATABASE_URL": database or f"sqlite+aiosqlite:///{data_dir}/bench.db",
        "OMNICAB_LOG_LEVEL": "WARNING",
    }
    env.pop("OMNICAB_REDIS_URL", None)
    if not platform_limits:
        env["OMNICAB_TELEGRAM_RATE_PER_SECOND"] = "100000"
        env["OMNICAB_TELEGRAM_CHAT_RATE_PER_SECOND"] = "100000"
        env["OMNICAB_TELEGRAM_CHAT_BURST"] = "1000"
    if redis:
        env["OMNICAB_REDIS_URL"] = redis
    return env


async def spawn_app(env: dict[str, str], *, quiet: bool = False) -> asyncio.subprocess.Process:
    """``omnicab run --demo``; ``quiet`` drops its log too."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bots.app.cli",
        "run",
        "--demo",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL if quiet else None,
    )


@contextlib.asynccontextmanager
async def _demo_app(args: argparse.Namespace) -> AsyncIterator[str]:
    if args.url:
        yield args.url
        return
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = app_environment(
            port, tmp, database=args.database, redis=args.redis, platform_limits=args.platform_limits
        )
        process = await spawn_app(env)
        base = f"http://127.0.0.1:{port}"
        try:
            await wait_ready(base)
            yield base
        finally:
            process.terminate()
            await process.wait()


async def wait_ready(base: str) -> None:
    """Up to two minutes: aiogram alone takes several seconds to import on a busy machine."""
    async with aiohttp.ClientSession() as http:
        for _ in range(1200):
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(
                    f"{base}/fake/telegram/outbox", params={"method": "setWebhook"}
                ) as response:
                    if response.status == 200 and (await response.json())["calls"]:
                        return
            await asyncio.sleep(0.1)
    raise RuntimeError("the app did not come up")


def telegram_update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": "ru"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": user["first_name"]},
            "from": user,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}]
            if text.startswith("/")
            else [],
        },
    }


async def _replies_after(http: aiohttp.ClientSession, base: str, seq: int) -> list[dict[str, Any]]:
    async with http.get(
        f"{base}/fake/telegram/outbox", params={"after": str(seq), "method": "sendMessage"}
    ) as r:
        return list((await r.json())["calls"])


async def _post(
    http: aiohttp.ClientSession, base: str, update: dict[str, Any], sent_at: dict[int, float]
) -> None:
    sent_at[update["message"]["chat"]["id"]] = time.time()
    async with http.post(f"{base}/fake/telegram/updates", json=update) as response:
        if response.status != 200:
            raise RuntimeError(f"webhook answered {response.status}: {await response.text()}")


async def _first_replies(
    http: aiohttp.ClientSession, base: str, seq: int, sent_at: dict[int, float]
) -> tuple[dict[int, float], int]:
    first: dict[int, float] = {}
    deadline = time.time() + 60
    while len(first) < len(sent_at) and time.time() < deadline:
        for call in await _replies_after(http, base, seq):
            seq = max(seq, call["seq"])
            chat = int(call["body"]["chat_id"])
            if chat in sent_at and chat not in first and call["ok"]:
                first[chat] = call["at"]
        await asyncio.sleep(0.02)
    if len(first) < len(sent_at):
        raise RuntimeError(f"{len(sent_at) - len(first)} users got no reply within 60 s")
    return first, seq


async def run(args: argparse.Namespace) -> dict[str, float]:
    latencies: list[float] = []
    async with _demo_app(args) as base:
        connector = aiohttp.TCPConnector(limit=args.connections)
        async with aiohttp.ClientSession(connector=connector) as http:
            seq = max((c["seq"] for c in await _replies_after(http, base, 0)), default=0)
            users = [100_000 + n for n in range(args.users)]
            update_id = 1
            started = time.time()
            for round_no in range(args.rounds):
                text = "/start" if round_no % 2 == 0 else "меню"
                sent_at: dict[int, float] = {}
                updates = [telegram_update(update_id + n, user, text) for n, user in enumerate(users)]
                update_id += len(users)
                await asyncio.gather(*(_post(http, base, update, sent_at) for update in updates))
                first, seq = await _first_replies(http, base, seq, sent_at)
                latencies.extend(first[user] - sent_at[user] for user in users)
            elapsed = time.time() - started
    latencies.sort()
    total = len(latencies)
    return {
        "messages": total,
        "seconds": elapsed,
        "messages_per_second": total / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[int(0.95 * (total - 1))],
        "p99_ms": 1000 * latencies[int(0.99 * (total - 1))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--url", help="a running demo app (omnicab run --demo)")
    parser.add_argument("--redis", help="OMNICAB_REDIS_URL for the spawned app")
    parser.add_argument("--database", help="OMNICAB_DATABASE_URL for the spawned app")
    parser.add_argument("--platform-limits", action="store_true", help="keep Telegram's rate limits on")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    backend = "Redis" if args.redis else "in-process"
    database = "PostgreSQL" if args.database else "SQLite"
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{database} + {backend} state"
    )
    print(
        f"{result['messages']} messages from {args.users} users in {result['seconds']:.1f}s: "
        f"{result['messages_per_second']:.0f} msg/s, latency p50 {result['p50_ms']:.0f} ms, "
        f"p95 {result['p95_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms"
    )


if __name__ == "__main__":
    main()

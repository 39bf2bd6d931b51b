"""PostgreSQL unreachable under load: every reply should reach the platform once, none twice.

Starts the demo app (``omnicab run --demo``) on PostgreSQL reached through a TCP proxy this script
owns, and Redis. ``--users`` simulated Telegram users each post ``--messages`` updates one after
the other; once ``--cut-after`` were accepted the proxy is cut (every connection closed, new ones
refused) for ``--outage`` seconds, then restored. Then, until every reply is settled or nothing
changed for ``--settle`` seconds, the history is read directly from PostgreSQL and compared with
the fake platform's record of the calls it carried out:

- doubled: calls beyond the number of replies a chat has (a reply sent more than once);
- lost: accepted updates without a settled reply (``sent`` or ``unknown``);
- unknown: replies marked ``unknown`` (the platform may have them; not repeated).

    .venv/bin/python bench/db_outage.py --users 20 --messages 10 --cut-after 60 --outage 10
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass

import aiohttp
import asyncpg
from throughput import ROOT, app_environment, free_port, spawn_app, telegram_update

sys.path.insert(0, str(ROOT))
from tests.support.tcp_proxy import TcpProxy

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/15"


@dataclass(frozen=True)
class _Figures:
    accepted: int
    replies: int
    sent: int
    unknown: int
    pending: int
    doubled: int
    lost: int


async def _post_all(base: str, args: argparse.Namespace, proxy: TcpProxy) -> list[int]:
    accepted: list[int] = []
    cut = asyncio.Event()

    async def user(http: aiohttp.ClientSession, number: int) -> None:
        for message in range(args.messages):
            update_id = 1 + message * args.users + number
            text = "/start" if message % 2 == 0 else "меню"
            update = telegram_update(update_id, 300_000 + number, text)
            async with http.post(f"{base}/fake/telegram/updates", json=update) as response:
                if response.status != 200:
                    raise RuntimeError(f"webhook answered {response.status}")
            accepted.append(update_id)
            if len(accepted) == args.cut_after and not cut.is_set():
                cut.set()

    async def outage() -> None:
        await cut.wait()
        await proxy.cut()
        print(f"PostgreSQL cut after {len(accepted)} accepted updates", flush=True)
        await asyncio.sleep(args.outage)
        await proxy.restore()
        print(f"PostgreSQL back after {args.outage:.0f} s ({len(accepted)} accepted)", flush=True)

    async with aiohttp.ClientSession() as http:
        outage_task = asyncio.create_task(outage())
        await asyncio.gather(*(user(http, number) for number in range(args.users)))
        await outage_task
    return accepted


async def _figures(database: str, base: str, accepted: list[int]) -> _Figures:
    connection = await asyncpg.connect(database)
    try:
        rows = await connection.fetch(
            "SELECT m.event_id, m.status, i.chat_id FROM messages m"
            " JOIN channel_identities i ON i.id = m.identity_id"
            " WHERE m.direction = 'out' AND m.event_id LIKE 'telegram:legal:%'"
        )
    finally:
        await connection.close()
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{base}/fake/telegram/outbox", params={"method": "sendMessage"}) as response,
    ):
        calls = [call for call in (await response.json())["calls"] if call["ok"]]
    per_chat_calls = Counter(str(call["body"]["chat_id"]) for call in calls)
    per_chat_replies = Counter(row["chat_id"] for row in rows if row["status"] != "failed")
    doubled = sum(max(0, n - per_chat_replies[chat]) for chat, n in per_chat_calls.items())
    settled_updates = {
        int(row["event_id"].split(":")[3]) for row in rows if row["status"] in ("sent", "unknown")
    }
    statuses = Counter(row["status"] for row in rows)
    return _Figures(
        accepted=len(accepted),
        replies=len(rows),
        sent=statuses["sent"],
        unknown=statuses["unknown"],
        pending=statuses["queued"],
        doubled=doubled,
        lost=sum(update not in settled_updates for update in accepted),
    )


async def run(args: argparse.Namespace) -> _Figures:
    name = f"omnicab_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(f"{POSTGRES}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    proxy = TcpProxy("127.0.0.1", 5432)
    await proxy.start()
    port = free_port()
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = app_environment(
                port,
                tmp,
                database=f"postgresql+asyncpg://postgres@127.0.0.1:{proxy.port}/{name}",
                redis=REDIS,
                platform_limits=False,
            )
            env["OMNICAB_REDIS_PREFIX"] = prefix
            process = await spawn_app(env, quiet=not args.verbose)
            base = f"http://127.0.0.1:{port}"
            try:
                await _ready(base)
                accepted = await _post_all(base, args, proxy)
                figures = await _figures(f"{POSTGRES}/{name}", base, accepted)
                changed = time.monotonic()
                while (figures.lost or figures.pending) and time.monotonic() - changed < args.settle:
                    await asyncio.sleep(0.5)
                    try:
                        latest = await _figures(f"{POSTGRES}/{name}", base, accepted)
                    except (OSError, asyncpg.PostgresError):
                        continue  # a busy server (too many clients): read again
                    if latest != figures:
                        figures, changed = latest, time.monotonic()
                return figures
            finally:
                process.terminate()
                await process.wait()
    finally:
        await proxy.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        await _forget_redis(prefix)


async def _ready(base: str, within: float = 180.0) -> None:
    """The app has registered its webhook with the fake Telegram (start-up is slow on a busy machine)."""
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            with contextlib.suppress(aiohttp.ClientError):
                params = {"method": "setWebhook"}
                async with http.get(f"{base}/fake/telegram/outbox", params=params) as response:
                    if response.status == 200 and (await response.json())["calls"]:
                        return
            await asyncio.sleep(0.2)
    raise RuntimeError("the app did not come up")


async def _forget_redis(prefix: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS)
    with contextlib.suppress(Exception):
        keys = [key async for key in redis.scan_iter(match=f"{prefix}*", count=1000)]
        if keys:
            await redis.delete(*keys)
    await redis.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--cut-after", type=int, default=60)
    parser.add_argument("--outage", type=float, default=10.0)
    parser.add_argument("--settle", type=float, default=30.0)
    parser.add_argument("--verbose", action="store_true", help="show the app's log")
    args = parser.parse_args()
    figures = asyncio.run(run(args))
    print(
        f"{figures.accepted} updates accepted, {figures.replies} replies: {figures.sent} sent, "
        f"{figures.unknown} unknown, {figures.pending} still queued; "
        f"doubled {figures.doubled}, lost {figures.lost}"
    )


if __name__ == "__main__":
    main()

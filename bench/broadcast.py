"""Live replies during a broadcast: their latency while thousands of clients get a message.

Starts the demo app (``omnicab run --demo``) with every platform's real limits (Telegram 30 a second
per bot, Viber's, WhatsApp 80 a second per number) unless ``--url`` names a running one. ``--clients``
demo clients, split evenly over Telegram, Viber and WhatsApp, reach the bot through the fake platforms
(``tests/support/crowd.py``, shared with the broadcast tests). A supervisor then sends one broadcast to
all of them from the console API; while it goes out, ``--live-users`` Telegram users keep talking to
the bot (a message, the answer, ``--pause`` seconds to read it), and the time from the webhook POST to
the bot's first reply reaching the fake Telegram is taken.

Prints how long the set-up and the broadcast took, the messages a second per channel and the busiest
second, the answers the fakes gave for breaking a limit (429 on Telegram, status 12 on Viber, 130429 /
131056 on WhatsApp: there should be none), and the live replies' p50 / p95 / p99.

    .venv/bin/python bench/broadcast.py --clients 5000
    .venv/bin/python bench/broadcast.py --clients 300 --live-users 3
    .venv/bin/python bench/broadcast.py --redis redis://127.0.0.1:6379/14 \
        --database postgresql+asyncpg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import platform
import sys
import tempfile
from collections.abc import AsyncIterator

import aiohttp
from throughput import ROOT, app_environment, free_port, spawn_app, wait_ready

sys.path.insert(0, str(ROOT))
from tests.support.console_user import ConsoleUser
from tests.support.crowd import broadcast_to_a_crowd, crowd

TEXT = "Здравствуйте! С 1 декабря письменная консультация юриста — за 24 часа вместо 48."


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


async def run(args: argparse.Namespace) -> None:
    timeout = aiohttp.ClientTimeout(total=120)
    async with demo_app(args) as base, aiohttp.ClientSession(timeout=timeout) as http:
        supervisor = ConsoleUser(base)
        await supervisor.login("supervisor")
        try:
            outcome = await broadcast_to_a_crowd(
                http,
                base,
                supervisor,
                crowd(math.ceil(args.clients / 3)),
                TEXT,
                live_users=args.live_users,
                pause=args.pause,
            )
        finally:
            await supervisor.close()
    backend = "PostgreSQL + Redis" if args.redis else "embedded (SQLite, in-process state)"
    print(f"{platform.node()}: {backend}, {os.cpu_count()} cores")
    print(outcome.report())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=5000, help="rounded up to a multiple of 3")
    parser.add_argument("--live-users", type=int, default=5)
    parser.add_argument("--pause", type=float, default=3.0, help="seconds a live user reads each answer")
    parser.add_argument("--url", help="a running demo app instead of spawning one")
    parser.add_argument("--database", help="e.g. postgresql+asyncpg://postgres@127.0.0.1/bench")
    parser.add_argument("--redis", help="e.g. redis://127.0.0.1:6379/14")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

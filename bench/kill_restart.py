"""What a kill -9 of the embedded default loses: every accepted update should still be answered.

Starts the demo app (``omnicab run --demo``, SQLite, no Redis) on a temporary data directory;
``--users`` simulated Telegram users each post ``--messages`` updates one after the other
through the fake Telegram, all users at once; once ``--kill-after`` updates were accepted
(webhook 200) the app gets SIGKILL. The app is started again on the same data directory and,
until every accepted update is answered or nothing changed for ``--settle`` seconds, the app's
database is read: an update is answered when every reply it produced reached the platform API,
half-answered when some did, unanswered when none did (or it was never handled).

The fake Telegram lives in the app and forgets its chats with it, so after the restart it
refuses replies to chats it has not seen since with "chat not found"; such a reply did reach
the platform API and counts as delivered.

    .venv/bin/python bench/kill_restart.py --users 50 --messages 10 --kill-after 200
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sqlite3
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from throughput import app_environment, free_port, spawn_app, telegram_update, wait_ready

_FORGOTTEN_CHAT = "refused: chat not found"


@dataclass(frozen=True)
class _Outcome:
    answered: int
    half_answered: int
    unanswered: int


@contextlib.asynccontextmanager
async def _app(data_dir: Path, port: int) -> AsyncIterator[asyncio.subprocess.Process]:
    env = app_environment(port, str(data_dir), database=None, redis=None, platform_limits=False)
    process = await spawn_app(env, quiet=True)
    try:
        await wait_ready(f"http://127.0.0.1:{port}")
        yield process
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


async def _send(base: str, args: argparse.Namespace, app: asyncio.subprocess.Process) -> list[int]:
    """Posts until the app is killed; the update ids the webhook accepted."""
    accepted: list[int] = []

    async def user(http: aiohttp.ClientSession, number: int) -> None:
        for message in range(args.messages):
            update_id = 1 + message * args.users + number
            text = "/start" if message % 2 == 0 else "меню"
            try:
                async with http.post(
                    f"{base}/fake/telegram/updates", json=telegram_update(update_id, 200_000 + number, text)
                ) as response:
                    if response.status != 200:
                        return
            except aiohttp.ClientError:
                return
            accepted.append(update_id)
            if len(accepted) == args.kill_after:
                app.send_signal(signal.SIGKILL)

    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(user(http, number) for number in range(args.users)))
    return accepted


def _outcome(database: Path, accepted: list[int]) -> _Outcome:
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        rows = db.execute(
            "SELECT event_id, CASE WHEN error LIKE '%chat not found' THEN ? ELSE status END FROM messages"
            " WHERE direction = 'out' AND event_id LIKE 'telegram:legal:%'",
            (_FORGOTTEN_CHAT,),
        ).fetchall()
    replies: dict[int, list[str]] = {}
    for event_id, status in rows:
        replies.setdefault(int(event_id.split(":")[2]), []).append(status)
    answered = half = 0
    for update_id in accepted:
        statuses = replies.get(update_id, [])
        sent = sum(status in ("sent", _FORGOTTEN_CHAT) for status in statuses)
        if statuses and sent == len(statuses):
            answered += 1
        elif sent:
            half += 1
    return _Outcome(answered, half, len(accepted) - answered - half)


async def run(args: argparse.Namespace) -> tuple[int, _Outcome, float]:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        port = free_port()
        async with _app(data_dir, port) as first:
            accepted = await _send(f"http://127.0.0.1:{port}", args, first)
        async with _app(data_dir, port):
            started = time.monotonic()
            outcome, changed = _outcome(data_dir / "bench.db", accepted), time.monotonic()
            while outcome.answered < len(accepted) and time.monotonic() - changed < args.settle:
                await asyncio.sleep(0.2)
                latest = _outcome(data_dir / "bench.db", accepted)
                if latest != outcome:
                    outcome, changed = latest, time.monotonic()
            return len(accepted), outcome, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--kill-after", type=int, default=200)
    parser.add_argument("--settle", type=float, default=10.0)
    args = parser.parse_args()
    accepted, outcome, seconds = asyncio.run(run(args))
    print(
        f"{accepted} updates accepted before the kill; after the restart ({seconds:.1f}s): "
        f"{outcome.answered} answered, {outcome.half_answered} half-answered, {outcome.unanswered} unanswered"
    )


if __name__ == "__main__":
    main()

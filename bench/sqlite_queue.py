"""Puts and acknowledgements per second of the embedded (SQLite) work queue.

Puts: ``--items`` items spread over ``--keys`` keys, put by ``--producers`` concurrent callers
(a webhook handler is one caller per request); every put returns only once its item is
committed, so the figure is what group commit makes of the disk's fsync rate. Acks: a run of
the queue with a handler that does nothing, from the first item to the last acknowledgement,
so it includes reading the items back, per-key dispatch and the batched deletes.

Each figure is measured for ``synchronous=FULL`` (the default: survives a power loss) and
``NORMAL`` (survives a kill -9 only), in a fresh file under ``--dir`` (by default a temporary
directory under ``var/``, on the same disk as the app's data).

    .venv/bin/python bench/sqlite_queue.py
    .venv/bin/python bench/sqlite_queue.py --producers 1 16 256 --items 20000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sqlite3
import tempfile
import time
from pathlib import Path

from bots.state.sqlite import SqliteQueueFile, SqliteWorkQueue
from bots.state.sqlite.tables import Synchronous

ROOT = Path(__file__).resolve().parent.parent


async def _puts(path: Path, synchronous: Synchronous, items: int, keys: int, producers: int) -> float:
    file = await SqliteQueueFile.open(path, synchronous=synchronous)
    queue = SqliteWorkQueue(file, "inbox", dedupe_ttl=3600)
    payload = b"x" * 600  # about one Telegram update as JSON
    numbers = iter(range(items))

    async def produce() -> None:
        for number in numbers:
            await queue.put(f"chat-{number % keys}", payload, dedupe_id=f"update-{number}")

    started = time.perf_counter()
    await asyncio.gather(*(produce() for _ in range(producers)))
    elapsed = time.perf_counter() - started
    await file.close()
    return items / elapsed


async def _acks(path: Path, synchronous: Synchronous, items: int) -> float:
    file = await SqliteQueueFile.open(path, synchronous=synchronous)
    queue = SqliteWorkQueue(file, "inbox", dedupe_ttl=3600)
    handled = 0
    stop = asyncio.Event()

    async def handler(item: bytes) -> None:
        nonlocal handled
        handled += 1
        if handled == items:
            stop.set()

    started = time.perf_counter()
    await queue.run(handler, stop=stop)
    elapsed = time.perf_counter() - started
    assert await queue.depth() == 0
    await file.close()
    return items / elapsed


async def run(args: argparse.Namespace, directory: Path) -> None:
    for synchronous in ("FULL", "NORMAL"):
        for producers in args.producers:
            path = directory / f"{synchronous}-{producers}.db"
            puts = await _puts(path, synchronous, args.items, args.keys, producers)
            acks = await _acks(path, synchronous, args.items)
            print(
                f"synchronous={synchronous:6} producers={producers:4}: "
                f"{puts:7.0f} puts/s  {acks:7.0f} acks/s",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--keys", type=int, default=100)
    parser.add_argument("--producers", type=int, nargs="+", default=[1, 16, 64, 256])
    parser.add_argument("--dir", type=Path, help="where the files go (default: a temporary one in var/)")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}; {args.items} items of 600 bytes over {args.keys} keys"
    )
    if args.dir is not None:
        args.dir.mkdir(parents=True, exist_ok=True)
        asyncio.run(run(args, args.dir))
        return
    (ROOT / "var").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ROOT / "var", prefix="bench-queue-") as directory:
        asyncio.run(run(args, Path(directory)))


if __name__ == "__main__":
    main()

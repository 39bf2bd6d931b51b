"""A process that the tests kill with SIGKILL: it reports on stdout what it has done so far.

``consume FILE KEYS PER_KEY HANDLE``: puts PER_KEY items for each of KEYS keys (dedupe id = the
item), prints ``put``, then consumes: the first HANDLE items are handled (``handled <item>``),
every later call hangs; the first of those prints ``ready <depth>``, the depth being asked after
the HANDLE acknowledgements, so it counts them all.

``put FILE KEYS``: puts items for KEYS keys concurrently, forever, printing ``put <item>`` after
each put returned.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bots.state import Backoff
from bots.state.sqlite import SqliteQueueFile, SqliteWorkQueue

QUEUE = "inbox"


def item_of(key: str, number: int) -> bytes:
    return f"{key}/{number}".encode()


async def consume(file: SqliteQueueFile, keys: list[str], per_key: int, handle: int) -> None:
    queue = SqliteWorkQueue(file, QUEUE, dedupe_ttl=3600, backoff=Backoff(initial=0.005, maximum=0.02))
    for number in range(per_key):
        for key in keys:
            item = item_of(key, number)
            assert await queue.put(key, item, dedupe_id=item.decode())
    print("put", flush=True)
    handled = 0

    async def handler(item: bytes) -> None:
        nonlocal handled
        if handled >= handle:
            if handled == handle:
                handled += 1
                print("ready", await queue.depth(), flush=True)
            await asyncio.Event().wait()
        handled += 1
        print("handled", item.decode(), flush=True)

    await queue.run(handler, stop=asyncio.Event())


async def put_forever(file: SqliteQueueFile, keys: list[str]) -> None:
    queue = SqliteWorkQueue(file, QUEUE, dedupe_ttl=3600)

    async def produce(key: str) -> None:
        number = 0
        while True:
            assert await queue.put(key, item_of(key, number))
            print("put", item_of(key, number).decode(), flush=True)
            number += 1

    await asyncio.gather(*(produce(key) for key in keys))


async def main(mode: str, path: Path, keys: list[str], numbers: list[int]) -> None:
    file = await SqliteQueueFile.open(path)
    if mode == "consume":
        await consume(file, keys, *numbers)
    else:
        await put_forever(file, keys)


if __name__ == "__main__":
    mode, path, key_count, *rest = sys.argv[1:]
    asyncio.run(main(mode, Path(path), [f"chat-{n}" for n in range(int(key_count))], [int(n) for n in rest]))

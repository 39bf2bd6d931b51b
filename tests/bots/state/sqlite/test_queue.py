"""What only the SQLite queue promises: it survives the process (kill -9 included), and its
dedupe marks too, until they expire and are pruned. The contract it shares with the other
queues is in ``tests/bots/state/test_queues.py``."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bots.state import Backoff
from bots.state.sqlite import QueueFileBusy, SqliteQueueFile, SqliteWorkQueue

CHILD = Path(__file__).with_name("killed_process.py")
FAST_RETRY = Backoff(initial=0.005, maximum=0.02)


@asynccontextmanager
async def _child(*args: str) -> AsyncIterator[asyncio.subprocess.Process]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(CHILD), *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


async def _line(process: asyncio.subprocess.Process) -> str:
    assert process.stdout is not None
    assert process.stderr is not None
    line = await asyncio.wait_for(process.stdout.readline(), 30)
    if not line:
        await process.wait()
        pytest.fail(f"the child exited with {process.returncode}: {(await process.stderr.read()).decode()}")
    return line.decode().strip()


async def _kill(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGKILL)
    assert await process.wait() == -signal.SIGKILL


async def _consume(queue: SqliteWorkQueue, count: int) -> dict[str, list[int]]:
    """Runs ``queue`` until ``count`` items were handled; the numbers handled per key, in order."""
    handled: dict[str, list[int]] = defaultdict(list)
    total = 0
    stop = asyncio.Event()

    async def handler(item: bytes) -> None:
        nonlocal total
        key, number = item.decode().split("/")
        handled[key].append(int(number))
        total += 1
        if total == count:
            stop.set()

    await asyncio.wait_for(queue.run(handler, stop=stop), 20)
    return dict(handled)


async def test_after_a_kill_mid_consumption_the_next_process_gets_exactly_the_unacknowledged_items_in_order(
    tmp_path: Path,
) -> None:
    path = tmp_path / "queues.db"
    keys, per_key, handle = 6, 30, 70
    async with _child("consume", str(path), str(keys), str(per_key), str(handle)) as process:
        assert await _line(process) == "put"
        handled_before: dict[str, list[int]] = defaultdict(list)
        while (line := await _line(process)).startswith("handled"):
            key, number = line.split()[1].split("/")
            handled_before[key].append(int(number))
        await _kill(process)
    assert line == f"ready {keys * per_key - handle}"
    assert sum(map(len, handled_before.values())) == handle

    file = await SqliteQueueFile.open(path)
    try:
        queue = SqliteWorkQueue(file, "inbox", dedupe_ttl=3600, backoff=FAST_RETRY)
        assert await queue.depth() == keys * per_key - handle
        handled_after = await _consume(queue, keys * per_key - handle)

        expected = {
            f"chat-{n}": list(range(len(handled_before[f"chat-{n}"]), per_key))
            for n in range(keys)
            if len(handled_before[f"chat-{n}"]) < per_key
        }
        assert handled_after == expected
        for key, numbers in handled_before.items():
            assert numbers == list(range(len(numbers))), key
        assert await queue.depth() == 0
        assert await queue.put("chat-0", b"chat-0/0", dedupe_id="chat-0/0") is False
    finally:
        await file.close()


async def test_every_put_that_returned_before_a_kill_is_delivered_after_it_in_order(tmp_path: Path) -> None:
    path = tmp_path / "queues.db"
    async with _child("put", str(path), "8") as process:
        returned = [(await _line(process)).split()[1] for _ in range(400)]
        await _kill(process)

    file = await SqliteQueueFile.open(path)
    try:
        queue = SqliteWorkQueue(file, "inbox", dedupe_ttl=3600)
        depth = await queue.depth()
        assert depth >= len(returned)
        handled = await _consume(queue, depth)

        assert all(numbers == list(range(len(numbers))) for numbers in handled.values())
        delivered = {f"{key}/{number}" for key, numbers in handled.items() for number in numbers}
        assert set(returned) <= delivered
    finally:
        await file.close()


async def test_dedupe_marks_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "queues.db"
    file = await SqliteQueueFile.open(path)
    assert await SqliteWorkQueue(file, "inbox", dedupe_ttl=60).put("chat", b"first", dedupe_id="update-1")
    await file.close()

    file = await SqliteQueueFile.open(path)
    try:
        queue = SqliteWorkQueue(file, "inbox", dedupe_ttl=60)
        assert await queue.put("chat", b"again", dedupe_id="update-1") is False
        assert await queue.depth() == 1
        assert await SqliteWorkQueue(file, "outbox", dedupe_ttl=60).put("chat", b"x", dedupe_id="update-1")
    finally:
        await file.close()


async def test_an_expired_mark_lets_the_item_in_again_and_expired_marks_are_pruned_in_batches(
    tmp_path: Path,
) -> None:
    now = 1_800_000_000.0
    file = await SqliteQueueFile.open(
        tmp_path / "queues.db", prune_every=60, prune_batch=4, clock=lambda: now
    )
    try:
        queue = SqliteWorkQueue(file, "inbox", dedupe_ttl=10)
        for number in range(10):
            assert await queue.put("chat", b"x", dedupe_id=f"update-{number}")
        assert await queue.put("chat", b"x", dedupe_id="update-0") is False

        now += 11
        assert await queue.put("chat", b"x", dedupe_id="update-0") is True
        assert await queue.dedupe_marks() == 10

        now += 60
        remaining = []
        for _ in range(3):
            await queue.put("chat", b"a write that brings the pruning along")
            remaining.append(await queue.dedupe_marks())
        assert remaining == [6, 2, 0]
        assert await queue.depth() == 14
    finally:
        await file.close()


async def test_closing_the_file_commits_every_put_already_made(tmp_path: Path) -> None:
    path = tmp_path / "queues.db"
    file = await SqliteQueueFile.open(path)
    queue = SqliteWorkQueue(file, "inbox", dedupe_ttl=60)
    puts = [asyncio.create_task(queue.put(f"chat-{n % 7}", b"x")) for n in range(200)]
    await asyncio.sleep(0)
    await file.close()
    assert all(await asyncio.gather(*puts))
    with pytest.raises(RuntimeError, match="closed"):
        await queue.put("chat", b"late")

    file = await SqliteQueueFile.open(path)
    try:
        assert await SqliteWorkQueue(file, "inbox", dedupe_ttl=60).depth() == 200
    finally:
        await file.close()


async def test_a_put_that_cannot_be_stored_fails_alone_and_the_puts_committed_with_it_stay(
    tmp_path: Path,
) -> None:
    file = await SqliteQueueFile.open(tmp_path / "queues.db")
    try:
        queue = SqliteWorkQueue(file, "inbox", dedupe_ttl=60)
        keys = ["chat-1", "chat-2", "chat-\ud800", "chat-3"]  # a lone surrogate is no UTF-8

        results = await asyncio.gather(
            *(queue.put(key, b"x", dedupe_id=key) for key in keys), return_exceptions=True
        )

        assert [type(result).__name__ for result in results] == ["bool", "bool", "UnicodeEncodeError", "bool"]
        assert await queue.depth() == 3
        assert await queue.dedupe_marks() == 3
    finally:
        await file.close()


async def test_a_second_holder_of_the_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "queues.db"
    file = await SqliteQueueFile.open(path)
    try:
        with pytest.raises(QueueFileBusy, match="OMNICAB_REDIS_URL"):
            await SqliteQueueFile.open(path, lock_timeout=0)
    finally:
        await file.close()
    second = await SqliteQueueFile.open(path, lock_timeout=0)
    await second.close()


async def test_one_queue_is_run_by_one_consumer_at_a_time(tmp_path: Path) -> None:
    file = await SqliteQueueFile.open(tmp_path / "queues.db")
    try:
        stop = asyncio.Event()
        first = asyncio.create_task(SqliteWorkQueue(file, "inbox", dedupe_ttl=60).run(_ignore, stop=stop))
        await asyncio.sleep(0)
        with pytest.raises(RuntimeError, match="already running"):
            await SqliteWorkQueue(file, "inbox", dedupe_ttl=60).run(_ignore, stop=stop)
        stop.set()
        await asyncio.wait_for(first, 5)
    finally:
        await file.close()


async def _ignore(item: bytes) -> None:
    return None


async def test_a_consumer_that_caught_up_takes_new_items_without_reading_the_file(tmp_path: Path) -> None:
    file = await SqliteQueueFile.open(tmp_path / "queues.db")
    try:
        queue = SqliteWorkQueue(file, "inbox", dedupe_ttl=60)
        await queue.put("chat-1", b"chat-1/0")
        handled: list[bytes] = []
        arrived = asyncio.Queue[bytes]()
        stop = asyncio.Event()

        async def handler(item: bytes) -> None:
            handled.append(item)
            arrived.put_nowait(item)

        consumer = asyncio.create_task(queue.run(handler, stop=stop))
        assert await asyncio.wait_for(arrived.get(), 10) == b"chat-1/0"
        reads_when_caught_up = file.item_reads

        for number in range(1, 6):
            await queue.put("chat-1", f"chat-1/{number}".encode())
            assert await asyncio.wait_for(arrived.get(), 10) == f"chat-1/{number}".encode()

        assert file.item_reads == reads_when_caught_up
        stop.set()
        await asyncio.wait_for(consumer, 10)
        assert handled == [f"chat-1/{number}".encode() for number in range(6)]
        assert await queue.depth() == 0
    finally:
        await file.close()


async def test_items_beyond_what_the_memory_keeps_are_read_from_the_file_in_order_and_once(
    tmp_path: Path,
) -> None:
    file = await SqliteQueueFile.open(tmp_path / "queues.db")
    try:
        queue = SqliteWorkQueue(file, "inbox", dedupe_ttl=60, max_in_flight=1, prefetch=2)
        first_taken = asyncio.Event()
        release = asyncio.Event()
        handled: list[int] = []
        stop = asyncio.Event()

        async def handler(item: bytes) -> None:
            number = int(item.decode().split("/")[1])
            if number == 0:
                first_taken.set()
                await release.wait()
            handled.append(number)
            if number == 19:
                stop.set()

        consumer = asyncio.create_task(queue.run(handler, stop=stop))
        await queue.put("chat-1", b"chat-1/0")
        await asyncio.wait_for(first_taken.wait(), 10)
        for number in range(1, 20):  # far more than the two the consumer keeps in memory
            await queue.put(f"chat-{number % 3}", f"chat-{number % 3}/{number}".encode())
        release.set()

        await asyncio.wait_for(consumer, 10)
        assert handled == list(range(20))
        assert await queue.depth() == 0
    finally:
        await file.close()

"""omnicab side by side with a bare aiogram echo, in one run, against one Bot API stand-in.

Every bot under test runs as its own process pinned to CPU 0 (where the machine has two cores
or more); the Bot API stand-in (``python -m bots.demo.standalone``, the fake Telegram of demo
mode in a process of its own) and this load generator share CPU 1. Updates go through the
stand-in's ``/updates`` as Telegram delivers them (signed with the webhook's secret), and each
reply is timed by the stand-in when it takes the ``sendMessage``.

For each bot, after a warm-up in which every user writes once (profiles created, connections
opened), two phases:

- saturation: ``--users`` users send ``--messages`` numbered messages each, each user's in
  order, ``--in-flight`` webhook calls at once; messages per second from the first update to
  the last reply, and CPU per message from the bot process's own user + system time;
- fixed rate: ``--rate`` messages per second offered for ``--seconds`` (open loop: sent on
  schedule whether or not replies keep up); p50 / p99 from the update leaving here to its reply
  reaching the stand-in.

Bots: ``aiogram`` (bench/aiogram_echo.py), ``echo-sqlite`` and ``echo-services`` (the echo bot
of bench/echo on the embedded default and on PostgreSQL + Redis), ``legal-sqlite`` (the demo
bot's menu turn). Rounds interleave the bots, so a noisy neighbour hurts all of them alike.

    .venv/bin/python bench/side_by_side.py                  # every bot, one round
    .venv/bin/python bench/side_by_side.py --rounds 3 --bots aiogram,echo-sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from throughput import free_port

ROOT = Path(__file__).resolve().parent.parent
# This tree's code, not the installed one's (as bench/db_path.py): only for the generator's own heap.
sys.path.insert(0, str(ROOT))
from bots.app.heap import settle  # noqa: E402

TOKEN = "7100000001:BENCH-abcdefghijklmnopqrstuvwxyz0123"
SECRET = "bench-webhook-secret"
POSTGRES_ADMIN = os.environ.get("OMNICAB_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("OMNICAB_BENCH_REDIS", "redis://127.0.0.1:6379/0")
BOTS = ("aiogram", "aiogram-uvloop", "echo-sqlite", "echo-services", "legal-sqlite")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cores() -> tuple[set[int] | None, set[int] | None]:
    """(the bot's core, the stand-in's and load's core), or ``None`` where pinning cannot help."""
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        return None, None
    return {available[0]}, {available[1]}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def spawn(
    args: list[str], env: dict[str, str], core: set[int] | None, log: Path
) -> asyncio.subprocess.Process:
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable, *args, cwd=ROOT, env=env, stdout=sink, stderr=sink
        )
    if core is not None:
        os.sched_setaffinity(process.pid, core)
    return process


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


async def until(probe: Callable[[], Awaitable[bool]], what: str, within: float = 180.0) -> None:
    deadline = time.monotonic() + within
    while not await probe():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {within:.0f} s")
        await asyncio.sleep(0.1)


async def answers(http: aiohttp.ClientSession, url: str) -> bool:
    try:
        async with http.get(url) as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


@dataclass
class StandIn:
    url: str
    http: aiohttp.ClientSession
    seen: int = 0

    async def webhook_registered(self) -> bool:
        async with self.http.post(f"{self.url}/bot{TOKEN}/getWebhookInfo") as response:
            return bool((await response.json())["result"]["url"])

    async def forget_webhook(self) -> None:
        async with self.http.post(f"{self.url}/bot{TOKEN}/deleteWebhook") as response:
            await response.read()

    async def set_webhook(self, url: str) -> None:
        body = {"url": url, "secret_token": SECRET}
        async with self.http.post(f"{self.url}/bot{TOKEN}/setWebhook", json=body) as response:
            if response.status != 200:
                raise RuntimeError(f"setWebhook: {await response.text()}")

    async def deliver(self, update: dict[str, Any]) -> int:
        async with self.http.post(f"{self.url}/updates", params={"token": TOKEN}, json=update) as response:
            await response.read()
            return response.status

    async def replies(self) -> list[dict[str, Any]]:
        """``sendMessage`` calls taken since the last look."""
        params = {"after": str(self.seen), "method": "sendMessage"}
        async with self.http.get(f"{self.url}/outbox", params=params) as response:
            calls = list((await response.json())["calls"])
        if calls:
            self.seen = max(call["seq"] for call in calls)
        return [call for call in calls if call["ok"]]


def update(update_id: int, user: int, text: str) -> dict[str, Any]:
    sender = {"id": user, "is_bot": False, "first_name": f"Bench{user}", "language_code": "ru"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user, "type": "private", "first_name": sender["first_name"]},
            "from": sender,
            "text": text,
        },
    }


@dataclass
class Collector:
    """Reply times by (chat, text), read from the stand-in while a phase runs."""

    stand_in: StandIn
    at: dict[tuple[int, str], float] = field(default_factory=dict)
    per_chat: dict[int, int] = field(default_factory=dict)
    times: dict[int, list[float]] = field(default_factory=dict)

    async def collect(self) -> None:
        for call in await self.stand_in.replies():
            chat = int(call["body"]["chat_id"])
            self.at.setdefault((chat, str(call["body"].get("text", ""))), call["at"])
            self.per_chat[chat] = self.per_chat.get(chat, 0) + 1
            self.times.setdefault(chat, []).append(call["at"])

    def reply_after(self, chat: int, text: str, sent_at: float) -> float | None:
        """When the reply to ``text`` arrived: the echo of it, else the chat's first reply since."""
        if (chat, text) in self.at:
            return self.at[(chat, text)]
        times = self.times.get(chat, [])
        index = bisect.bisect_left(times, sent_at)
        return times[index] if index < len(times) else None

    async def quiet(self, chat: int, seconds: float) -> int:
        """Replies to ``chat`` until none came for ``seconds`` (calibration only, never a test)."""
        count, since = self.per_chat.get(chat, 0), time.monotonic()
        while time.monotonic() - since < seconds:
            await self.collect()
            if self.per_chat.get(chat, 0) != count:
                count, since = self.per_chat.get(chat, 0), time.monotonic()
            await asyncio.sleep(0.05)
        return count

    async def until_replied(self, chats: dict[int, int], within: float) -> None:
        """Until each chat has at least its count of replies."""
        deadline = time.monotonic() + within
        while any(self.per_chat.get(chat, 0) < count for chat, count in chats.items()):
            if time.monotonic() > deadline:
                missing = sum(max(0, count - self.per_chat.get(chat, 0)) for chat, count in chats.items())
                raise RuntimeError(f"{missing} replies missing after {within:.0f} s")
            await self.collect()
            await asyncio.sleep(0.02)


@dataclass
class Result:
    bot: str
    per_second: float
    cpu_ms: float
    p50_ms: float
    p99_ms: float
    rss_mib: float
    late: int
    fixed_rate_cpu_ms: float
    """The bot's CPU per message during the fixed rate: above ``cpu_ms`` where fewer messages share
    each group commit and round trip than at saturation."""
    rss_per_10k_mib: float
    redis_bytes_per_conversation: float | None


class Load:
    def __init__(self, stand_in: StandIn, args: argparse.Namespace, kind: str) -> None:
        self.kind = kind
        self.menu = kind.startswith("legal")
        """The legal bot is sent «меню» (its menu turn); the echo bots a text of their own per message."""
        self.per_message = 1
        self.stand_in = stand_in
        self.args = args
        self.next_id = 1
        self.users = [700_000 + n for n in range(args.users)]

    def _update(self, user: int, text: str) -> dict[str, Any]:
        self.next_id += 1
        return update(self.next_id, user, text)

    async def _send_all(self, updates: list[dict[str, Any]], in_flight: int) -> None:
        """Each user's updates in order, ``in_flight`` webhook calls at once."""
        by_user: dict[int, list[dict[str, Any]]] = {}
        for item in updates:
            by_user.setdefault(item["message"]["chat"]["id"], []).append(item)
        gate = asyncio.Semaphore(in_flight)

        async def one_user(items: list[dict[str, Any]]) -> None:
            for item in items:
                async with gate:
                    status = await self.stand_in.deliver(item)
                if status != 200:
                    raise RuntimeError(f"the webhook answered {status}")

        await asyncio.gather(*(one_user(items) for items in by_user.values()))

    async def warm_up(self, collector: Collector) -> None:
        updates = [self._update(user, "привет") for user in self.users]
        await self._send_all(updates, self.args.in_flight)
        await collector.until_replied({user: 1 for user in self.users}, within=300)

    def _text(self, tag: str, user: int) -> str:
        return "меню" if self.menu else f"{tag}-{user}"

    async def calibrate(self, collector: Collector) -> None:
        """How many replies one message of the phases gets, from one user before the others."""
        probe = self.users[0]
        before = await collector.quiet(probe, 1.5)
        if await self.stand_in.deliver(self._update(probe, self._text("probe", probe))) != 200:
            raise RuntimeError("the webhook refused the probe")
        self.per_message = max(1, await collector.quiet(probe, 1.5) - before)

    async def saturate(self, collector: Collector, pid: int) -> tuple[float, float]:
        """(messages per second, CPU ms per message)."""
        cpu_before = cpu_seconds(pid)
        async with self.profiled(pid, "saturation"):
            sent, elapsed = await self.flood(collector)
        cpu = cpu_seconds(pid) - cpu_before
        return sent / elapsed, 1000 * cpu / sent

    async def flood(self, collector: Collector) -> tuple[int, float]:
        """The saturation phase: (messages sent, seconds from the first update to the last reply)."""
        before = {chat: collector.per_chat.get(chat, 0) for chat in self.users}
        updates = [
            self._update(user, self._text(f"s{round_no}", user))
            for round_no in range(self.args.messages)
            for user in self.users
        ]
        started = time.monotonic()
        sending = asyncio.create_task(self._send_all(updates, self.args.in_flight))
        await collector.until_replied(
            {chat: count + self.args.messages * self.per_message for chat, count in before.items()}, 600
        )
        await sending
        return len(updates), time.monotonic() - started

    @contextlib.asynccontextmanager
    async def profiled(self, pid: int, phase: str) -> AsyncIterator[None]:
        """py-spy samples the bot through the phase ``--profile-phase`` names, if ``--profile`` is set."""
        if not self.args.profile or self.args.profile_phase != phase:
            yield
            return
        out = Path(self.args.profile) / f"{self.kind}.txt"
        profiler = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "py-spy"),
            "record",
            "--pid",
            str(pid),
            "--format",
            "raw",
            "--output",
            str(out),
            "--rate",
            "200",
            "--gil",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            yield
        finally:
            profiler.send_signal(2)
            await profiler.wait()

    async def fixed_rate(self, collector: Collector) -> tuple[list[float], int]:
        """Latencies in ms at ``--rate`` offered, and how many sends fell behind schedule by > 50 ms."""
        total = int(self.args.rate * self.args.seconds)
        expected = {chat: collector.per_chat.get(chat, 0) for chat in self.users}
        sent: list[tuple[int, str, float]] = []
        late = 0
        start = time.monotonic() + 0.2
        tasks = []
        for n in range(total):
            user = self.users[n % len(self.users)]
            text = self._text(f"r{n}", user)
            delay = start + n / self.args.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.05:
                late += 1
            sent.append((user, text, time.time()))
            expected[user] += self.per_message
            tasks.append(asyncio.create_task(self.stand_in.deliver(self._update(user, text))))
            if n % 50 == 0:
                await collector.collect()
        await asyncio.gather(*tasks)
        await collector.until_replied(expected, within=120)
        latencies = []
        for user, text, at in sent:
            replied = collector.reply_after(user, text, at)
            if replied is None:
                raise RuntimeError(f"no reply to {text!r} of {user}")
            latencies.append(1000 * (replied - at))
        return sorted(latencies), late


@contextlib.asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    import asyncpg

    name = f"omnicab_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    base = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def omnicab_env(
    port: int, data_dir: str, stand_in: str, bot: str, database: str, redis: str | None, loop: str = "asyncio"
) -> dict[str, str]:
    name = Path(bot).name
    env = {key: value for key, value in os.environ.items() if not key.startswith("OMNICAB_")}
    env |= {
        "OMNICAB_PORT": str(port),
        "OMNICAB_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "OMNICAB_DATA_DIR": data_dir,
        "OMNICAB_DATABASE_URL": database,
        "OMNICAB_BOTS": bot,
        f"OMNICAB_{name.upper()}_TELEGRAM_TOKEN": TOKEN,
        f"OMNICAB_{name.upper()}_TELEGRAM_SECRET": SECRET,
        "OMNICAB_TELEGRAM_API_BASE": stand_in,
        "OMNICAB_SECRET_KEY": "bench-" + "k" * 58,
        "OMNICAB_DATA_KEY": "bench-data-" + "d" * 53,
        "OMNICAB_LOG_LEVEL": "WARNING",
        "OMNICAB_EVENT_LOOP": loop,
        # Telegram's own limits would cap every figure at 30/s; the stand-in still enforces its own.
        "OMNICAB_TELEGRAM_RATE_PER_SECOND": "100000",
        "OMNICAB_TELEGRAM_CHAT_RATE_PER_SECOND": "100000",
        "OMNICAB_TELEGRAM_CHAT_BURST": "1000",
    }
    if redis:
        env["OMNICAB_REDIS_URL"] = redis
        env["OMNICAB_REDIS_PREFIX"] = f"bench-{uuid.uuid4().hex[:8]}"
    return env


REDIS_PREFIXES: dict[str, str] = {}
"""The Redis key prefix of each running bot that has one."""


@contextlib.asynccontextmanager
async def bot_process(
    kind: str, stand_in: StandIn, core: set[int] | None, logs: Path, loop: str = "asyncio"
) -> AsyncIterator[int]:
    """Starts one bot under test, its webhook registered with the stand-in; yields its pid."""
    port = free_port()
    await stand_in.forget_webhook()
    async with contextlib.AsyncExitStack() as stack:
        data_dir = stack.enter_context(tempfile.TemporaryDirectory())
        if kind.startswith("aiogram"):
            argv = [str(ROOT / "bench" / "aiogram_echo.py"), "--port", str(port), "--api", stand_in.url]
            argv += ["--token", TOKEN, "--secret", SECRET]
            argv += ["--loop", "uvloop" if kind == "aiogram-uvloop" else "asyncio"]
            process = await spawn(argv, dict(os.environ), core, logs / f"{kind}.log")
            stack.push_async_callback(stop, process)
            await until(lambda: _listening(port), "the aiogram echo listening")
            await stand_in.set_webhook(f"http://127.0.0.1:{port}/webhook")
        else:
            bot_name, backend = kind.split("-")
            bot_dir = str(ROOT / "bench" / "echo") if bot_name == "echo" else "legal"
            if backend == "services":
                database = await stack.enter_async_context(postgres_database())
                redis: str | None = REDIS
                await migrate(
                    omnicab_env(port, data_dir, stand_in.url, bot_dir, database, redis),
                    logs / f"{kind}-migrate.log",
                )
            else:
                database, redis = f"sqlite+aiosqlite:///{data_dir}/bench.db", None
            env = omnicab_env(port, data_dir, stand_in.url, bot_dir, database, redis, loop)
            if redis:
                env["OMNICAB_REDIS_PREFIX"] = REDIS_PREFIXES[kind] = f"bench-{uuid.uuid4().hex[:8]}"
                stack.push_async_callback(forget_redis_keys, env["OMNICAB_REDIS_PREFIX"])
                stack.callback(REDIS_PREFIXES.pop, kind)
            process = await spawn(["-m", "bots.app.cli", "run"], env, core, logs / f"{kind}.log")
            stack.push_async_callback(stop, process)
            await until(stand_in.webhook_registered, f"{kind} registering its webhook")
        yield process.pid


async def migrate(env: dict[str, str], log: Path) -> None:
    """``omnicab migrate`` on the database of ``env``."""
    process = await spawn(["-m", "bots.app.cli", "migrate"], env, None, log)
    if await process.wait() != 0:
        raise RuntimeError(f"migrate failed: {tail(log)}")


def tail(log: Path, chars: int = 2000) -> str:
    return log.read_text(errors="replace")[-chars:] if log.exists() else ""


async def forget_redis_keys(prefix: str) -> None:
    import redis.asyncio as redis

    client = redis.Redis.from_url(REDIS)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=1000)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def _listening(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    return True


async def measure(
    kind: str, stand_in: StandIn, args: argparse.Namespace, core: set[int] | None, logs: Path
) -> Result:
    async with bot_process(kind, stand_in, core, logs, args.omnicab_loop) as pid:
        await stand_in.replies()
        collector = Collector(stand_in)
        load = Load(stand_in, args, kind)
        await load.warm_up(collector)
        await load.calibrate(collector)
        per_second, cpu_ms = await load.saturate(collector, pid)
        cpu_before = cpu_seconds(pid)
        async with load.profiled(pid, "fixed-rate"):
            latencies, late = await load.fixed_rate(collector)
        fixed_rate_cpu_ms = 1000 * (cpu_seconds(pid) - cpu_before) / (len(latencies) * load.per_message)
        rss_growth, per_conversation = await memory_per_conversation(kind, pid, load, collector)
        return Result(
            bot=kind,
            per_second=per_second,
            cpu_ms=cpu_ms,
            p50_ms=statistics.median(latencies),
            p99_ms=latencies[int(0.99 * (len(latencies) - 1))],
            rss_mib=rss_mib(pid),
            late=late,
            fixed_rate_cpu_ms=fixed_rate_cpu_ms,
            rss_per_10k_mib=rss_growth,
            redis_bytes_per_conversation=per_conversation,
        )


async def memory_per_conversation(
    kind: str, pid: int, load: Load, collector: Collector
) -> tuple[float, float | None]:
    """(RSS growth per 10,000 conversations in MiB, Redis bytes per conversation), over a batch of
    new users writing once after the process has warmed up."""
    rss_before, redis_before = rss_mib(pid), await redis_bytes(kind)
    load.users = [user + 1_000_000 for user in load.users]
    await load.warm_up(collector)
    rss_growth = (rss_mib(pid) - rss_before) / len(load.users) * 10_000
    redis_after = await redis_bytes(kind)
    if redis_before is None or redis_after is None:
        return rss_growth, None
    return rss_growth, (redis_after - redis_before) / len(load.users)


async def redis_bytes(kind: str) -> int | None:
    """Bytes the bot's keys take in Redis (``MEMORY USAGE`` summed over its prefix); None without Redis."""
    prefix = REDIS_PREFIXES.get(kind)
    if prefix is None:
        return None
    import redis.asyncio as redis

    client = redis.Redis.from_url(REDIS)
    try:
        total = 0
        async for key in client.scan_iter(match=f"{prefix}*", count=1000):
            total += int(await client.memory_usage(key, samples=0) or 0)
        return total
    finally:
        await client.aclose()


def table(results: list[Result]) -> str:
    aiogram = [r.per_second for r in results if r.bot == "aiogram"]
    yardstick = statistics.median(aiogram) if aiogram else None
    lines = [
        "| bot | messages/s at saturation | CPU per message | p50 / p99 at the fixed rate | RSS"
        " | RSS per 10,000 conversations | Redis per conversation | × aiogram |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for kind in dict.fromkeys(r.bot for r in results):
        mine = [r for r in results if r.bot == kind]
        rates = [r.per_second for r in mine]
        rate = f"{min(rates):.0f}–{max(rates):.0f}" if len(rates) > 1 else f"{rates[0]:.0f}"
        cpu = statistics.median(r.cpu_ms for r in mine)
        p50 = statistics.median(r.p50_ms for r in mine)
        p99 = statistics.median(r.p99_ms for r in mine)
        rss = max(r.rss_mib for r in mine)
        growth = statistics.median(r.rss_per_10k_mib for r in mine)
        redis_sizes = [
            r.redis_bytes_per_conversation for r in mine if r.redis_bytes_per_conversation is not None
        ]
        redis_size = f"{statistics.median(redis_sizes):.0f} B" if redis_sizes else "–"
        ratio = f"{statistics.median(rates) / yardstick:.2f}×" if yardstick else "–"
        lines.append(
            f"| {kind} | {rate} | {cpu:.2f} ms | {p50:.1f} / {p99:.1f} ms | {rss:.0f} MiB | {growth:.0f} MiB"
            f" | {redis_size} | {ratio} |"
        )
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> list[Result]:
    bot_core, load_core = cores()
    if load_core is not None:
        os.sched_setaffinity(0, load_core)
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as logs_dir:
        logs = Path(logs_dir)
        port = free_port()
        env = dict(os.environ)
        stand_in_process = await spawn(
            ["-m", "bots.demo.standalone", "--port", str(port)], env, load_core, logs / "stand-in.log"
        )
        try:
            connector = aiohttp.TCPConnector(limit=0)
            async with aiohttp.ClientSession(connector=connector) as http:
                stand_in = StandIn(f"http://127.0.0.1:{port}", http)
                await until(lambda: answers(http, f"{stand_in.url}/healthz"), "the stand-in")
                for round_no in range(args.rounds):
                    for kind in args.bots:
                        try:
                            result = await measure(kind, stand_in, args, bot_core, logs)
                        except RuntimeError as error:
                            log = logs / f"{kind}.log"
                            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
                            raise SystemExit(f"{kind}: {error}\n{tail}") from error
                        results.append(result)
                        print(
                            f"round {round_no + 1} {kind}: {result.per_second:.0f} msg/s, "
                            f"{result.cpu_ms:.2f} ms CPU/msg, p50 {result.p50_ms:.1f} ms, "
                            f"p99 {result.p99_ms:.1f} ms "
                            f"({result.fixed_rate_cpu_ms:.2f} ms CPU/msg at that rate), "
                            f"RSS {result.rss_mib:.0f} MiB"
                            + (f", {result.late} sends behind schedule" if result.late else ""),
                            flush=True,
                        )
        finally:
            await stop(stand_in_process)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bots", default=",".join(BOTS), help=f"comma-separated, of {', '.join(BOTS)}")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--messages", type=int, default=6, help="per user in the saturation phase")
    parser.add_argument("--in-flight", type=int, default=64)
    parser.add_argument("--rate", type=float, default=300.0, help="messages per second offered")
    parser.add_argument("--seconds", type=float, default=10.0, help="of the fixed-rate phase")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    parser.add_argument(
        "--omnicab-loop",
        choices=("uvloop", "asyncio"),
        default="asyncio",
        help="the omnicab bots' event loop (OMNICAB_EVENT_LOOP; asyncio is their default)",
    )
    parser.add_argument(
        "--profile", help="a folder (made if missing): py-spy samples each bot into <bot>.txt"
    )
    parser.add_argument(
        "--profile-phase",
        choices=("saturation", "fixed-rate"),
        default="saturation",
        help="the phase --profile samples",
    )
    args = parser.parse_args()
    args.bots = [kind.strip() for kind in args.bots.split(",") if kind.strip()]
    unknown = [kind for kind in args.bots if kind not in BOTS]
    if unknown:
        parser.error(f"unknown bots {unknown}; choose from {', '.join(BOTS)}")
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    # The load generator's own collector pauses would count in every bot's latency, as the app's did.
    settle()
    results = asyncio.run(main_async(args))
    print()
    python = f"{platform.python_implementation()} {platform.python_version()}"
    machine = platform.processor() or platform.machine()
    print(f"{platform.node()}: {os.cpu_count()} cores, {machine}, {python}")
    print(table(results))
    if args.json:
        print(json.dumps([r.__dict__ for r in results]))


if __name__ == "__main__":
    main()

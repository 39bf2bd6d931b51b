"""omnicab scaled out: ``omnicab web`` and N x ``omnicab worker`` on one PostgreSQL and one Redis.

The echo bot of bench/echo on PostgreSQL + Redis, against the Bot API stand-in and load generator
of ``side_by_side.py`` (imported from it, so both measure the same way): one ``web`` process takes
the webhooks, N ``worker`` processes consume the inbox and the outbox, whose shards they lease from
Redis. For each N, after a warm-up (each user writes once) and once the workers have split the
shards between them:

- saturation: messages per second from the first update to the last reply; CPU per message summed
  over every app process (``/proc/<pid>/stat``, user + system) and per process; each process's
  busy share (its CPU seconds over the phase's seconds: 1.0 is one core kept busy) and how long it
  was ready to run but waited for a core (``/proc/<pid>/schedstat``, per second of the phase);
- the shard split: how many of the inbox's and of the outbox's shards each worker held at the end
  of the saturation (the owners of the Redis keys ``<prefix>:inbox:<n>:lease``);
- fixed rate: ``--rate`` messages per second offered for ``--seconds``, p50 / p99 from the update
  leaving the generator to its reply reaching the stand-in, and CPU per message summed over the
  app's processes again: the same offered load whatever N, so what a second worker costs is not
  hidden or inflated by how much each process's batching (group commit, shared Redis round trips)
  gains from a higher or lower rate at saturation.

Placement: the stand-in and the load generator share the last core. ``--app-cores rest`` pins the
app's processes to the other cores, a worker to each in turn and the web process to the next (on 2
cores: web and every worker share CPU 0, so the app has one core whatever N; what N = 2 can show
there is the coordination cost, CPU per message, not a speed-up). ``--app-cores all`` leaves the
app's processes free to run on every core, the load's too (on 2 cores: the only way a second worker
can get a core of its own, shared with the web process, the stand-in, the load, PostgreSQL and Redis).
Rounds interleave the worker counts, so a noisy neighbour hurts each alike.

    .venv/bin/python bench/scale_out.py                     # N = 1 and 2, two rounds, app on CPU 0
    .venv/bin/python bench/scale_out.py --app-cores all --workers 1,2 --rounds 2
    .venv/bin/python bench/scale_out.py --users 4 --messages 2 --rate 5 --seconds 1 --rounds 1 --json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from side_by_side import (
    REDIS,
    Collector,
    Load,
    StandIn,
    answers,
    cpu_seconds,
    forget_redis_keys,
    migrate,
    omnicab_env,
    postgres_database,
    spawn,
    stop,
    tail,
    until,
)
from throughput import free_port

ROOT = Path(__file__).resolve().parent.parent
ECHO_BOT = str(ROOT / "bench" / "echo")
QUEUES = ("inbox", "outbox")
SHARDS = 8
"""``OMNICAB_INBOX_SHARDS``'s default, which both queues use."""
CORES = sorted(os.sched_getaffinity(0))
"""The cores this script may use, read before it pins itself to the load's."""

Cores = set[int] | None


@dataclass(frozen=True)
class Placement:
    """The cores of each process; ``None`` leaves it to the scheduler."""

    load: Cores
    web: Cores
    workers: list[Cores]

    def describe(self) -> str:
        def name(cores: Cores) -> str:
            return "any core" if cores is None else "CPU " + ",".join(map(str, sorted(cores)))

        workers = ", ".join(f"worker {n + 1} on {name(cores)}" for n, cores in enumerate(self.workers))
        return f"stand-in and load on {name(self.load)}, web on {name(self.web)}, {workers}"


def waited_for_a_core(pid: int) -> float:
    """Seconds the process was ready to run but waited for a core (``/proc/<pid>/schedstat``)."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9


def placement(workers: int, app_cores: str) -> Placement:
    if len(CORES) < 2:
        return Placement(None, None, [None] * workers)
    load, rest = {CORES[-1]}, CORES[:-1]
    if app_cores == "all":
        return Placement(load, None, [None] * workers)
    turns = [{rest[n % len(rest)]} for n in range(workers + 1)]
    return Placement(load, turns[workers], turns[:workers])


@dataclass
class Deployment:
    prefix: str
    web: int
    workers: list[int]

    @property
    def pids(self) -> list[int]:
        return [self.web, *self.workers]


@contextlib.asynccontextmanager
async def deployment(
    workers: int, where: Placement, stand_in: StandIn, logs: Path, synchronous_commit: str
) -> AsyncIterator[Deployment]:
    """A fresh database and Redis prefix, migrated; the web process and the workers, the webhook
    registered and the shards of both queues split between the workers."""
    await stand_in.forget_webhook()
    async with contextlib.AsyncExitStack() as stack:
        data_dir = stack.enter_context(tempfile.TemporaryDirectory())
        database = await stack.enter_async_context(postgres_database())
        await _synchronous_commit(database, synchronous_commit)
        web_port = free_port()
        env = omnicab_env(web_port, data_dir, stand_in.url, ECHO_BOT, database, REDIS)
        prefix = env["OMNICAB_REDIS_PREFIX"]
        stack.push_async_callback(forget_redis_keys, prefix)
        await migrate(env, logs / f"migrate-{workers}.log")
        web = await spawn(["-m", "bots.app.cli", "web"], env, where.web, logs / f"web-{workers}.log")
        stack.push_async_callback(stop, web)
        pids = []
        for n, cores in enumerate(where.workers):
            worker_env = env | {"OMNICAB_PORT": str(free_port())}
            log = logs / f"worker-{workers}-{n + 1}.log"
            process = await spawn(["-m", "bots.app.cli", "worker"], worker_env, cores, log)
            stack.push_async_callback(stop, process)
            pids.append(process.pid)
        running = Deployment(prefix, web.pid, pids)
        await until(stand_in.webhook_registered, "the web process registering its webhook")
        await until(lambda: _split(running), f"{workers} workers splitting the shards")
        yield running


async def _synchronous_commit(database: str, setting: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(database.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        name = database.rsplit("/", 1)[1]
        await admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = {setting}')
    finally:
        await admin.close()


async def shard_split(running: Deployment) -> dict[str, list[int]]:
    """Per queue, how many of its shards each worker holds (in the order of ``running.workers``)."""
    import redis.asyncio as redis

    client = redis.Redis.from_url(REDIS, decode_responses=True)
    try:
        split = {}
        for queue in QUEUES:
            keys = [f"{running.prefix}:{queue}:{shard}:lease" for shard in range(SHARDS)]
            owners = [_pid_of(owner) for owner in await client.mget(keys) if owner]
            split[queue] = [owners.count(pid) for pid in running.workers]
        return split
    finally:
        await client.aclose()


def _pid_of(consumer: str) -> int:
    """A queue's consumer is named ``<host>-<pid>-<random>``."""
    return int(consumer.rsplit("-", 2)[1])


async def _split(running: Deployment) -> bool:
    """Every shard held, each worker at its fair share (or under it by the remainder)."""
    fair = math.ceil(SHARDS / len(running.workers))
    split = await shard_split(running)
    return all(sum(held) == SHARDS and max(held) <= fair for held in split.values())


@dataclass
class Run:
    workers: int
    per_second: float
    cpu_ms: float
    """CPU per message summed over the web process and every worker."""
    cpu_ms_by_process: list[float]
    """The web process first, then each worker."""
    busy_by_process: list[float]
    """CPU seconds per second of the saturation phase, web first."""
    waiting_by_process: list[float]
    """Seconds per second of the saturation phase each process was ready to run but had no core."""
    shards: dict[str, list[int]]
    cpu_ms_at_rate: float
    """CPU per message summed over every process at the fixed rate: the same load whatever N."""
    p50_ms: float
    p99_ms: float
    late: int
    placement: str = field(default="")


async def measure(workers: int, stand_in: StandIn, args: argparse.Namespace, logs: Path) -> Run:
    where = placement(workers, args.app_cores)
    async with deployment(workers, where, stand_in, logs, args.synchronous_commit) as running:
        await stand_in.replies()
        collector = Collector(stand_in)
        load = Load(stand_in, args, "echo-services")
        await load.warm_up(collector)
        await load.calibrate(collector)
        cpu_before = [cpu_seconds(pid) for pid in running.pids]
        waited_before = [waited_for_a_core(pid) for pid in running.pids]
        sent, elapsed = await load.flood(collector)
        cpu = [cpu_seconds(pid) - before for pid, before in zip(running.pids, cpu_before, strict=True)]
        waited = [
            waited_for_a_core(pid) - before for pid, before in zip(running.pids, waited_before, strict=True)
        ]
        shards = await shard_split(running)
        cpu_before = [cpu_seconds(pid) for pid in running.pids]
        latencies, late = await load.fixed_rate(collector)
        cpu_at_rate = sum(cpu_seconds(pid) for pid in running.pids) - sum(cpu_before)
        return Run(
            workers=workers,
            per_second=sent / elapsed,
            cpu_ms=1000 * sum(cpu) / sent,
            cpu_ms_by_process=[1000 * seconds / sent for seconds in cpu],
            busy_by_process=[seconds / elapsed for seconds in cpu],
            waiting_by_process=[seconds / elapsed for seconds in waited],
            shards=shards,
            cpu_ms_at_rate=1000 * cpu_at_rate / len(latencies),
            p50_ms=statistics.median(latencies),
            p99_ms=latencies[int(0.99 * (len(latencies) - 1))],
            late=late,
            placement=where.describe(),
        )


def line(round_no: int, run: Run) -> str:
    processes = " / ".join(f"{ms:.2f}" for ms in run.cpu_ms_by_process)
    busy = " / ".join(f"{share:.2f}" for share in run.busy_by_process)
    waiting = " / ".join(f"{share:.2f}" for share in run.waiting_by_process)
    shards = ", ".join(f"{queue} {'+'.join(map(str, held))}" for queue, held in run.shards.items())
    return (
        f"round {round_no} workers={run.workers}: {run.per_second:.0f} msg/s, "
        f"{run.cpu_ms:.2f} ms CPU/msg (web / workers: {processes}), busy {busy}, "
        f"waiting for a core {waiting}, "
        f"shards {shards}; at the fixed rate {run.cpu_ms_at_rate:.2f} ms CPU/msg, "
        f"p50 {run.p50_ms:.1f} ms, p99 {run.p99_ms:.1f} ms"
        + (f", {run.late} sends behind schedule" if run.late else "")
    )


def table(runs: list[Run]) -> str:
    lines = [
        "| workers | messages/s at saturation | CPU per message, all processes"
        " | per process (web / workers) | busy, CPU s per s (web / workers)"
        " | waiting for a core, s per s (web / workers)"
        " | inbox / outbox shards per worker | CPU per message at the fixed rate"
        " | p50 / p99 at the fixed rate |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for workers in dict.fromkeys(run.workers for run in runs):
        mine = [run for run in runs if run.workers == workers]
        rates = ", ".join(f"{run.per_second:.0f}" for run in mine)
        cpu = ", ".join(f"{run.cpu_ms:.2f}" for run in mine)
        processes = "; ".join(" / ".join(f"{ms:.2f}" for ms in run.cpu_ms_by_process) for run in mine)
        busy = "; ".join(" / ".join(f"{share:.2f}" for share in run.busy_by_process) for run in mine)
        waiting = "; ".join(" / ".join(f"{share:.2f}" for share in run.waiting_by_process) for run in mine)
        shards = "; ".join(
            " / ".join("+".join(map(str, run.shards[queue])) for queue in QUEUES) for run in mine
        )
        at_rate = ", ".join(f"{run.cpu_ms_at_rate:.2f}" for run in mine)
        latency = "; ".join(f"{run.p50_ms:.0f} / {run.p99_ms:.0f}" for run in mine)
        lines.append(
            f"| {workers} | {rates} | {cpu} ms | {processes} ms | {busy} | {waiting} | {shards}"
            f" | {at_rate} ms | {latency} ms |"
        )
    return "\n".join(lines)


def ratios(runs: list[Run]) -> str:
    """Each worker count against the first: the medians' throughput and CPU-per-message ratios."""
    counts = list(dict.fromkeys(run.workers for run in runs))
    if len(counts) < 2:
        return ""

    def median(workers: int, figure: str) -> float:
        return statistics.median(getattr(run, figure) for run in runs if run.workers == workers)

    base = counts[0]
    return "\n".join(
        f"{workers} workers against {base}: {median(workers, 'per_second') / median(base, 'per_second'):.2f}x"
        f" the messages/s, {median(workers, 'cpu_ms') / median(base, 'cpu_ms'):.2f}x the CPU per message"
        f" at saturation, {median(workers, 'cpu_ms_at_rate') / median(base, 'cpu_ms_at_rate'):.2f}x"
        " at the fixed rate"
        for workers in counts[1:]
    )


async def main_async(args: argparse.Namespace) -> list[Run]:
    load_core = placement(1, args.app_cores).load
    if load_core is not None:
        os.sched_setaffinity(0, load_core)
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as logs_dir:
        logs = Path(logs_dir)
        port = free_port()
        stand_in_process = await spawn(
            ["-m", "bots.demo.standalone", "--port", str(port)],
            dict(os.environ),
            load_core,
            logs / "stand-in.log",
        )
        try:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
                stand_in = StandIn(f"http://127.0.0.1:{port}", http)
                await until(lambda: answers(http, f"{stand_in.url}/healthz"), "the stand-in")
                for round_no in range(1, args.rounds + 1):
                    for workers in args.workers:
                        started = time.monotonic()
                        try:
                            run = await measure(workers, stand_in, args, logs)
                        except RuntimeError as error:
                            raise SystemExit(f"workers={workers}: {error}\n{tails(logs, workers)}") from error
                        runs.append(run)
                        print(f"{line(round_no, run)} ({time.monotonic() - started:.0f} s)", flush=True)
        finally:
            await stop(stand_in_process)
    return runs


def tails(logs: Path, workers: int) -> str:
    """The ends of the logs of the deployment with ``workers`` workers."""
    return "\n".join(f"--- {log.name}\n{tail(log)}" for log in sorted(logs.glob(f"*-{workers}*.log")))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts, interleaved")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--app-cores", choices=("rest", "all"), default="rest")
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--messages", type=int, default=6, help="per user in the saturation phase")
    parser.add_argument("--in-flight", type=int, default=16, help="webhook calls at once")
    parser.add_argument("--rate", type=float, default=40.0, help="messages per second offered")
    parser.add_argument("--seconds", type=float, default=10.0, help="of the fixed-rate phase")
    parser.add_argument(
        "--synchronous-commit",
        choices=("on", "off"),
        default="on",
        help="off: a diagnostic only (commits stop waiting for the WAL's flush), to tell runs"
        " the disk limits from runs the CPU limits",
    )
    parser.add_argument("--json", action="store_true", help="also print the runs as JSON")
    args = parser.parse_args()
    args.workers = [int(count) for count in args.workers.split(",") if count.strip()]
    if not args.workers or min(args.workers) < 1:
        parser.error("--workers: positive counts, e.g. 1,2")
    args.profile = None
    runs = asyncio.run(main_async(args))
    print()
    python = f"{platform.python_implementation()} {platform.python_version()}"
    machine = platform.processor() or platform.machine()
    load_average = os.getloadavg()[0]
    print(f"{platform.node()}: {os.cpu_count()} cores, {machine}, {python}; load average {load_average:.1f}")
    for workers in dict.fromkeys(args.workers):
        print(f"{workers} workers: {placement(workers, args.app_cores).describe()}")
    if args.synchronous_commit == "off":
        print("synchronous_commit = off on the bench's database (a diagnostic run)")
    print(table(runs))
    print(ratios(runs))
    if args.json:
        print(json.dumps([run.__dict__ for run in runs]))


if __name__ == "__main__":
    main()

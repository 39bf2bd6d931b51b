"""The processes a fault test owns: the platform stand-in, the app's roles, a private Redis, a TCP proxy.

Everything runs as a real process on a free loopback port and is stopped by the test; nothing
is shared with other tests or test runs (the app gets its own database and Redis prefix).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
SEQBOT = Path(__file__).resolve().parent / "seqbot"
BOT_TOKEN = "7100000001:FAULTSUITE-abcdefghijklmnopqrstuvwxyz"
WEBHOOK_SECRET = "fault-suite-webhook-secret"
SECRET_KEY = "fault-suite-" + "k" * 52
DATA_KEY = "fault-suite-data-" + "d" * 48
START_TIMEOUT = 300.0  # seconds; a process imports the channel SDKs first, slow on a busy machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def until(condition: Callable[[], Awaitable[bool]], *, within: float, what: str) -> None:
    """Polls ``condition`` until it holds; fails naming ``what`` after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not await condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {within:.0f} s")
        await asyncio.sleep(0.05)


async def answers(url: str, status: int = 200) -> bool:
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http,
            http.get(url) as response,
        ):
            return response.status == status
    except (aiohttp.ClientError, TimeoutError):
        return False


@dataclass
class Child:
    """One spawned process with its log file."""

    name: str
    process: asyncio.subprocess.Process
    log: Path

    def kill(self) -> None:
        """SIGKILL: no clean-up, no flush, as a crash or the OOM killer would."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
        await self.process.wait()

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(text.splitlines()[-lines:])


def _die_with_the_test() -> None:
    """On Linux the child gets SIGKILL when the test process dies, so no app outlives a killed run."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


async def spawn(name: str, args: list[str], env: dict[str, str], logs: Path) -> Child:
    log = logs / f"{name}.log"
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            *args,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            preexec_fn=_die_with_the_test if sys.platform == "linux" else None,
        )
    return Child(name, process, log)


# ---- the platform stand-in ---------------------------------------------------------------------


@dataclass
class StandIn:
    """The fake Telegram Bot API in a process of its own (``bots.demo.standalone``)."""

    child: Child
    url: str

    async def tally(self) -> dict[str, object]:
        async with aiohttp.ClientSession() as http, http.get(f"{self.url}/tally") as response:
            return dict(await response.json())

    async def setwebhook_calls(self) -> list[object]:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{self.url}/outbox", params={"method": "setWebhook"}) as response,
        ):
            return list((await response.json())["calls"])

    async def set_fault(self, mode: str, **params: float) -> None:
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{self.url}/faults", json={"mode": mode, **params}) as response,
        ):
            assert response.status == 200, await response.text()


@contextlib.asynccontextmanager
async def stand_in(logs: Path) -> AsyncIterator[StandIn]:
    port = free_port()
    child = await spawn(
        "stand-in",
        [sys.executable, "-m", "bots.demo.standalone", "--port", str(port)],
        dict(os.environ),
        logs,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        await until(lambda: answers(f"{url}/healthz"), within=20, what="the platform stand-in")
        yield StandIn(child, url)
    finally:
        await child.stop()


# ---- the app -------------------------------------------------------------------------------


def has_roles() -> bool:
    """Whether this omnicab has the ``web`` and ``worker`` roles, or only ``run``."""
    listed = subprocess.run(
        [sys.executable, "-m", "bots.app.cli", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return "worker" in listed.stdout


@dataclass
class AppConfig:
    """Where the app keeps its data and which platform it talks to."""

    data_dir: Path
    database_url: str
    platform_url: str
    redis_url: str | None = None
    redis_prefix: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def environment(self, port: int, public_url: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("OMNICAB_")}
        env |= {
            "OMNICAB_PORT": str(port),
            "OMNICAB_PUBLIC_URL": public_url,
            "OMNICAB_DATA_DIR": str(self.data_dir),
            "OMNICAB_DATABASE_URL": self.database_url,
            "OMNICAB_BOTS": str(SEQBOT),
            "OMNICAB_SEQBOT_TELEGRAM_TOKEN": BOT_TOKEN,
            "OMNICAB_SEQBOT_TELEGRAM_SECRET": WEBHOOK_SECRET,
            "OMNICAB_TELEGRAM_API_BASE": self.platform_url,
            "OMNICAB_SECRET_KEY": SECRET_KEY,
            "OMNICAB_DATA_KEY": DATA_KEY,
            "OMNICAB_LOG_LEVEL": "WARNING",
            "OMNICAB_TELEGRAM_RATE_PER_SECOND": "100000",
            "OMNICAB_TELEGRAM_CHAT_RATE_PER_SECOND": "100000",
            "OMNICAB_TELEGRAM_CHAT_BURST": "1000",
        }
        if self.redis_url is not None:
            env["OMNICAB_REDIS_URL"] = self.redis_url
        if self.redis_prefix is not None:
            env["OMNICAB_REDIS_PREFIX"] = self.redis_prefix
        return env | self.extra


@dataclass
class App:
    """The app's processes: ``web`` takes the webhooks; ``workers`` handle inbox and outbox.

    Without the ``web``/``worker`` roles every process is ``omnicab run`` and the first one
    takes the webhooks; on the embedded default there is one process, both web and worker.
    """

    config: AppConfig
    logs: Path
    web_port: int
    web: Child | None = None
    workers: list[Child] = field(default_factory=list)
    started: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    async def migrate(self) -> None:
        env = self.config.environment(self.web_port, self.url)
        child = await spawn("migrate", [sys.executable, "-m", "bots.app.cli", "migrate"], env, self.logs)
        assert await child.process.wait() == 0, child.tail()

    async def start(self, *, web: str, workers: list[str]) -> None:
        """Spawns the processes at once and waits until each is up (a ``worker`` serves no HTTP)."""
        self.web = await self._spawn(web, self.web_port)
        waits = [until(_healthy(self.web_port), within=START_TIMEOUT, what=f"the {web} process")]
        for role in workers:
            port = free_port()
            child = await self._spawn(role, port)
            self.workers.append(child)
            if role == "run":
                waits.append(until(_healthy(port), within=START_TIMEOUT, what=child.tail()))
        await asyncio.gather(*waits)

    async def restart_web(self) -> None:
        """The web process again, on the same port and data, after it was killed."""
        assert self.web is not None
        await self.web.stop()
        role = self.web.name.rsplit("-", 1)[0]
        self.web = await self._spawn(role, self.web_port)
        await until(lambda: answers(f"{self.url}/healthz"), within=START_TIMEOUT, what=self.web.tail())

    async def _spawn(self, role: str, port: int) -> Child:
        self.started += 1
        env = self.config.environment(port, self.url)
        return await spawn(
            f"{role}-{self.started}", [sys.executable, "-m", "bots.app.cli", role], env, self.logs
        )

    async def stop(self) -> None:
        for child in [*self.workers, *([self.web] if self.web else [])]:
            await child.stop()

    def tails(self) -> str:
        return "\n".join(child.tail() for child in [*([self.web] if self.web else []), *self.workers])


def _healthy(port: int) -> Callable[[], Awaitable[bool]]:
    return lambda: answers(f"http://127.0.0.1:{port}/healthz")


# ---- a private Redis and a TCP proxy ------------------------------------------------------------


@dataclass
class PrivateRedis:
    """A redis-server of the test's own, on a free port, that the test may restart."""

    port: int
    directory: Path
    logs: Path
    child: Child | None = None
    persistent: bool = False
    """Appends every write to its file before answering (``appendfsync always``), as a production
    Redis that holds the queues should; without it a restart comes back empty."""

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        args = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.directory),
            "--save",
            "",
            "--appendonly",
            "yes" if self.persistent else "no",
            "--appendfsync",
            "always",
        ]
        self.child = await spawn(f"redis-{self.port}", args, dict(os.environ), self.logs)
        await until(self._pong, within=10, what="the private redis-server")

    async def _pong(self) -> bool:
        import redis.asyncio as redis

        client = redis.Redis(port=self.port)
        try:
            return bool(await client.ping())
        except Exception:
            return False
        finally:
            await client.aclose()

    async def stop(self, *, kill: bool = False) -> None:
        if self.child is not None:
            if kill:
                self.child.kill()
            await self.child.stop()
            self.child = None


class TcpProxy:
    """A TCP proxy the test owns between the app and a server: ``cut()`` makes the server unreachable
    (open connections are reset and new ones refused) until ``restore()``."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", self.port)

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._pipes):
            writer.transport.abort()
        self._pipes.clear()

    async def restore(self) -> None:
        await self.start()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._pipes |= {writer, upstream_writer}
        await asyncio.gather(
            self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer), return_exceptions=True
        )
        self._pipes -= {writer, upstream_writer}

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.close()

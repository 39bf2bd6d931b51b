"""omnicab processes (and the fake platform) as subprocesses on free ports, for multi-process tests."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import aiohttp

from tests.support.app import free_port

ROOT = Path(__file__).resolve().parents[2]
ECHO_BOT = ROOT / "tests" / "bots" / "app" / "echo"
ECHO_TOKEN = "7100000001:ECHO-test-token-0123456789abcdef"
SECRET_KEY = "multi-process-test-secret-key-0123456789abcdef"
DATA_KEY = "multi-process-test-data-key-0123456789abcdef"


@dataclass
class Proc:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """kill -9: no clean-up of any kind."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@dataclass
class Processes:
    """Starts processes; every one still running is stopped when the ``started`` block ends."""

    tmp: Path
    env: dict[str, str]
    running: list[Proc] = field(default_factory=list)

    def start(self, name: str, args: list[str], *, port: int | None = None, **env: str) -> Proc:
        log = self.tmp / f"{name}.log"
        stream: IO[bytes] = log.open("ab")
        process = subprocess.Popen(
            args, cwd=ROOT, env={**os.environ, **self.env, **env}, stdout=stream, stderr=subprocess.STDOUT
        )
        stream.close()
        proc = Proc(name, process, log, port)
        self.running.append(proc)
        return proc

    def platform(self) -> Proc:
        port = free_port()
        return self.start("platform", [sys.executable, "-m", "tests.support.platform", str(port)], port=port)

    def omnicab(self, name: str, *command: str, **env: str) -> Proc:
        port = free_port()
        role = command[0]
        options = ["--metrics-port", str(port)] if role == "worker" else ["--port", str(port)]
        if role == "migrate":
            options = []
        args = [sys.executable, "-m", "bots.app.cli", *command, *options]
        extra = {"OMNICAB_PUBLIC_URL": f"http://127.0.0.1:{port}"} if role in ("web", "run") else {}
        return self.start(name, args, port=port if options else None, **{**extra, **env})


@contextmanager
def started(tmp: Path, **env: str) -> Iterator[Processes]:
    processes = Processes(tmp, env)
    try:
        yield processes
    finally:
        for proc in reversed(processes.running):
            proc.stop()


def echo_env(tmp: Path, platform: Proc, **extra: str) -> dict[str, str]:
    """Live mode: the echo bot's Telegram channel, pointed at the fake platform process."""
    return {
        "OMNICAB_BOTS": str(ECHO_BOT),
        "OMNICAB_ECHO_TELEGRAM_TOKEN": ECHO_TOKEN,
        "OMNICAB_TELEGRAM_API_BASE": f"{platform.url}/fake/telegram",
        "OMNICAB_TELEGRAM_CHAT_RATE_PER_SECOND": "100",
        "OMNICAB_TELEGRAM_CHAT_BURST": "100",
        "OMNICAB_TELEGRAM_RATE_PER_SECOND": "1000",
        "OMNICAB_SECRET_KEY": SECRET_KEY,
        "OMNICAB_DATA_KEY": DATA_KEY,
        "OMNICAB_DATA_DIR": str(tmp / "var"),
        "OMNICAB_LOG_LEVEL": "WARNING",
        **extra,
    }


async def eventually(
    check: Callable[[], Awaitable[Any]], *, within: float, what: str, procs: Sequence[Proc] = ()
) -> Any:
    """Polls ``check`` until it returns something truthy; fails with the logs after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        try:
            result = await check()
        except (aiohttp.ClientError, OSError):
            result = None
        if result:
            return result
        for proc in procs:
            if proc.process.poll() is not None:
                raise AssertionError(f"{proc.name} exited ({proc.process.returncode}):\n{proc.output()}")
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {proc.name}\n{proc.output()}" for proc in procs)
            raise AssertionError(f"timed out waiting for {what}\n{logs}")
        await asyncio.sleep(0.1)


async def healthy(http: aiohttp.ClientSession, proc: Proc, within: float = 300) -> None:
    async def ok() -> bool:
        async with http.get(f"{proc.url}/healthz") as response:
            return response.status == 200

    await eventually(ok, within=within, what=f"{proc.name} to be healthy", procs=[proc])


async def sent_texts(http: aiohttp.ClientSession, platform: Proc) -> dict[str, list[str]]:
    """Every text the bots sent through the platform, per chat, in the order the platform got them."""
    async with http.get(f"{platform.url}/fake/telegram/outbox", params={"method": "sendMessage"}) as response:
        calls = (await response.json())["calls"]
    texts: dict[str, list[str]] = {}
    for call in calls:
        if call["ok"]:
            texts.setdefault(str(call["chat_id"]), []).append(str(call["body"]["text"]))
    return texts

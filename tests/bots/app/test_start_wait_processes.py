"""``omnicab worker`` and ``omnicab web`` started before PostgreSQL and Redis are reachable: they wait
for them and then serve, give up after ``OMNICAB_START_TIMEOUT``, stop at once on a wrong database
name, and stop cleanly on SIGTERM while waiting. Real processes, real servers behind TCP proxies."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.engine import make_url

from tests.support.processes import (
    DATA_KEY,
    ECHO_BOT,
    ECHO_TOKEN,
    SECRET_KEY,
    Proc,
    Processes,
    eventually,
    healthy,
    started,
)
from tests.support.tcp_proxy import TcpProxy

START_SECONDS = 300
"""Bounds a wait that fails the test; a process imports the channel SDKs first, slow on a loaded machine."""


def _env(
    tmp_path: Path, database_url: str, redis_url: str, redis_prefix: str, **extra: str
) -> dict[str, str]:
    """Live mode with the echo bot; its platform is never called while a process starts."""
    return {
        "OMNICAB_DATABASE_URL": database_url,
        "OMNICAB_REDIS_URL": redis_url,
        "OMNICAB_REDIS_PREFIX": redis_prefix,
        "OMNICAB_BOTS": str(ECHO_BOT),
        "OMNICAB_ECHO_TELEGRAM_TOKEN": ECHO_TOKEN,
        "OMNICAB_TELEGRAM_API_BASE": "http://127.0.0.1:9/fake/telegram",
        "OMNICAB_SECRET_KEY": SECRET_KEY,
        "OMNICAB_DATA_KEY": DATA_KEY,
        "OMNICAB_DATA_DIR": str(tmp_path / "var"),
        "OMNICAB_LOG_LEVEL": "INFO",
        **extra,
    }


def _postgres_through(postgres_url: str, proxy: TcpProxy) -> str:
    return make_url(postgres_url).set(host="127.0.0.1", port=proxy.port).render_as_string(False)


def _redis_through(redis_url: str, proxy: TcpProxy) -> str:
    return f"redis://127.0.0.1:{proxy.port}/{redis_url.rsplit('/', 1)[1]}"


def _log(proc: Proc) -> str:
    return proc.log.read_text(errors="replace")


async def _logged(proc: Proc, text: str) -> None:
    async def found() -> bool:
        return text in _log(proc)

    await eventually(found, within=START_SECONDS, what=f"{proc.name} to log {text!r}", procs=[proc])


async def _exited(proc: Proc) -> int:
    async def finished() -> bool:
        return proc.process.poll() is not None

    await eventually(finished, within=START_SECONDS, what=f"{proc.name} to exit")
    return proc.process.returncode


async def test_a_worker_started_before_postgresql_and_redis_waits_for_them_and_then_serves(
    tmp_path: Path,
    postgres_url: str,
    redis_url: str,
    redis_prefix: str,
    postgres_proxy: TcpProxy,
    redis_proxy: TcpProxy,
) -> None:
    database = _postgres_through(postgres_url, postgres_proxy)
    env = _env(tmp_path, database, _redis_through(redis_url, redis_proxy), redis_prefix)
    with started(tmp_path, **env) as processes:
        worker = processes.omnicab("worker", "worker")
        await _logged(worker, f"PostgreSQL at 127.0.0.1:{postgres_proxy.port} is not reachable")
        await _logged(worker, f"Redis at 127.0.0.1:{redis_proxy.port} is not reachable")

        await postgres_proxy.restore()
        await _logged(worker, f"PostgreSQL at 127.0.0.1:{postgres_proxy.port} reached")
        await redis_proxy.restore()
        await _logged(worker, f"Redis at 127.0.0.1:{redis_proxy.port} reached")
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            await healthy(http, worker, within=START_SECONDS)
    assert "Traceback" not in _log(worker)


async def test_the_start_timeout_ends_the_wait_with_one_line_and_code_1(
    tmp_path: Path, postgres_url: str, redis_url: str, redis_prefix: str, postgres_proxy: TcpProxy
) -> None:
    database = _postgres_through(postgres_url, postgres_proxy)
    env = _env(tmp_path, database, redis_url, redis_prefix, OMNICAB_START_TIMEOUT="1")
    with started(tmp_path, **env) as processes:
        worker = processes.omnicab("worker", "worker")
        code = await _exited(worker)
    output = _log(worker)
    assert code == 1, output
    assert "Traceback" not in output
    last = output.strip().splitlines()[-1]
    expected = "omnicab worker: cannot start: not reachable within 1 s (OMNICAB_START_TIMEOUT): "
    assert last.startswith(expected + f"PostgreSQL at 127.0.0.1:{postgres_proxy.port}: "), output


async def test_a_database_that_does_not_exist_ends_the_start_at_once(
    tmp_path: Path, postgres_url: str, redis_url: str, redis_prefix: str
) -> None:
    missing = make_url(postgres_url).set(database="omnicab_no_such_database").render_as_string(False)
    with started(tmp_path, **_env(tmp_path, missing, redis_url, redis_prefix)) as processes:
        worker = processes.omnicab("worker", "worker")
        code = await _exited(worker)
    output = _log(worker)
    assert code == 2, output
    assert "Traceback" not in output
    assert "is not reachable" not in output
    assert 'database "omnicab_no_such_database" does not exist; check OMNICAB_DATABASE_URL' in output


@pytest.mark.parametrize("command", [["worker"], ["web"]], ids=["worker without HTTP", "web"])
async def test_sigterm_while_waiting_ends_the_process_cleanly(
    tmp_path: Path,
    postgres_url: str,
    redis_url: str,
    redis_prefix: str,
    redis_proxy: TcpProxy,
    command: list[str],
) -> None:
    env = _env(tmp_path, postgres_url, _redis_through(redis_url, redis_proxy), redis_prefix)
    with started(tmp_path, **env) as processes:
        proc = _start(processes, command)
        await _logged(proc, f"Redis at 127.0.0.1:{redis_proxy.port} is not reachable")
        proc.process.send_signal(signal.SIGTERM)
        code = await _exited(proc)
    output = _log(proc)
    assert code == 0, output
    assert "Traceback" not in output


def _start(processes: Processes, command: list[str]) -> Proc:
    if command == ["worker"]:
        return processes.start("worker", [sys.executable, "-m", "bots.app.cli", "worker"])
    return processes.omnicab(command[0], *command)

"""A starting process waits for PostgreSQL and Redis to become reachable instead of exiting.

Only unreachability is waited for: a refused, reset or timed-out connection, a host name that does not
resolve yet, a server that is starting up or full. Whatever else the first connection meets (a wrong
password, a database or role that does not exist, a Redis database number out of range) stops the
start at once with one line: waiting on a typo helps nobody. ``OMNICAB_START_TIMEOUT`` bounds the wait.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import AuthenticationError, AuthorizationError

from bots.app.outages import is_outage
from bots.state.backoff import Backoff

if TYPE_CHECKING:
    from bots.app.settings import Settings
    from cabinet_api import Database

log = logging.getLogger(__name__)

START_BACKOFF = Backoff(initial=0.5, maximum=15.0)
"""0.5 s doubling to 15 s between attempts, each drawn between half that and that."""
ATTEMPT_SECONDS = 10.0
"""An attempt that gets no answer at all (packets dropped) counts as unreachable after this long."""

EXIT_UNREACHABLE = 1
EXIT_REFUSED = 2


class StartFailed(Exception):
    """The process cannot start: a backend refused it, or stayed unreachable past the start timeout.

    Its text is one line for the operator; ``exit_code`` is what the process exits with.
    """

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class Backend:
    """A service the process needs, named for people: never the URL, which may hold a password."""

    name: str
    address: str
    setting: str
    connect: Callable[[], Awaitable[object]]
    """One attempt to connect and run a trivial command; raises what connecting raised."""

    def __str__(self) -> str:
        return f"{self.name} at {self.address}"


def needed_backends(settings: Settings, database: Database, *, redis: bool = True) -> list[Backend]:
    """PostgreSQL, unless the database is the embedded SQLite file, and Redis when one is set."""
    backends = []
    if not database.is_sqlite:
        address = f"{database.url.host or 'localhost'}:{database.url.port or 5432}"
        backends.append(Backend("PostgreSQL", address, "OMNICAB_DATABASE_URL", database.check))
    if redis and settings.redis_url is not None:
        backends.append(redis_backend(settings.redis_url))
    return backends


def redis_backend(url: str) -> Backend:
    parts = urlsplit(url)
    host = f"{parts.hostname or 'localhost'}:{parts.port or 6379}"
    address = parts.path if parts.scheme == "unix" else host
    return Backend("Redis", address, "OMNICAB_REDIS_URL", _redis_ping(url))


def _redis_ping(url: str) -> Callable[[], Awaitable[object]]:
    async def ping() -> object:
        client = Redis.from_url(url, retry=Retry(NoBackoff(), 0), socket_connect_timeout=ATTEMPT_SECONDS)
        try:
            return await client.ping()
        finally:
            await client.aclose()

    return ping


async def wait_for_backends(
    backends: Sequence[Backend], *, give_up_after: float | None, backoff: Backoff = START_BACKOFF
) -> None:
    """Returns once every backend answered; raises :class:`StartFailed` when one refused the process
    or ``give_up_after`` seconds passed (``None``: no limit). Backends are waited for side by side."""
    last_errors = {backend: "no answer yet" for backend in backends}
    waiting = [asyncio.create_task(_wait_for(backend, backoff, last_errors)) for backend in backends]
    try:
        async with asyncio.timeout(give_up_after):
            await asyncio.gather(*waiting)
    except TimeoutError:
        unreached = "; ".join(f"{backend}: {error}" for backend, error in last_errors.items())
        raise StartFailed(
            f"not reachable within {give_up_after:g} s (OMNICAB_START_TIMEOUT): {unreached}", EXIT_UNREACHABLE
        ) from None
    finally:
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)


async def _wait_for(backend: Backend, backoff: Backoff, last_errors: dict[Backend, str]) -> None:
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        try:
            await _attempt(backend)
        except Exception as error:
            if _cancelled():
                raise asyncio.CancelledError from error
            if not unreachable(error):
                raise StartFailed(
                    f"{backend} refused the connection: {describe(error)}; check {backend.setting}",
                    EXIT_REFUSED,
                ) from None
            last_errors[backend] = describe(error)
            delay = backoff.delay(attempt)
            log.warning(
                "%s is not reachable (%s); attempt %d, next in %.1f s",
                backend,
                last_errors[backend],
                attempt,
                delay,
            )
            await asyncio.sleep(delay)
        else:
            del last_errors[backend]
            if attempt == 1:
                log.info("%s reached", backend)
            else:
                waited = time.monotonic() - started
                log.info("%s reached after %d attempts in %.1f s", backend, attempt, waited)
            return


def _cancelled() -> bool:
    """Python 3.11's ``wait_for`` can hand back the connection's error instead of a cancellation that
    arrived with it; the task still counts the request, and the give-up timeout depends on it (CI once
    saw 1,024 attempts in a 0.5 s limit)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def _attempt(backend: Backend) -> None:
    try:
        await asyncio.wait_for(backend.connect(), ATTEMPT_SECONDS)
    except TimeoutError:
        raise TimeoutError(f"no answer within {ATTEMPT_SECONDS:g} s") from None


_REFUSALS = (AuthenticationError, AuthorizationError)
"""Redis counts a wrong password as a connection error; for a starting process it is a refusal."""


def unreachable(error: BaseException) -> bool:
    """Whether waiting can help: the service is down, starting, full, or its name does not resolve yet
    (a container that is not up has no address)."""
    chain = list(_causes(error))
    if any(isinstance(link, _REFUSALS) for link in chain):
        return False
    if any(isinstance(link, socket.gaierror) for link in chain):
        return True
    return is_outage(error)


def describe(error: BaseException) -> str:
    """The innermost cause, as ``Type: first line``: asyncpg's own error rather than SQLAlchemy's wrapper."""
    inner = list(_causes(error))[-1]
    text = str(inner).strip().splitlines()
    return f"{type(inner).__name__}: {text[0]}" if text else type(inner).__name__


def _causes(error: BaseException) -> list[BaseException]:
    chain = [error]
    while (cause := chain[-1].__cause__ or getattr(chain[-1], "orig", None)) is not None:
        if not isinstance(cause, Exception) or cause in chain:
            break
        chain.append(cause)
    return chain

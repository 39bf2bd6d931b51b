"""Which errors are outages of a backing service rather than faults of the work at hand.

An outage (PostgreSQL or Redis unreachable, a connection dropped, a pool exhausted) is waited out:
the work is retried however long it lasts and never dead-lettered for it. Any other error counts
as an attempt of the item that caused it.
"""

from __future__ import annotations

import errno
import sqlite3

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

_OUTAGES = (
    ConnectionError,
    TimeoutError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
    PoolTimeoutError,
    RedisConnectionError,
    RedisTimeoutError,
    sqlite3.OperationalError,
)
_NETWORK_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.ETIMEDOUT,
        errno.EPIPE,
    }
)


def is_outage(error: BaseException) -> bool:
    cause = error.__cause__ or error.__context__
    return _is_outage(error) or (cause is not None and cause is not error and _is_outage(cause))


_OUTAGE_SQLSTATE_CLASSES = ("08", "53", "57P")
"""PostgreSQL's connection exceptions, insufficient resources (too many clients) and shutdowns."""


def _is_outage(error: BaseException) -> bool:
    if isinstance(error, DBAPIError) and (error.connection_invalidated or _server_busy(error)):
        return True
    if isinstance(error, _OUTAGES):
        return True
    if type(error) is OSError:
        return True  # asyncio's "Multiple exceptions" when no address of a host accepts a connection
    return isinstance(error, OSError) and error.errno in _NETWORK_ERRNOS


def _server_busy(error: DBAPIError) -> bool:
    for candidate in (error.orig, getattr(error.orig, "__cause__", None)):
        state = getattr(candidate, "sqlstate", None)
        if isinstance(state, str) and state.startswith(_OUTAGE_SQLSTATE_CLASSES):
            return True
    return False

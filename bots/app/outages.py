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


def _is_outage(error: BaseException) -> bool:
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, _OUTAGES):
        return True
    if type(error) is OSError:
        return True  # asyncio's "Multiple exceptions" when no address of a host accepts a connection
    return isinstance(error, OSError) and error.errno in _NETWORK_ERRNOS

"""Which errors are outages of a backing service rather than faults of the work at hand.

An outage (PostgreSQL or Redis unreachable, a connection dropped, a pool exhausted) is waited out:
the work is retried however long it lasts and never dead-lettered for it. Any other error counts
as an attempt of the item that caused it.
"""

from __future__ import annotations

import sqlite3

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

_OUTAGES = (
    OSError,
    TimeoutError,
    ConnectionError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
    PoolTimeoutError,
    RedisConnectionError,
    RedisTimeoutError,
    sqlite3.OperationalError,
)


def is_outage(error: BaseException) -> bool:
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, _OUTAGES):
        return True
    cause = error.__cause__ or error.__context__
    return cause is not None and cause is not error and isinstance(cause, _OUTAGES)

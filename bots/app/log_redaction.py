"""Logs never carry what clients wrote or who they are: third-party loggers are kept quiet, and a
filter on every handler masks card, account, document and phone numbers in whatever remains.

aiogram, viberbot and pywa log update and request bodies at DEBUG, SQLAlchemy echoes statement
parameters at INFO, aiohttp's access log prints query strings (WhatsApp's ``hub.verify_token``):
they stay at WARNING even when ``OMNICAB_LOG_LEVEL=DEBUG`` turns on omnicab's own debugging.
"""

from __future__ import annotations

import logging
from typing import Final

from adapters.redaction import redact_for_logs

QUIET_LOGGERS: Final = (
    "aiogram",
    "aiohttp.access",
    "aiohttp.client",
    "aiohttp.server",
    "aiohttp.web",
    "asyncpg",
    "sqlalchemy",
    "sqlalchemy.engine",
    "sqlalchemy.pool",
    "aiosqlite",
    "alembic",
    "viberbot",
    "pywa",
    "httpx",
    "httpcore",
    "redis",
    "urllib3",
)


class RedactingFilter(logging.Filter):
    """Renders the message once, masked, so neither the format string nor its arguments leak."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        redacted = redact_for_logs(message)
        if redacted != message or record.args:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_for_logs(record.exc_text)
        return True


def install_log_redaction(root: logging.Logger | None = None) -> None:
    """Quiet the third-party loggers and put the filter on every handler of the root logger."""
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)
    target = root or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(existing, RedactingFilter) for existing in handler.filters):
            handler.addFilter(RedactingFilter())

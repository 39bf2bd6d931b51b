"""The operator console: its pages (``static/``) and the JSON API under ``/console/api/``."""

from __future__ import annotations

from handoff.console.api import OPENAPI_PATH, ROUTES, create_console_api
from handoff.console.context import COOKIE, ConsoleContext
from handoff.console.site import STATIC_DIR, create_console_site

__all__ = [
    "COOKIE",
    "OPENAPI_PATH",
    "ROUTES",
    "STATIC_DIR",
    "ConsoleContext",
    "create_console_api",
    "create_console_site",
]

"""The operator console: its pages (``static/``) and the JSON API under ``/console/api/``."""

from __future__ import annotations

from handoff.console.site import STATIC_DIR, create_console_site

__all__ = ["STATIC_DIR", "create_console_site"]

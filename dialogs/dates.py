"""Dates and times as the client reads them, through Babel, with the zone said when it is not theirs.

``{{ slots.visit_at | datetime }}`` renders «27 ноября в 15:00» for a client whose time zone is
known (``client.time_zone``, an IANA name) and «27 ноября в 15:00 по Москве» for anyone else,
in the bot's zone (its ``time_zone``, Moscow by default, or the filter's ``zone=``). The value is
an aware ``datetime`` or an ISO 8601 string (a naive one is taken as UTC); anything else is shown
as it is.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime, get_timezone_location

from dialogs.declension import decline_place

DEFAULT_ZONE = "Europe/Moscow"
_PATTERNS = {"ru": "d MMMM 'в' HH:mm", "en": "d MMMM 'at' HH:mm"}
_DATE_ONLY = {"ru": "d MMMM", "en": "d MMMM"}


def format_moment(
    value: Any, locale: str, *, client_zone: str | None, zone: str = DEFAULT_ZONE, date_only: bool = False
) -> str:
    moment = _moment(value)
    if moment is None:
        return "" if value is None else str(value)
    shown = _zone(client_zone) or _zone(zone) or ZoneInfo(DEFAULT_ZONE)
    language = locale if locale in _PATTERNS else "en"
    pattern = (_DATE_ONLY if date_only else _PATTERNS)[language]
    text = format_datetime(moment, pattern, tzinfo=shown, locale=language)
    if date_only or _zone(client_zone) is not None:
        return text
    return f"{text} {_zone_phrase(shown.key, language)}"


def _moment(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@cache
def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@cache
def _zone_phrase(name: str, language: str) -> str:
    """«по Москве», «по Екатеринбургу»; "Moscow time"."""
    city = get_timezone_location(ZoneInfo(name), locale=language, return_city=True)
    if language == "ru":
        return f"по {decline_place(city, 'dat')}"
    return f"{city} time"

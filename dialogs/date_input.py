"""Dates and times as clients type them, in Russian and English, for `expect: date` and `expect: datetime`.

A small grammar rather than a general parser: «сегодня», «завтра», «послезавтра», «в пятницу»,
«25.11», «25.11.2026», «25 ноября», «25 ноября 15:00», «15:30»; "today", "tomorrow", "on Friday",
"Nov 25", "25 November 2026", "3pm"; ISO 8601. Everything the client wrote must be understood:
a word left over means the answer is refused, never guessed.

A date without a year is the nearest such date, before or after today («25.01» in December is next
January's, «25.11» on 26 November yesterday's); a weekday is the next such day (today counts); a
time without a date is today's, or tomorrow's when it has passed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

_MONTHS = {
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "мая": 5, "май": 5, "июн": 6, "июл": 7, "авг": 8,
    "сен": 9, "окт": 10, "ноя": 11, "дек": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH_NAMES = (
    "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
    "ноября", "декабря", "январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август",
    "сентябрь", "октябрь", "ноябрь", "декабрь", "january", "february", "march", "april", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_WEEKDAYS = {
    "понедельник": 0, "пн": 0, "вторник": 1, "вт": 1, "среда": 2, "среду": 2, "ср": 2,
    "четверг": 3, "чт": 3, "пятница": 4, "пятницу": 4, "пт": 4, "суббота": 5, "субботу": 5, "сб": 5,
    "воскресенье": 6, "вс": 6,
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "wednesday": 2, "wed": 2, "thursday": 3, "thu": 3,
    "friday": 4, "fri": 4, "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
_RELATIVE = {
    "сегодня": 0, "завтра": 1, "послезавтра": 2,
    "today": 0, "tomorrow": 1, "day after tomorrow": 2, "the day after tomorrow": 2,
}  # fmt: skip
_FILLER = frozenset({"в", "во", "на", "к", "с", "on", "at", "by", "the", "of", "г", "года", "год"})

_TIME = re.compile(
    r"(?<![\d.:])(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)(?![\w])"
    r"|(?<![\d.:])(\d{1,2}):(\d{2})(?![\d:])"
)
_NUMERIC_DATE = re.compile(r"(?<![\d.])(\d{1,2})[./](\d{1,2})(?:[./](\d{4}|\d{2}))?(?![\d.]*\d)")
_WORD = re.compile(r"[a-zа-я]+")
_DAY_MONTH = re.compile(r"(?<!\d)(\d{1,2})(?:-?(?:го|e|st|nd|rd|th))?\s+([a-zа-я]+)\.?(?:\s+(\d{4}))?(?!\d)")
_MONTH_DAY = re.compile(r"\b([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?(?!\d)")


@dataclass(frozen=True, slots=True)
class Moment:
    """What the client named: a day, and a time of day when they gave one."""

    day: date
    time_of_day: time | None


def parse_moment(text: str, now: datetime) -> Moment | None:
    """What ``text`` names, seen from ``now`` (an aware datetime in the client's zone); None when
    the text is not a date or a time this grammar knows."""
    cleaned = " ".join(text.casefold().replace("ё", "е").replace(",", " ").split()).strip(" .!?")
    if not cleaned:
        return None
    iso = _iso(cleaned, now)
    if iso is not None:
        return iso
    try:
        rest, time_of_day = _take_time(cleaned)
        rest, day = _take_day(rest, now.date())
    except _Unreadable:
        return None
    if any(word not in _FILLER for word in rest.replace(".", " ").split()):
        return None
    if day is None:
        if time_of_day is None:
            return None
        day = now.date()
        if time_of_day <= now.time().replace(tzinfo=None):
            day += timedelta(days=1)
    return Moment(day, time_of_day)


def _iso(text: str, now: datetime) -> Moment | None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}(?:[t ][\d:.]+(?:z|[+-][\d:]+)?)?", text):
        return None
    try:
        parsed = datetime.fromisoformat(text.upper())
    except ValueError:
        return None
    if len(text) == 10:
        return Moment(parsed.date(), None)
    if parsed.tzinfo is not None and now.tzinfo is not None:
        parsed = parsed.astimezone(now.tzinfo)
    return Moment(parsed.date(), parsed.time().replace(tzinfo=None))


class _Unreadable(ValueError):
    """A time or a day that does not exist: «25:00», «31.02»."""


def _take_time(text: str) -> tuple[str, time | None]:
    """The text without its time of day, and that time."""
    match = _TIME.search(text)
    if match is None:
        return text, None
    if match.group(3):
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if not 1 <= hour <= 12:
            raise _Unreadable(text)
        hour = hour % 12 + (12 if match.group(3).startswith("p") else 0)
    else:
        hour, minute = int(match.group(4)), int(match.group(5))
    if hour > 23 or minute > 59:
        raise _Unreadable(text)
    return text[: match.start()] + " " + text[match.end() :], time(hour, minute)


def _take_day(text: str, today: date) -> tuple[str, date | None]:
    """The text without the day it names, and that day."""
    for phrase, days in sorted(_RELATIVE.items(), key=lambda item: -len(item[0])):
        found = re.search(rf"(?<!\w){phrase}(?!\w)", text)
        if found is not None:
            return _cut(text, found), today + timedelta(days=days)
    if (found := _NUMERIC_DATE.search(text)) is not None:
        year = int(found.group(3)) if found.group(3) else None
        if year is not None and year < 100:
            year += 2000
        return _cut(text, found), _day(today, int(found.group(1)), int(found.group(2)), year)
    if (found := _DAY_MONTH.search(text)) is not None and (month := _month(found.group(2))) is not None:
        year = int(found.group(3)) if found.group(3) else None
        return _cut(text, found), _day(today, int(found.group(1)), month, year)
    if (found := _MONTH_DAY.search(text)) is not None and (month := _month(found.group(1))) is not None:
        year = int(found.group(3)) if found.group(3) else None
        return _cut(text, found), _day(today, int(found.group(2)), month, year)
    for word in _WORD.finditer(text):
        weekday = _WEEKDAYS.get(word.group(0))
        if weekday is not None:
            return _cut(text, word), today + timedelta(days=(weekday - today.weekday()) % 7)
    return text, None


def _cut(text: str, match: re.Match[str]) -> str:
    return text[: match.start()] + " " + text[match.end() :]


def _month(word: str) -> int | None:
    month = _MONTHS.get(word[:3])
    if month is None or (len(word) > 3 and not _is_month_word(word)):
        return None
    return month


def _is_month_word(word: str) -> bool:
    """«ноября», «нояб», "november", "sept": a month's name or its abbreviation, not any word."""
    return any(name.startswith(word) for name in _MONTH_NAMES)


def _day(today: date, day: int, month: int, year: int | None) -> date:
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            raise _Unreadable(f"{day}.{month}.{year}") from None
    candidates = []
    for near in (today.year - 1, today.year, today.year + 1):
        try:
            candidates.append(date(near, month, day))
        except ValueError:
            continue
    if not candidates:
        raise _Unreadable(f"{day}.{month}")
    return min(candidates, key=lambda candidate: abs((candidate - today).days))

"""Business time for follow-up deadlines: the clock stops on weekends and holidays (Moscow days)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

MOSCOW = ZoneInfo("Europe/Moscow")
RUSSIAN_PUBLIC_HOLIDAYS: frozenset[tuple[int, int]] = frozenset(
    {(1, day) for day in range(1, 9)} | {(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)}
)


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """``holidays`` are dates of particular years; ``yearly`` are (month, day) holidays of every year."""

    holidays: frozenset[date] = frozenset()
    yearly: frozenset[tuple[int, int]] = RUSSIAN_PUBLIC_HOLIDAYS
    timezone: tzinfo = field(default=MOSCOW)

    @classmethod
    def with_holidays(cls, holidays: Iterable[date]) -> BusinessCalendar:
        return cls(holidays=frozenset(holidays))

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays and (day.month, day.day) not in self.yearly

    def add_business_hours(self, start: datetime, hours: float) -> datetime:
        """``start`` plus ``hours`` counted only on business days (in UTC, as ``start`` is aware)."""
        remaining = timedelta(hours=hours)
        cursor = start.astimezone(self.timezone)
        while True:
            next_midnight = datetime.combine(cursor.date() + timedelta(days=1), time(), self.timezone)
            if self.is_business_day(cursor.date()):
                left_today = next_midnight - cursor
                if remaining <= left_today:
                    return (cursor + remaining).astimezone(start.tzinfo)
                remaining -= left_today
            cursor = next_midnight

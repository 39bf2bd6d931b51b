"""Business hours: when people answer. ``24/7`` by default (as the seed's service), or weekday ranges
such as ``mon-fri 09:00-18:00; sat 10:00-15:00``, closed on the calendar's holidays: ``ru`` (Russian public
holidays, the default), dates such as ``2026-12-31`` and yearly days such as ``12-31``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from cabinet_api.services import BusinessCalendar

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(
    r"^(?P<days>[a-z]{3}(?:-[a-z]{3})?(?:,[a-z]{3}(?:-[a-z]{3})?)*)\s+(?P<open>\d{2}:\d{2})-(?P<close>\d{2}:\d{2})$"
)
ALWAYS = "24/7"
RUSSIAN = "ru"
_YEARLY = re.compile(r"^(?P<month>\d{2})-(?P<day>\d{2})$")


def parse_holidays(spec: str | None) -> BusinessCalendar:
    """``ru, 2026-12-31, 12-30``: Russian public holidays, one date, and a day of every year."""
    dates: set[date] = set()
    yearly: set[tuple[int, int]] = set()
    for part in filter(None, (part.strip().lower() for part in (spec or RUSSIAN).split(","))):
        if part == RUSSIAN:
            yearly |= BusinessCalendar().yearly
            continue
        every_year = _YEARLY.match(part)
        try:
            if every_year is not None:
                day = date(2000, int(every_year["month"]), int(every_year["day"]))
                yearly.add((day.month, day.day))
            else:
                dates.add(date.fromisoformat(part))
        except ValueError as error:
            raise ValueError(
                f"holiday {part!r}: write ru, a date such as 2026-12-31 or a day such as 12-31"
            ) from error
    return BusinessCalendar(holidays=frozenset(dates), yearly=frozenset(yearly))


def _days(spec: str) -> set[int]:
    days: set[int] = set()
    for part in spec.split(","):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError(f"unknown day in {part!r}; use {', '.join(DAYS)}")
        start, end = DAYS.index(first), DAYS.index(last or first)
        days.update(range(start, end + 1) if start <= end else [*range(start, 7), *range(0, end + 1)])
    return days


def _time(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    if hours == 24 and minutes == 0:
        return time.max
    return time(hours, minutes)


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """Weekday (0 = Monday) -> (open, close) in ``timezone``; empty means always open."""

    ranges: dict[int, tuple[time, time]] = field(default_factory=dict)
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    timezone: tzinfo = field(default_factory=lambda: ZoneInfo("Europe/Moscow"))
    spec: str = ALWAYS

    @classmethod
    def parse(
        cls, spec: str | None, *, timezone: str = "Europe/Moscow", holidays: str | None = None
    ) -> BusinessHours:
        spec = (spec or ALWAYS).strip().lower()
        zone = ZoneInfo(timezone)
        calendar = parse_holidays(holidays)
        if spec == ALWAYS:
            return cls(calendar=calendar, timezone=zone)
        ranges: dict[int, tuple[time, time]] = {}
        for chunk in filter(None, (part.strip() for part in spec.split(";"))):
            match = _RANGE.match(chunk)
            if match is None:
                raise ValueError(
                    f"business hours {chunk!r}: write e.g. 'mon-fri 09:00-18:00; sat 10:00-15:00'"
                )
            opens, closes = _time(match["open"]), _time(match["close"])
            if opens >= closes:
                raise ValueError(f"business hours {chunk!r}: opening must come before closing")
            for day in _days(match["days"]):
                ranges[day] = (opens, closes)
        return cls(ranges=ranges, calendar=calendar, timezone=zone, spec=spec)

    @property
    def always_open(self) -> bool:
        return not self.ranges

    def is_open(self, now: datetime) -> bool:
        if self.always_open:
            return True
        local = now.astimezone(self.timezone)
        hours = self._hours_on(local)
        return hours is not None and hours[0] <= local.time() < hours[1]

    def next_opening(self, now: datetime) -> datetime:
        """``now`` when open, else the next moment people answer (in ``now``'s zone)."""
        if self.is_open(now):
            return now
        local = now.astimezone(self.timezone)
        for offset in range(0, 32):
            day = local + timedelta(days=offset)
            hours = self._hours_on(day)
            if hours is None:
                continue
            opening = datetime.combine(day.date(), hours[0], self.timezone)
            if opening > local:
                return opening.astimezone(now.tzinfo)
        raise ValueError("no opening in the next month: check the business hours")

    def _hours_on(self, local: datetime) -> tuple[time, time] | None:
        if (local.month, local.day) in self.calendar.yearly or local.date() in self.calendar.holidays:
            return None
        return self.ranges.get(local.weekday())

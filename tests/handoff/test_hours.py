"""The business calendar: weekday hours, closed on holidays (Russian public ones, dates, yearly days)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from bots.app.settings import Settings
from handoff import BusinessHours

NOON_MOSCOW = 9  # UTC hour


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{NOON_MOSCOW:02d}:00:00").replace(tzinfo=UTC)


def test_holidays_close_the_whole_day_and_the_next_opening_skips_them() -> None:
    hours = BusinessHours.parse("mon-sun 09:00-18:00", holidays="ru, 2026-12-30, 12-31")

    assert hours.is_open(at("2026-12-29"))
    assert not hours.is_open(at("2026-12-30"))
    assert not hours.is_open(at("2027-12-31"))
    assert not hours.is_open(at("2027-01-07"))
    assert hours.next_opening(at("2026-12-30")) == datetime(2027, 1, 9, 6, 0, tzinfo=UTC)


def test_without_the_ru_token_russian_holidays_are_working_days() -> None:
    hours = BusinessHours.parse("mon-sun 09:00-18:00", holidays="2026-12-30")

    assert hours.is_open(at("2027-01-01"))


@pytest.mark.parametrize("holidays", ["31.12", "2026-13-01", "02-30", "завтра"])
def test_a_holiday_that_is_no_date_is_refused_when_the_settings_load(holidays: str) -> None:
    with pytest.raises(ValidationError, match="business_holidays"):
        Settings(business_holidays=holidays)

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cabinet_api.services import BusinessCalendar
from cabinet_api.services.business_time import MOSCOW


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (datetime(2026, 3, 2, 9, 30, tzinfo=UTC), datetime(2026, 3, 3, 9, 30, tzinfo=UTC)),
        (datetime(2026, 3, 6, 12, 0, tzinfo=UTC), datetime(2026, 3, 9, 12, 0, tzinfo=UTC)),
        (datetime(2026, 3, 7, 10, 0, tzinfo=MOSCOW), datetime(2026, 3, 10, 0, 0, tzinfo=MOSCOW)),
        (datetime(2026, 5, 8, 12, 0, tzinfo=MOSCOW), datetime(2026, 5, 11, 12, 0, tzinfo=MOSCOW)),
        (datetime(2025, 12, 31, 12, 0, tzinfo=MOSCOW), datetime(2026, 1, 9, 12, 0, tzinfo=MOSCOW)),
    ],
    ids=["weekday", "friday", "saturday", "before-victory-day", "new-year"],
)
def test_the_clock_stops_on_weekends_and_public_holidays(start: datetime, due: datetime) -> None:
    assert BusinessCalendar().add_business_hours(start, 24) == due


def test_configured_holidays_are_skipped() -> None:
    calendar = BusinessCalendar.with_holidays([date(2026, 3, 3)])
    start = datetime(2026, 3, 2, 12, 30, tzinfo=MOSCOW)

    assert calendar.add_business_hours(start, 24) == datetime(2026, 3, 4, 12, 30, tzinfo=MOSCOW)
    assert not calendar.is_business_day(date(2026, 3, 3))
    assert calendar.is_business_day(date(2026, 3, 4))

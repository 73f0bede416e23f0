"""Working days by the Russian production calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from actions.store.calendar import MOSCOW, add_working_days, deadline_for, is_working_day
from actions.store.models import DeadlineKind


def test_working_days_skip_the_march_holiday_and_weekend() -> None:
    # Thursday 5 March 2026; 7–8 weekend, 9 March the observed Women's Day holiday.
    start = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
    assert add_working_days(start, 1) == datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
    assert add_working_days(start, 2) == datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def test_new_year_holidays_and_transferred_day_off_are_not_working() -> None:
    assert not is_working_day(date(2026, 1, 8))
    assert not is_working_day(date(2026, 1, 9))  # transferred from 3 January
    assert not is_working_day(date(2026, 12, 31))  # transferred from 4 January
    start = datetime(2025, 12, 30, 12, 0, tzinfo=UTC)
    assert add_working_days(start, 1) == datetime(2026, 1, 12, 12, 0, tzinfo=UTC)


def test_days_are_counted_on_moscow_dates() -> None:
    # 22:30 UTC on Friday is already Saturday in Moscow: the next working day is Tuesday 10th.
    start = datetime(2026, 3, 6, 22, 30, tzinfo=UTC)
    assert add_working_days(start, 1).astimezone(MOSCOW).date() == date(2026, 3, 10)


def test_deadline_kinds() -> None:
    submitted = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday
    assert deadline_for(submitted, DeadlineKind.STANDARD) == datetime(2026, 3, 10, 9, tzinfo=UTC)
    assert deadline_for(submitted, DeadlineKind.CLARIFICATION) == datetime(
        2026, 3, 17, 9, tzinfo=UTC
    )
    assert deadline_for(submitted, DeadlineKind.INTERAGENCY) == submitted + timedelta(days=30)

"""Working hours in Moscow time: open now, next opening, and the content they are read from."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from workcalendar import MOSCOW, DayHours, WeekHours, load_week_hours, next_opening, open_now

DAY = DayHours(open="08:00", close="21:00")
WEEKDAYS_ONLY = WeekHours(weekday=DAY)
AROUND_THE_CLOCK = DayHours(open="00:00", close="24:00")


def moscow(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MOSCOW)


def test_open_now_gives_the_hours_in_force() -> None:
    assert open_now(WEEKDAYS_ONLY, moscow(2026, 11, 25, 12).astimezone(UTC)) == DAY
    assert open_now(WEEKDAYS_ONLY, moscow(2026, 11, 25, 21)) is None


def test_a_day_closing_at_midnight_is_open_until_the_last_minute() -> None:
    hours = WeekHours(weekday=AROUND_THE_CLOCK)
    assert open_now(hours, moscow(2026, 11, 25, 23, 59)) == AROUND_THE_CLOCK
    # Saturday 00:00: Friday's window has ended and weekends are off
    assert open_now(hours, moscow(2026, 11, 28, 0)) is None


def test_next_opening_skips_days_off_and_holidays() -> None:
    # Friday evening → Monday; the New Year's days off 2027 → the first working day
    assert next_opening(WEEKDAYS_ONLY, moscow(2026, 11, 27, 22)) == moscow(2026, 11, 30, 8)
    assert next_opening(WEEKDAYS_ONLY, moscow(2026, 12, 30, 22)) == moscow(2027, 1, 11, 8)


def test_hours_that_never_open_have_no_next_opening() -> None:
    assert next_opening(WeekHours(), moscow(2026, 11, 25, 12)) is None


@pytest.mark.parametrize(("open_", "close"), [("24:00", "24:00"), ("8 утра", "21:00")])
def test_malformed_hours_are_refused(open_: str, close: str) -> None:
    with pytest.raises(ValidationError):
        DayHours(open=open_, close=close)


def test_hours_read_from_content_and_a_clear_error_for_a_missing_key(tmp_path: Path) -> None:
    path = tmp_path / "hours.yml"
    path.write_text('chat_hours:\n  weekday: {open: "08:00", close: "21:00"}\n', encoding="utf-8")
    assert load_week_hours(path, "chat_hours") == WEEKDAYS_ONLY
    with pytest.raises(ValueError, match="`night_hours` is not a set of working hours"):
        load_week_hours(path, "night_hours")

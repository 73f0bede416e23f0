"""Working days by the Russian production calendar (holidays and transferred days off)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from actions.store.models import DeadlineKind

MOSCOW = ZoneInfo("Europe/Moscow")
INTERAGENCY_CALENDAR_DAYS = 30
WORKING_DAYS_BY_KIND = {DeadlineKind.STANDARD: 5, DeadlineKind.CLARIFICATION: 10}


@lru_cache(maxsize=16)
def _russian_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("RU", years=[year])


def is_holiday(day: date) -> bool:
    """A public holiday or a day off transferred to a weekday."""
    return day in _russian_holidays(day.year)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a holiday."""
    return day.weekday() < 5 and not is_holiday(day)


def add_working_days(start: datetime, n: int) -> datetime:
    """The moment `n` working days after `start`, counted on Moscow dates, same time of day."""
    local = start.astimezone(MOSCOW) if start.tzinfo else start.replace(tzinfo=MOSCOW)
    day = local.date()
    remaining = n
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    result = datetime.combine(day, local.timetz())
    return result.astimezone(start.tzinfo) if start.tzinfo else result.replace(tzinfo=None)


def deadline_for(submitted_at: datetime, kind: DeadlineKind) -> datetime:
    """The processing deadline of an appeal submitted at `submitted_at`."""
    if kind is DeadlineKind.INTERAGENCY:
        return submitted_at + timedelta(days=INTERAGENCY_CALENDAR_DAYS)
    return add_working_days(submitted_at, WORKING_DAYS_BY_KIND[kind])

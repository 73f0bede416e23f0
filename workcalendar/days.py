"""Kinds of days by the Russian production calendar (holidays and transferred days off)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal, get_args
from zoneinfo import ZoneInfo

import holidays

MOSCOW = ZoneInfo("Europe/Moscow")
DayKind = Literal["weekday", "weekend", "holiday"]
DAY_KINDS: tuple[DayKind, ...] = get_args(DayKind)


@lru_cache(maxsize=16)
def _russian_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("RU", years=[year])


def is_holiday(day: date) -> bool:
    """A public holiday or a day off transferred to a weekday."""
    return day in _russian_holidays(day.year)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a holiday."""
    return day.weekday() < 5 and not is_holiday(day)


def day_kind(day: date) -> DayKind:
    """`holiday`, `weekend` or `weekday` by the Russian production calendar."""
    if is_holiday(day):
        return "holiday"
    return "weekend" if day.weekday() >= 5 else "weekday"


def add_working_days(start: datetime, n: int) -> datetime:
    """The moment `n` working days after `start`, counted on Moscow dates, same time of day.

    A naive `start` is read as Moscow time and a naive moment is returned.
    """
    local = start.astimezone(MOSCOW) if start.tzinfo else start.replace(tzinfo=MOSCOW)
    day = local.date()
    remaining = n
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    result = datetime.combine(day, local.timetz())
    return result.astimezone(start.tzinfo) if start.tzinfo else result.replace(tzinfo=None)

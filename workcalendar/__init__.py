"""Working days and working hours in Moscow time, by the Russian production calendar.

One home for what the contacts answer (`actions/contacts.py`), the appeals' deadlines
(`actions/store/calendar.py`) and the handoff queue (`handoff/queue/rules.py`) all need: which kind
of day a date is, whether operators work at a moment and when they next start, and the moment
n working days later. The hours themselves are content (`content/contacts.yml`), read with
`load_week_hours`.
"""

from workcalendar.days import (
    DAY_KINDS,
    MOSCOW,
    DayKind,
    add_working_days,
    day_kind,
    is_holiday,
    is_working_day,
)
from workcalendar.hours import DayHours, WeekHours, load_week_hours, next_opening, open_now

__all__ = [
    "DAY_KINDS",
    "MOSCOW",
    "DayHours",
    "DayKind",
    "WeekHours",
    "add_working_days",
    "day_kind",
    "is_holiday",
    "is_working_day",
    "load_week_hours",
    "next_opening",
    "open_now",
]

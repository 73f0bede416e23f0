"""Appeal processing deadlines in working days (the calendar itself is `workcalendar`'s)."""

from __future__ import annotations

from datetime import datetime, timedelta

from actions.store.models import DeadlineKind
from workcalendar import MOSCOW, add_working_days, is_holiday, is_working_day

# Re-exported for the modules that still import the calendar from here.
__all__ = ["MOSCOW", "add_working_days", "deadline_for", "is_holiday", "is_working_day"]

INTERAGENCY_CALENDAR_DAYS = 30
WORKING_DAYS_BY_KIND = {DeadlineKind.STANDARD: 5, DeadlineKind.CLARIFICATION: 10}


def deadline_for(submitted_at: datetime, kind: DeadlineKind) -> datetime:
    """The processing deadline of an appeal submitted at `submitted_at`."""
    if kind is DeadlineKind.INTERAGENCY:
        return submitted_at + timedelta(days=INTERAGENCY_CALENDAR_DAYS)
    return add_working_days(submitted_at, WORKING_DAYS_BY_KIND[kind])

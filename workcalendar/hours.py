"""Working hours by kind of day, Moscow time: open now, next opening, and reading them.

Times are "HH:MM"; a day may close at "24:00" (midnight), never open then. A kind of day left
out (None) is a day off for those hours.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from ruamel.yaml import YAML

from workcalendar.days import MOSCOW, day_kind

MIDNIGHT = "24:00"
# The longest run of days off in the Russian calendar is the New Year's: look that far ahead.
LOOKAHEAD_DAYS = 15


class DayHours(BaseModel):
    """Opening hours of one kind of day, Moscow time; `close` may be "24:00"."""

    model_config = ConfigDict(frozen=True)

    open: str
    close: str

    @field_validator("open", "close")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        """Accept "HH:MM" (and "24:00" for midnight)."""
        if value != MIDNIGHT:
            time.fromisoformat(value)
        return value

    @model_validator(mode="after")
    def _opens_before_midnight(self) -> DayHours:
        """A day cannot open at "24:00": that is the next day's 00:00."""
        if self.open == MIDNIGHT:
            raise ValueError("cannot open at 24:00")
        return self

    def window(self, day: date) -> tuple[datetime, datetime]:
        """The aware start and end of the working window on a Moscow date."""
        start = datetime.combine(day, time.fromisoformat(self.open), tzinfo=MOSCOW)
        if self.close == MIDNIGHT:
            end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=MOSCOW)
        else:
            end = datetime.combine(day, time.fromisoformat(self.close), tzinfo=MOSCOW)
        return start, end

    def text(self) -> str:
        """`08:00–21:00`."""
        return f"{self.open}–{self.close}"


class WeekHours(BaseModel):
    """Hours by kind of day; None means no work on such days."""

    model_config = ConfigDict(frozen=True)

    weekday: DayHours | None = None
    weekend: DayHours | None = None
    holiday: DayHours | None = None

    def for_day(self, day: date) -> DayHours | None:
        """The hours that apply on a Moscow date (production calendar)."""
        hours: DayHours | None = getattr(self, day_kind(day))
        return hours


def open_now(hours: WeekHours, now: datetime) -> DayHours | None:
    """The day's hours in force at `now`, or None when closed (yesterday's window counts too)."""
    local = now.astimezone(MOSCOW)
    for day in (local.date() - timedelta(days=1), local.date()):
        today = hours.for_day(day)
        if today is not None:
            start, end = today.window(day)
            if start <= local < end:
                return today
    return None


def next_opening(hours: WeekHours, now: datetime) -> datetime | None:
    """When work next starts after `now` (aware, Moscow time); None when it never does."""
    local = now.astimezone(MOSCOW)
    for offset in range(LOOKAHEAD_DAYS):
        day = local.date() + timedelta(days=offset)
        today = hours.for_day(day)
        if today is None:
            continue
        start, _ = today.window(day)
        if start > local:
            return start
    return None


def load_week_hours(path: Path, key: str) -> WeekHours:
    """The hours under `key` of a content file, validated."""
    data: dict[str, Any] = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    try:
        return WeekHours.model_validate(data[key])
    except (KeyError, ValueError) as error:
        raise ValueError(f"{path}: `{key}` is not a set of working hours: {error}") from error

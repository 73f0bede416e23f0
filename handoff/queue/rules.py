"""The pure parts of the queue: routing by topic, working hours, place in line and expected wait.

Nothing here touches the database or the clock; the service passes rows and `now` in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

import workcalendar
from handoff.models import GENERAL_TOPIC
from workcalendar import WeekHours

NOTIFY_POSITION_STEP = 2
NOTIFY_WAIT_STEP_S = 60
NOTIFY_MIN_INTERVAL_S = 30


class HasHours(Protocol):
    """A group row (or its config): its hours as stored in `handoff_groups.hours`."""

    @property
    def hours(self) -> dict[str, Any]:
        """Hours by kind of day, the JSON shape of WeekHours."""


class HasTopics(Protocol):
    """A group row that lists the handoff topics it takes."""

    @property
    def code(self) -> str:
        """The group code."""

    @property
    def topics(self) -> list[str]:
        """Topics of the `handoff` payload this group takes."""


class Queued(Protocol):
    """A queued chat as far as its place in line is concerned."""

    @property
    def id(self) -> int:
        """Chat id: breaks ties of equal `queued_at`."""

    @property
    def queued_at(self) -> datetime:
        """When it joined the queue (kept across transfers)."""


G = TypeVar("G", bound=HasTopics)


def week_hours(group: HasHours) -> WeekHours:
    """The group's hours, validated."""
    return WeekHours.model_validate(group.hours or {})


def group_for_topic(groups: Sequence[G], topic: str) -> G:
    """The group that takes `topic`; unknown topics go to the group that lists `general`."""
    if not groups:
        raise LookupError("no operator groups configured")
    for group in groups:
        if topic in group.topics:
            return group
    for group in groups:
        if GENERAL_TOPIC in group.topics:
            return group
    return groups[0]


def is_open(group: HasHours, now: datetime) -> bool:
    """True when the group works at `now` (windows past midnight of the day before count too)."""
    return workcalendar.open_now(week_hours(group), now) is not None


def next_opening(group: HasHours, now: datetime) -> datetime | None:
    """When the group next opens after `now` (Moscow time); None when it never works."""
    return workcalendar.next_opening(week_hours(group), now)


def position(chat: Queued, waiting: Iterable[Queued]) -> int:
    """1-based place in line among `waiting` (the group's queued chats), oldest first."""
    key = (chat.queued_at, chat.id)
    return 1 + sum(1 for other in waiting if (other.queued_at, other.id) < key)


def expected_wait_s(place: int, online_operators: int, average_handling_s: float) -> int:
    """ceil(place / max(1, online operators)) × average handling time, in seconds."""
    rounds = math.ceil(place / max(1, online_operators))
    return math.ceil(rounds * average_handling_s)


def wait_minutes(wait_s: int) -> int:
    """What the citizen is told: the wait rounded up to a whole minute, at least one."""
    return max(1, math.ceil(wait_s / 60))


@dataclass(frozen=True)
class Notified:
    """What the citizen was last told about their place in line."""

    position: int | None
    wait_s: int | None
    at: datetime | None


def should_notify(last: Notified, place: int, wait_s: int, now: datetime) -> bool:
    """Tell again when the place improved by ≥ 2 or the wait by ≥ 1 minute, at most every 30 s."""
    if last.at is not None and (now - last.at).total_seconds() < NOTIFY_MIN_INTERVAL_S:
        return False
    if last.position is None or last.wait_s is None:
        return True
    return (
        last.position - place >= NOTIFY_POSITION_STEP or last.wait_s - wait_s >= NOTIFY_WAIT_STEP_S
    )

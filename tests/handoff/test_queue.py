"""The pure queue rules: routing by topic, working hours by the production calendar, line, wait."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bot.settings import PROJECT_ROOT
from handoff.assignment.rules import Candidate, least_loaded
from handoff.config import HandoffConfig, load_config
from handoff.queue.rules import (
    Notified,
    expected_wait_s,
    group_for_topic,
    is_open,
    next_opening,
    position,
    should_notify,
    wait_minutes,
)
from workcalendar import MOSCOW, load_week_hours


@dataclass
class Group:
    code: str
    topics: list[str]
    hours: dict[str, Any]


@dataclass
class Chat:
    id: int
    queued_at: datetime


HOURS = {
    "weekday": {"open": "08:00", "close": "21:00"},
    "weekend": {"open": "09:00", "close": "18:00"},
    "holiday": {"open": "10:00", "close": "16:00"},
}
GROUPS = [
    Group("access", ["access", "general"], HOURS),
    Group("appeals", ["appeals"], HOURS),
    Group("technical", ["technical"], HOURS),
]


CONTACTS_PATH = PROJECT_ROOT / "content" / "contacts.yml"


def moscow(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MOSCOW)


def test_shipped_config_routes_every_topic() -> None:
    config = load_config(PROJECT_ROOT / "content" / "handoff.yml")
    assert config.target_wait_s == 30
    assert group_for_topic(config.groups, "appeals").code == "appeals"
    assert group_for_topic(config.groups, "technical").code == "technical"
    assert group_for_topic(config.groups, "general").code == "access"


def test_shipped_groups_work_the_hours_the_bot_quotes() -> None:
    config = load_config(PROJECT_ROOT / "content" / "handoff.yml")
    quoted = load_week_hours(CONTACTS_PATH, "chat_hours")
    assert [group.hours for group in config.groups] == [quoted] * len(config.groups)


def test_groups_follow_an_edit_of_the_quoted_hours(tmp_path: Path) -> None:
    contacts = tmp_path / "contacts.yml"
    contacts.write_text(
        CONTACTS_PATH.read_text(encoding="utf-8").replace('close: "21:00"', 'close: "22:00"'),
        encoding="utf-8",
    )
    config = load_config(PROJECT_ROOT / "content" / "handoff.yml", hours_path=contacts)
    weekday = config.groups[0].hours.weekday
    assert weekday is not None
    assert weekday.close == "22:00"


def test_a_group_naming_unknown_hours_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "handoff.yml"
    path.write_text(
        (PROJECT_ROOT / "content" / "handoff.yml")
        .read_text(encoding="utf-8")
        .replace("hours: chat_hours", "hours: night_hours", 1),
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="night_hours"):
        load_config(path, hours_path=CONTACTS_PATH)


def test_config_needs_exactly_one_group_for_general() -> None:
    groups = [
        {"code": "a", "title": "A", "topics": ["general"], "hours": HOURS},
        {"code": "b", "title": "B", "topics": ["general"], "hours": HOURS},
    ]
    with pytest.raises(ValidationError):
        HandoffConfig.model_validate({"groups": groups})


@pytest.mark.parametrize(
    ("topic", "group"),
    [("access", "access"), ("appeals", "appeals"), ("general", "access"), ("пожар", "access")],
)
def test_topic_goes_to_its_group_and_unknown_ones_to_the_general_group(
    topic: str, group: str
) -> None:
    assert group_for_topic(GROUPS, topic).code == group


@pytest.mark.parametrize(
    ("now", "open_"),
    [
        (moscow(2026, 11, 25, 12), True),  # Wednesday
        (moscow(2026, 11, 25, 7, 59), False),
        (moscow(2026, 11, 25, 21), False),  # closing time is exclusive
        (moscow(2026, 11, 28, 8, 30), False),  # Saturday opens at 09:00
        (moscow(2026, 11, 28, 9), True),
        (moscow(2026, 11, 4, 9, 30), False),  # Unity Day (a Wednesday): holiday hours
        (moscow(2026, 11, 4, 10), True),
        (moscow(2026, 12, 31, 17), False),  # 31 December 2026 is a transferred day off
    ],
)
def test_open_by_moscow_time_and_production_calendar(now: datetime, open_: bool) -> None:
    assert is_open(GROUPS[0], now.astimezone(UTC)) is open_


@pytest.mark.parametrize(
    ("now", "opening"),
    [
        (moscow(2026, 11, 25, 22, 30), moscow(2026, 11, 26, 8)),  # weekday → next morning
        (moscow(2026, 11, 27, 22), moscow(2026, 11, 28, 9)),  # Friday → Saturday's hours
        (moscow(2026, 12, 30, 22), moscow(2026, 12, 31, 10)),  # → holiday hours
        (moscow(2026, 11, 25, 6), moscow(2026, 11, 25, 8)),  # early morning → today
    ],
)
def test_next_opening(now: datetime, opening: datetime) -> None:
    assert next_opening(GROUPS[0], now.astimezone(UTC)) == opening


def test_group_that_never_works_has_no_next_opening() -> None:
    never = Group("x", [], {})
    assert not is_open(never, moscow(2026, 11, 25, 12))
    assert next_opening(never, moscow(2026, 11, 25, 12)) is None


def test_window_past_midnight_and_24_hours() -> None:
    round_clock = Group("t", [], {k: {"open": "00:00", "close": "24:00"} for k in HOURS})
    assert is_open(round_clock, moscow(2026, 11, 25, 23, 59))
    assert is_open(round_clock, moscow(2026, 11, 26, 0, 0))


def test_position_counts_older_chats_and_ties_by_id() -> None:
    t = datetime(2026, 11, 25, 9, tzinfo=UTC)
    queue = [Chat(1, t), Chat(2, t + timedelta(seconds=5)), Chat(3, t), Chat(4, t - timedelta(1))]
    assert [position(c, queue) for c in queue] == [2, 4, 3, 1]


@pytest.mark.parametrize(
    ("place", "online", "handling", "wait"),
    [(1, 1, 180, 180), (3, 2, 180, 360), (3, 0, 180, 540), (4, 4, 95.5, 96)],
)
def test_expected_wait(place: int, online: int, handling: float, wait: int) -> None:
    assert expected_wait_s(place, online, handling) == wait


def test_wait_is_told_in_whole_minutes_rounded_up() -> None:
    assert [wait_minutes(s) for s in (0, 1, 60, 61, 180)] == [1, 1, 1, 2, 3]


def test_citizen_is_told_again_only_on_real_progress_and_not_too_often() -> None:
    t = datetime(2026, 11, 25, 9, tzinfo=UTC)
    told = Notified(position=5, wait_s=600, at=t)
    later = t + timedelta(seconds=31)
    assert not should_notify(told, 4, 590, later)  # one place, 10 s: not worth a message
    assert should_notify(told, 3, 590, later)  # two places
    assert should_notify(told, 5, 540, later)  # a minute less
    assert not should_notify(told, 1, 60, t + timedelta(seconds=20))  # too soon
    assert should_notify(Notified(None, None, None), 5, 600, t)


def test_least_loaded_operator_below_max_chats_idle_longest_first() -> None:
    t = datetime(2026, 11, 25, 9, tzinfo=UTC)
    busy = Candidate(1, assigned=2, max_chats=2, last_assigned_at=t, presence_at=t)
    one = Candidate(2, assigned=1, max_chats=3, last_assigned_at=t, presence_at=t)
    fresh = Candidate(
        3,
        assigned=1,
        max_chats=3,
        last_assigned_at=t - timedelta(minutes=9),
        presence_at=t - timedelta(hours=1),
    )
    chosen = least_loaded([busy, one, fresh])
    assert chosen is not None
    assert chosen.operator_id == 3
    assert least_loaded([busy]) is None

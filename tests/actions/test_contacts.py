"""Contacts and operators' hours in Moscow time, weekends and holidays included."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.contacts import (
    CONTACTS_PATH,
    ActionContacts,
    contacts_from,
    day_kind,
    load_contacts,
)
from actions.content import ContentError
from tests.actions.conftest import make_tracker, run_action


async def contacts_at(
    sessions: async_sessionmaker[AsyncSession], moment: datetime, path: Path = CONTACTS_PATH
) -> str:
    action = ActionContacts(sessions, lambda: moment, path)
    _, messages = await run_action(action, make_tracker(intent="support_contacts"))
    return str(messages[0]["text"])


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Tuesday 10 March 2026, 12:00 MSK: a working day, open until 21:00.
        (datetime(2026, 3, 10, 9, 0, tzinfo=UTC), "сейчас на связи, до 21:00"),
        # Tuesday 06:30 MSK: opens today at 08:00.
        (datetime(2026, 3, 10, 3, 30, tzinfo=UTC), "начнут сегодня в 08:00"),
        # Friday 6 March, 22:00 MSK: closed, Saturday opens at 09:00.
        (datetime(2026, 3, 6, 19, 0, tzinfo=UTC), "начнут завтра в 09:00"),
        # Sunday 8 March 20:00 MSK (a holiday): Monday 9th is the observed holiday, 10:00.
        (datetime(2026, 3, 8, 17, 0, tzinfo=UTC), "начнут завтра в 10:00"),
        # Monday 9 March 12:00 MSK, a holiday: holiday hours 10–16, open.
        (datetime(2026, 3, 9, 9, 0, tzinfo=UTC), "сейчас на связи, до 16:00"),
        # Monday 9 March 17:00 MSK: closed for the holiday, Tuesday at 08:00.
        (datetime(2026, 3, 9, 14, 0, tzinfo=UTC), "начнут завтра в 08:00"),
    ],
)
async def test_open_now_or_opens_at(
    sessions: async_sessionmaker[AsyncSession], moment: datetime, expected: str
) -> None:
    text = await contacts_at(sessions, moment)
    assert expected in text
    assert "8 800 100-70-10" in text


def test_day_kinds() -> None:
    assert day_kind(datetime(2026, 3, 9).date()) == "holiday"
    assert day_kind(datetime(2026, 3, 7).date()) == "weekend"
    assert day_kind(datetime(2026, 3, 10).date()) == "weekday"


async def test_an_edited_default_file_is_used_without_a_restart(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    path = tmp_path / "contacts.yml"
    path.write_text(
        CONTACTS_PATH.read_text(encoding="utf-8").replace("8 800 100-70-10", "8 800 555-35-35"),
        encoding="utf-8",
    )
    assert load_contacts(path).hotline == "8 800 555-35-35"
    assert "8 800 555-35-35" in await contacts_at(
        sessions, datetime(2026, 3, 10, 9, tzinfo=UTC), path
    )


def _body(**hours: object) -> dict[str, object]:
    """A contacts body as an editor sends it, with some day kinds' hours replaced."""
    week = {kind: {"open": "08:00", "close": "21:00"} for kind in ("weekday", "weekend", "holiday")}
    return {"hotline": "8 800 1", "email": "a@b.ru", "chat_hours": {**week, **hours}}


def test_a_day_may_close_at_midnight() -> None:
    contacts = contacts_from(_body(weekend={"open": "00:00", "close": "24:00"}))
    assert contacts.hours_of("weekend").text() == "00:00–24:00"


@pytest.mark.parametrize(
    ("body", "problem", "where"),
    [
        (
            _body(weekday={"open": "8", "close": "21:00"}),
            "hours_invalid",
            "chat_hours.weekday.open",
        ),
        (_body(weekday={"open": "24:00", "close": "24:00"}), "hours_invalid", "chat_hours.weekday"),
        (_body(weekend={"open": "18:00", "close": "09:00"}), "hours_invalid", "chat_hours.weekend"),
        (_body(holiday=None), "hours_missing", "chat_hours.holiday"),
        ({**_body(), "hotline": " "}, "text_missing", "hotline"),
        ({**_body(), "chat_hours": "always"}, "hours_missing", "chat_hours"),
    ],
)
def test_an_invalid_body_is_refused_naming_the_field(
    body: dict[str, object], problem: str, where: str
) -> None:
    with pytest.raises(ContentError) as refused:
        contacts_from(body)
    assert (refused.value.problem, refused.value.where) == (problem, where)

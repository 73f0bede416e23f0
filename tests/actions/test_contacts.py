"""Contacts and operators' hours in Moscow time, weekends and holidays included."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from actions.contacts import CONTACTS_PATH, ActionContacts, day_kind, load_contacts
from tests.actions.conftest import make_tracker, run_action


async def contacts_at(moment: datetime, path: Path = CONTACTS_PATH) -> str:
    action = ActionContacts(contacts_path=path, clock=lambda: moment)
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
async def test_open_now_or_opens_at(moment: datetime, expected: str) -> None:
    text = await contacts_at(moment)
    assert expected in text
    assert "8 800 100-70-10" in text


def test_day_kinds() -> None:
    assert day_kind(datetime(2026, 3, 9).date()) == "holiday"
    assert day_kind(datetime(2026, 3, 7).date()) == "weekend"
    assert day_kind(datetime(2026, 3, 10).date()) == "weekday"


async def test_edited_content_is_used_without_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "contacts.yml"
    path.write_text(
        CONTACTS_PATH.read_text(encoding="utf-8").replace("8 800 100-70-10", "8 800 555-35-35"),
        encoding="utf-8",
    )
    assert load_contacts(path).hotline == "8 800 555-35-35"
    assert "8 800 555-35-35" in await contacts_at(datetime(2026, 3, 10, 9, tzinfo=UTC), path)

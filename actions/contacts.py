"""Support contacts and operators' hours from `content/contacts.yml`: open now, or when it opens."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from ruamel.yaml import YAML

from actions import texts
from actions.base import Clock
from actions.store.calendar import MOSCOW, is_holiday
from bot.settings import PROJECT_ROOT
from bot.storage import utcnow

CONTACTS_PATH = PROJECT_ROOT / "content" / "contacts.yml"
DAY_KINDS = ("weekday", "weekend", "holiday")


@dataclass(frozen=True)
class Hours:
    """Opening and closing time of one kind of day; `close` None means midnight."""

    open: time
    close: time | None

    def close_text(self) -> str:
        """`21:00`, or `24:00` for midnight."""
        return self.close.strftime("%H:%M") if self.close else "24:00"

    def text(self) -> str:
        """`08:00–21:00`."""
        return f"{self.open.strftime('%H:%M')}–{self.close_text()}"


@dataclass(frozen=True)
class Contacts:
    """The content of `contacts.yml`."""

    hotline: str
    email: str
    hours: dict[str, Hours]


def _parse_time(value: str) -> time | None:
    return None if value == "24:00" else time.fromisoformat(value)


def load_contacts(path: Path) -> Contacts:
    """Read and check the contacts file."""
    data: dict[str, Any] = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    hours = {}
    for kind in DAY_KINDS:
        entry = data["chat_hours"][kind]
        opening = _parse_time(str(entry["open"]))
        if opening is None:
            raise ValueError(f"{path}: {kind} cannot open at 24:00")
        hours[kind] = Hours(open=opening, close=_parse_time(str(entry["close"])))
    return Contacts(hotline=str(data["hotline"]), email=str(data["email"]), hours=hours)


def day_kind(day: date) -> str:
    """`holiday`, `weekend` or `weekday` by the Russian production calendar."""
    if is_holiday(day):
        return "holiday"
    return "weekend" if day.weekday() >= 5 else "weekday"


def _window(day: date, hours: Hours) -> tuple[datetime, datetime]:
    start = datetime.combine(day, hours.open, tzinfo=MOSCOW)
    end = (
        datetime.combine(day, hours.close, tzinfo=MOSCOW)
        if hours.close
        else datetime.combine(day + timedelta(days=1), time(0), tzinfo=MOSCOW)
    )
    return start, end


def availability_text(contacts: Contacts, now: datetime) -> str:
    """«Open now until…» or «opens today / tomorrow / on a date at…», in Moscow time."""
    local = now.astimezone(MOSCOW)
    today = local.date()
    for offset in range(8):
        day = today + timedelta(days=offset)
        start, end = _window(day, contacts.hours[day_kind(day)])
        if offset == 0 and start <= local < end:
            return texts.CONTACTS_OPEN_NOW.format(close=contacts.hours[day_kind(day)].close_text())
        if local < start:
            when = {0: texts.CONTACTS_TODAY, 1: texts.CONTACTS_TOMORROW}.get(
                offset, texts.CONTACTS_ON_DATE.format(date=day.strftime("%d.%m"))
            )
            return texts.CONTACTS_OPENS_AT.format(when=when, open=start.strftime("%H:%M"))
    raise ValueError("contacts.yml gives no opening time within a week")


class ActionContacts(Action):  # type: ignore[misc]
    """Contacts and hours: the hotline, e-mail, and whether the chat operators work right now."""

    def __init__(self, contacts_path: Path | None = None, clock: Clock | None = None) -> None:
        """Tests pass their own file and clock."""
        self._path = contacts_path or CONTACTS_PATH
        self._clock = clock or utcnow

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_contacts"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Read the file on every run, so an editor's change shows without a restart."""
        contacts = await asyncio.to_thread(load_contacts, self._path)
        hours = texts.CONTACTS_HOURS.format(
            **{kind: contacts.hours[kind].text() for kind in DAY_KINDS}
        )
        message = texts.CONTACTS.format(
            hotline=contacts.hotline, email=contacts.email, hours_today=hours
        )
        dispatcher.utter_message(text=f"{message}\n{availability_text(contacts, self._clock())}")
        return []

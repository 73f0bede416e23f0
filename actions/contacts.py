"""Support contacts and operators' hours from `content/contacts.yml`: open now, or when it opens."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from ruamel.yaml import YAML

from actions.base import Clock
from actions.texts import TEXTS
from bot.settings import PROJECT_ROOT
from bot.storage import utcnow
from workcalendar import (
    DAY_KINDS,
    MOSCOW,
    DayHours,
    WeekHours,
    day_kind,
    load_week_hours,
    next_opening,
    open_now,
)

CONTACTS_PATH = PROJECT_ROOT / "content" / "contacts.yml"
# The key of the operators' hours in contacts.yml; handoff's groups refer to it by this name.
CHAT_HOURS = "chat_hours"

__all__ = ["CONTACTS_PATH", "ActionContacts", "Contacts", "day_kind", "load_contacts"]


@dataclass(frozen=True)
class Contacts:
    """The content of `contacts.yml`."""

    hotline: str
    email: str
    hours: WeekHours

    def hours_of(self, kind: str) -> DayHours:
        """The hours of a kind of day (every kind is set: `load_contacts` checks)."""
        hours: DayHours = getattr(self.hours, kind)
        return hours


def load_contacts(path: Path) -> Contacts:
    """Read and check the contacts file: the chat works some hours on every kind of day."""
    data: dict[str, Any] = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    hours = load_week_hours(path, CHAT_HOURS)
    missing = [kind for kind in DAY_KINDS if getattr(hours, kind) is None]
    if missing:
        raise ValueError(f"{path}: {CHAT_HOURS} gives no hours for {', '.join(missing)}")
    return Contacts(hotline=str(data["hotline"]), email=str(data["email"]), hours=hours)


def availability_text(contacts: Contacts, now: datetime) -> str:
    """«Open now until…» or «opens today / tomorrow / on a date at…», in Moscow time."""
    current = open_now(contacts.hours, now)
    if current is not None:
        return TEXTS.contacts_open_now.format(close=current.close)
    opening = next_opening(contacts.hours, now)
    if opening is None:
        raise ValueError("contacts.yml gives no opening time ahead")
    offset = (opening.date() - now.astimezone(MOSCOW).date()).days
    when = {0: TEXTS.contacts_today, 1: TEXTS.contacts_tomorrow}.get(
        offset, TEXTS.contacts_on_date.format(date=opening.strftime("%d.%m"))
    )
    return TEXTS.contacts_opens_at.format(when=when, open=opening.strftime("%H:%M"))


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
        hours = TEXTS.contacts_hours.format(
            **{kind: contacts.hours_of(kind).text() for kind in DAY_KINDS}
        )
        message = TEXTS.contacts.format(
            hotline=contacts.hotline, email=contacts.email, hours_today=hours
        )
        dispatcher.utter_message(text=f"{message}\n{availability_text(contacts, self._clock())}")
        return []

"""Support contacts and operators' hours: open now, or when it opens.

Editors change them in the console (`actions.content`); `content/contacts.yml` is the default.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.base import Clock, StoreAction
from actions.content import CONTACTS, ContentError, read_mapping, required_text
from actions.store.content import content_entry
from actions.texts import TEXTS
from bot.settings import PROJECT_ROOT
from workcalendar import (
    DAY_KINDS,
    MOSCOW,
    DayHours,
    WeekHours,
    day_kind,
    next_opening,
    open_now,
)

CONTACTS_PATH = PROJECT_ROOT / "content" / "contacts.yml"
# The key of the operators' hours in contacts.yml; handoff's groups refer to it by this name.
CHAT_HOURS = "chat_hours"

__all__ = [
    "CONTACTS_PATH",
    "ActionContacts",
    "Contacts",
    "contacts_from",
    "current_contacts",
    "day_kind",
    "load_contacts",
]


@dataclass(frozen=True)
class Contacts:
    """The support contacts and the chat operators' hours, checked."""

    hotline: str
    email: str
    hours: WeekHours

    def hours_of(self, kind: str) -> DayHours:
        """The hours of a kind of day (every kind is set: `load_contacts` checks)."""
        hours: DayHours = getattr(self.hours, kind)
        return hours


def contacts_from(body: dict[str, Any]) -> Contacts:
    """Check a body (the file's or an editor's): a hotline, an e-mail, and the chat's hours on
    every kind of day, "HH:MM" (close may be "24:00")."""
    hotline, email = required_text(body, "hotline"), required_text(body, "email")
    if not isinstance(body.get(CHAT_HOURS), dict):
        raise ContentError("hours_missing", CHAT_HOURS)
    try:
        hours = WeekHours.model_validate(body[CHAT_HOURS])
    except ValidationError as error:
        where = ".".join(str(part) for part in (CHAT_HOURS, *error.errors()[0]["loc"]))
        raise ContentError("hours_invalid", where) from error
    for kind in DAY_KINDS:
        day: DayHours | None = getattr(hours, kind)
        if day is None:
            raise ContentError("hours_missing", f"{CHAT_HOURS}.{kind}")
        start, end = day.window(date(2026, 1, 1))  # any date: only the order matters
        if start >= end:
            raise ContentError("hours_invalid", f"{CHAT_HOURS}.{kind}")
    return Contacts(hotline=hotline, email=email, hours=hours)


def load_contacts(path: Path) -> Contacts:
    """Read and check a contacts file by the rules an editor's change is checked by."""
    try:
        return contacts_from(read_mapping(path))
    except ContentError as error:
        raise ValueError(f"{path}: {error}") from error


async def current_contacts(session: AsyncSession, default: Path = CONTACTS_PATH) -> Contacts:
    """The contacts an editor saved last, or the default file's while nobody has."""
    entry = await content_entry(session, CONTACTS)
    if entry is None:
        return await asyncio.to_thread(load_contacts, default)
    return contacts_from(entry.body)


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


class ActionContacts(StoreAction):
    """Contacts and hours: the hotline, e-mail, and whether the chat operators work right now."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession] | None = None,
        clock: Clock | None = None,
        contacts_path: Path | None = None,
    ) -> None:
        """Tests pass their own database, clock and default file."""
        super().__init__(sessions, clock)
        self._path = contacts_path or CONTACTS_PATH

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_contacts"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Read the contacts on every run: an editor's change shows at once, on every instance."""
        async with self.session() as session:
            contacts = await current_contacts(session, self._path)
        hours = TEXTS.contacts_hours.format(
            **{kind: contacts.hours_of(kind).text() for kind in DAY_KINDS}
        )
        message = TEXTS.contacts.format(
            hotline=contacts.hotline, email=contacts.email, hours_today=hours
        )
        dispatcher.utter_message(text=f"{message}\n{availability_text(contacts, self.now())}")
        return []

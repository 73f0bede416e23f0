"""What every action that reads the ticket store shares: its sessions, its clock, Moscow time."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from rasa_sdk import Action
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.store import queries
from actions.store.db import default_session_factory
from actions.store.models import Citizen
from actions.vouching import FactCheck, default_fact_check
from bot.facts import VouchedFacts
from bot.storage import session_scope, utcnow
from workcalendar import MOSCOW

Clock = Callable[[], datetime]


class StoreAction(Action, ABC):  # type: ignore[misc]
    """An action with injectable sessions, clock and fact check; production uses the defaults."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession] | None = None,
        clock: Clock | None = None,
        facts: FactCheck | None = None,
    ) -> None:
        """Tests pass their own database, clock and key; the action server passes nothing."""
        self._sessions = sessions
        self._clock = clock or utcnow
        self._facts = facts

    @abstractmethod
    def name(self) -> str:
        """The action's name in the domain."""

    def now(self) -> datetime:
        """The current UTC time by the injected clock."""
        return self._clock()

    def vouched(self, tracker: Any) -> VouchedFacts | None:
        """What the app signed for this turn, or None for a turn it did not send."""
        return (self._facts or default_fact_check()).facts_of(tracker, self.now())

    async def owner(self, session: AsyncSession, tracker: Any) -> Citizen | None:
        """The citizen bound to this chat — only on a turn the app vouches for."""
        if self.vouched(tracker) is None:
            return None
        return await queries.bound_citizen(session, tracker.sender_id)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """One transaction against the ticket store."""
        async with session_scope(self._sessions or default_session_factory()) as session:
            yield session


def moscow_time(moment: datetime) -> str:
    """`05.03.2026 14:30`, in Moscow time."""
    return moment.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M")


def button(title: str, payload: str) -> dict[str, Any]:
    """A quick-reply button in Rasa's shape."""
    return {"title": title, "payload": payload}


def latest_intent(tracker_message: dict[str, Any]) -> str | None:
    """The intent name of a parsed user message, if any."""
    intent = tracker_message.get("intent") or {}
    name = intent.get("name")
    return name if isinstance(name, str) else None

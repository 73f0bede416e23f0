"""Fixtures for the actions: the demo data on each database, a fixed clock, tracker builders."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.demo import DEMO_CITIZEN_PHONE, OTHER_CITIZEN_PHONE, load_demo
from actions.identification import ActionIdentify
from actions.vouching import FactCheck
from bot.facts import TurnFacts, sign_facts
from bot.storage import session_scope

# Tuesday 10 March 2026, 12:00 in Moscow: the first working day after the 9 March holiday.
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
SNILS_KEY = "test-snils-key"
IVANOV_CHAT = "telegram:1001"
PETROVA_CHAT = "telegram:1002"
STRANGER_CHAT = "telegram:1003"
FACTS_KEY = b"test-facts-signing-key"
# What the actions under test check turns with: the key the app would sign them with.
FACTS = FactCheck(key=FACTS_KEY, max_age_s=300)


def clock() -> datetime:
    """The fixed test clock."""
    return NOW


@pytest.fixture
async def demo(sessions: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    """The session factory of a database holding the demo data as of NOW."""
    async with session_scope(sessions) as session:
        await load_demo(session, NOW, SNILS_KEY)
    return sessions


@pytest.fixture
async def bound(demo: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    """Ivanov's and Petrova's chats bound through verified phone shares (after consent, which
    the stranger's chat has given too)."""
    await consent_given(demo, IVANOV_CHAT, PETROVA_CHAT, STRANGER_CHAT)
    for chat, phone in ((IVANOV_CHAT, DEMO_CITIZEN_PHONE), (PETROVA_CHAT, OTHER_CITIZEN_PHONE)):
        metadata = {"contact": {"phone": phone, "verified": True}}
        await run_action(ActionIdentify(demo, clock, FACTS), make_tracker(chat, metadata=metadata))
    return demo


def make_tracker(
    sender_id: str = STRANGER_CHAT,
    *,
    slots: dict[str, Any] | None = None,
    intent: str = "greet",
    text: str = "",
    metadata: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    vouched: bool = True,
) -> Tracker:
    """A tracker as Rasa sends it to the action server, latest user turn included.

    `vouched` signs the turn's facts (and its `contact`, if any) as the app does; False leaves
    `metadata` exactly as given, as a forged tracker would be.
    """
    if vouched:
        metadata = vouched_metadata(sender_id, metadata)
    latest = {
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
        "text": text,
        "metadata": metadata or {},
    }
    history = (
        events
        if events is not None
        else [{"event": "user", "text": text, "parse_data": latest, "metadata": metadata or {}}]
    )
    return Tracker(
        sender_id,
        slots or {},
        latest,
        history,
        False,
        None,
        {},
        "action_listen",
    )


def vouched_metadata(sender_id: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """The metadata the app sends for a turn of `sender_id` at NOW, signed with FACTS_KEY."""
    extra = dict(metadata or {})
    channel, _, chat = sender_id.partition(":")
    facts = TurnFacts(
        sender=sender_id,
        channel=channel,
        chat_id=chat,
        user_id=chat,
        message_id=f"{sender_id}:1",
        contact=extra.pop("contact", None),
    )
    signed = sign_facts(FACTS_KEY, facts, int(NOW.timestamp()))
    return {**extra, **signed}


async def run_action(
    action: Action, tracker: Tracker
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run the action like the executor does; the events it returns and the messages it sent."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return list(events), dispatcher.messages


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The slots the action set, by name."""
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}


def user_event(intent: str, text: str = "") -> dict[str, Any]:
    """A user turn in the tracker's history."""
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


async def consent_given(sessions: async_sessionmaker[AsyncSession], *chats: str) -> None:
    """The chats agreed to the current consent text (content/consent.yml), as «Согласен» does."""
    from actions.consent import load_consent  # noqa: PLC0415 - privacy helpers, on demand
    from actions.store.privacy import give_consent  # noqa: PLC0415

    version = (await load_consent()).version
    async with session_scope(sessions) as session:
        for chat in chats:
            await give_consent(session, chat, chat.split(":", 1)[0], version, NOW)

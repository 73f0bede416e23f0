"""Handing the chat to a live operator, and the rating after the operator closes it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.base import StoreAction, button
from actions.contacts import CONTACTS_PATH, current_contacts
from actions.dialogue_content import DIALOGUE_PATH, load_dialogue_content
from actions.fallback import DOUBT_INTENTS
from actions.texts import TEXTS

TOPIC_BY_INTENT = {
    "password_reset": "access",
    "appeal_status": "appeals",
    "my_appeals": "appeals",
    "subscribe_status": "appeals",
    "service_unavailable": "technical",
}
SUMMARY_MESSAGES = 3
SUMMARY_CHARS = 500


def _user_events(tracker: Tracker) -> list[dict[str, Any]]:
    return [event for event in tracker.events if event.get("event") == "user"]


def _intent_of(event: dict[str, Any]) -> str | None:
    name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
    return name if isinstance(name, str) else None


def _after_overdue_notice(tracker: Tracker) -> bool:
    """The bot's last message was the overdue apology whose button the citizen pressed."""
    overdue_marker = TEXTS.appeal_overdue.split("{", 1)[0]
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            return overdue_marker in str(event.get("text") or "")
    return False


def handoff_topic(tracker: Tracker) -> str:
    """The operator group: from the latest intent, or the latest one with a topic before it."""
    latest = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    if latest in TOPIC_BY_INTENT:
        return TOPIC_BY_INTENT[latest]
    for event in reversed(_user_events(tracker)):
        intent = _intent_of(event)
        if intent in TOPIC_BY_INTENT:
            return TOPIC_BY_INTENT[intent]
    return "general"


def handoff_reason(tracker: Tracker) -> str:
    """`requested` when the citizen asked, `fallback` after misunderstandings, `overdue` after
    the overdue notice, else `escalation`."""
    latest = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    if latest == "request_operator":
        if _after_overdue_notice(tracker):
            return "overdue"
        # «Позвать оператора» pressed under the bot's guesses: the bot did not understand.
        earlier = [_intent_of(event) for event in _user_events(tracker)][-2:-1]
        return "fallback" if earlier and earlier[0] in DOUBT_INTENTS else "requested"
    if latest in DOUBT_INTENTS:
        return "fallback"
    if latest == "affirm":  # «да» to the bot's offer of an operator
        return "requested"
    return "escalation"


def typed_text(tracker: Tracker) -> str | None:
    """What the citizen typed in the latest turn; None for a button or a command (`/intent`)."""
    text = str((tracker.latest_message or {}).get("text") or "")
    return None if not text or text.startswith("/") else text


class ActionHandoff(StoreAction):
    """Returns the `handoff` custom payload; the app queues the chat for that topic's operators.

    A typed question on how to reach an operator («как связаться с оператором?») is answered
    with the offer to connect right here (a button) and the hotline; a request («позовите
    оператора») or the button itself connects at once."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession] | None = None,
        dialogue_path: Path | None = None,
        contacts_path: Path | None = None,
    ) -> None:
        """Tests pass their own database (the editors' contacts) and default content files."""
        super().__init__(sessions)
        self._dialogue_path = dialogue_path or DIALOGUE_PATH
        self._contacts_path = contacts_path or CONTACTS_PATH

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Offer the connection to a question, hand off on a request."""
        text = typed_text(tracker)
        latest = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if text and latest == "request_operator":
            content = await asyncio.to_thread(load_dialogue_content, self._dialogue_path)
            if content.asks_how_to_reach(text):
                async with self.session() as session:
                    contacts = await current_contacts(session, self._contacts_path)
                dispatcher.utter_message(
                    text=TEXTS.operator_offer.format(
                        button=TEXTS.button_connect_operator, hotline=contacts.hotline
                    ),
                    buttons=[button(TEXTS.button_connect_operator, "/request_operator")],
                )
                return []
        self._hand_off(dispatcher, tracker)
        return []

    @staticmethod
    def _hand_off(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """Build topic, reason and a short summary of the citizen's last messages."""
        topic = handoff_topic(tracker)
        recent = [
            str(event.get("text"))
            for event in _user_events(tracker)
            if event.get("text") and not str(event.get("text")).startswith("/")
        ][-SUMMARY_MESSAGES:]
        # the topic travels as its code; the console shows its title (labels.js, the one table)
        summary = TEXTS.handoff_summary.format(messages=" | ".join(recent) or "—")[:SUMMARY_CHARS]
        dispatcher.utter_message(
            json_message={
                "handoff": {"topic": topic, "reason": handoff_reason(tracker), "summary": summary}
            }
        )


class ActionSaveRating(Action):  # type: ignore[misc]
    """Returns the `csat` custom payload with the citizen's 1–5 rating."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_save_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Take the rating from the slot or the `/rate{"rating": N}` entity."""
        raw = tracker.get_slot("rating") or next(tracker.get_latest_entity_values("rating"), None)
        try:
            rating = int(str(raw))
        except ValueError:
            rating = 0
        if not 1 <= rating <= 5:
            dispatcher.utter_message(text=TEXTS.rating_invalid)
            return []
        dispatcher.utter_message(json_message={"csat": {"rating": rating}})
        dispatcher.utter_message(text=TEXTS.rating_thanks)
        return []

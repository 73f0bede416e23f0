"""Doubt becomes a choice: the bot's best guesses as buttons, then the operator on a second miss.

This is Rasa's two-stage fallback idea inside our own dialogue: the guesses come from the
model's intent ranking (`latest_message["intent_ranking"]`), their titles from
`content/dialogue.yml`; a guess's payload is `/<intent>` plus the entities the message already
gave, so pressing it continues that flow as if the citizen had said it.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import button
from actions.dialogue_content import DIALOGUE_PATH, DialogueContent, load_dialogue_content
from actions.texts import TEXTS

FALLBACK_INTENT = "nlu_fallback"
# Turns that leave the bot in doubt: the model's fallback (a low or ambiguous top intent; a
# message with no content, «ну это самое…», must land here — the NLU's job) and «Другое».
DOUBT_INTENTS = frozenset({FALLBACK_INTENT, "something_else"})
MAX_GUESSES = 3
# Entities a guess carries on into its flow (the service, the appeal number, the login problem).
CARRIED_ENTITIES = ("service", "appeal_number", "login_problem")


def _intent_of(event: dict[str, Any]) -> str | None:
    name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
    return name if isinstance(name, str) else None


def consecutive_fallbacks(tracker: Tracker) -> int:
    """How many of the latest user turns in a row left the bot in doubt."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if _intent_of(event) not in DOUBT_INTENTS:
            break
        count += 1
    return count


def best_guesses(message: dict[str, Any], content: DialogueContent) -> list[str]:
    """Two or three intents worth offering, best first; the default topics fill a thin ranking."""
    guesses: list[str] = []
    for entry in message.get("intent_ranking") or ():
        name = entry.get("name")
        confident_enough = float(entry.get("confidence") or 0) >= content.min_guess_confidence
        if name in content.intent_titles and confident_enough and name not in guesses:
            guesses.append(str(name))
        if len(guesses) == MAX_GUESSES:
            return guesses
    if len(guesses) < 2:
        guesses.extend(name for name in content.default_guesses if name not in guesses)
    return guesses[:MAX_GUESSES]


def guess_payload(intent: str, message: dict[str, Any], content: DialogueContent) -> str:
    """`/<intent>` with the entities already extracted: `/service_unavailable{"service":"tax"}`."""
    carried: dict[str, Any] = {}
    for entity in message.get("entities") or ():
        name = entity.get("entity")
        if name in CARRIED_ENTITIES and name not in carried:
            carried[name] = entity.get("value")
    if intent == "password_reset" and "login_problem" not in carried:
        problem = content.login_problem(str(message.get("text") or ""))
        if problem:
            carried["login_problem"] = problem
    if not carried:
        return f"/{intent}"
    return f"/{intent}" + json.dumps(carried, ensure_ascii=False, separators=(",", ":"))


def guess_buttons(message: dict[str, Any], content: DialogueContent) -> list[dict[str, Any]]:
    """The guesses as buttons in plain Russian."""
    return [
        button(content.intent_titles[name], guess_payload(name, message, content))
        for name in best_guesses(message, content)
    ]


class ActionNluFallback(Action):  # type: ignore[misc]
    """First doubt: the best guesses, an operator and «Другое»; a second in a row: the operator
    first. Never a bare «не понял»: every answer has a way forward."""

    def __init__(self, content_path: Path | None = None) -> None:
        """Tests pass their own content file."""
        self._path = content_path or DIALOGUE_PATH

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_nlu_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Offer the guesses; after two misses in a row put the operator first."""
        content = await asyncio.to_thread(load_dialogue_content, self._path)
        message: dict[str, Any] = tracker.latest_message or {}
        guesses = guess_buttons(message, content)
        operator = button(TEXTS.button_operator, "/request_operator")
        other = button(TEXTS.button_something_else, "/something_else")
        if consecutive_fallbacks(tracker) >= 2:
            dispatcher.utter_message(
                text=TEXTS.fallback_offer_operator, buttons=[operator, *guesses, other]
            )
        else:
            dispatcher.utter_message(
                text=TEXTS.fallback_guesses, buttons=[*guesses, operator, other]
            )
        return []


class ActionDefaultFallback(ActionNluFallback):
    """Rasa's core fallback (no rule or story predicts the next step) answers like a doubt —
    guesses, operator, «Другое» — instead of a bare «не понял», and undoes the turn as the
    built-in action does, so the conversation can go on."""

    def name(self) -> str:
        """Overrides Rasa's built-in `action_default_fallback`."""
        return "action_default_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """The guesses, then the revert of the turn the dialogue could not place."""
        events = await super().run(dispatcher, tracker, domain)
        return [*events, UserUtteranceReverted()]

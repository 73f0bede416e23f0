"""What the bot does when it did not understand: rephrase first, then offer an operator."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import texts
from actions.base import button

FALLBACK_INTENT = "nlu_fallback"


def consecutive_fallbacks(tracker: Tracker) -> int:
    """How many of the latest user turns in a row were not understood."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent != FALLBACK_INTENT:
            break
        count += 1
    return count


class ActionNluFallback(Action):  # type: ignore[misc]
    """First miss: asks to rephrase; second miss in a row: offers an operator."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_nlu_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Never trap the citizen: after two misses the operator is one button away."""
        if consecutive_fallbacks(tracker) >= 2:
            dispatcher.utter_message(
                text=texts.FALLBACK_OFFER_OPERATOR,
                buttons=[
                    button(texts.BUTTON_OPERATOR, "/request_operator"),
                    button(texts.BUTTON_MENU, "/help"),
                ],
            )
        else:
            dispatcher.utter_message(text=texts.FALLBACK_REPHRASE)
        return []

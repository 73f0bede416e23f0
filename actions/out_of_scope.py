"""Questions about the portal's other services: an honest «I cannot», the topic's route, an
operator."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import button
from actions.dialogue_content import OUT_OF_SCOPE_PATH, load_out_of_scope
from actions.texts import TEXTS


class ActionOutOfScope(Action):  # type: ignore[misc]
    """The general route of the topic the message is about (`content/out_of_scope.yml`, matched
    on lemmas), with an operator button."""

    def __init__(self, content_path: Path | None = None) -> None:
        """Tests pass their own content file."""
        self._path = content_path or OUT_OF_SCOPE_PATH

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Read the file on every run, so an editor's change shows without a restart."""
        content = await asyncio.to_thread(load_out_of_scope, self._path)
        text = str((tracker.latest_message or {}).get("text") or "")
        dispatcher.utter_message(
            text=content.answer("" if text.startswith("/") else text),
            buttons=[
                button(TEXTS.button_operator, "/request_operator"),
                button(TEXTS.button_menu, "/help"),
            ],
        )
        return []

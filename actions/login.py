"""The login problem the citizen already named picks its branch of the password-reset flow."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue_content import DIALOGUE_PATH, LOGIN_PROBLEMS, load_dialogue_content


class ActionDetectLoginProblem(Action):  # type: ignore[misc]
    """Sets `login_problem` from this turn only: a button's or the model's entity, else the
    lexicon of `content/dialogue.yml` on the message; None when the message names no problem.

    The rules then say that branch's advice at once, or show the menu of problems when the
    slot is empty — never a menu offering what the citizen has just said."""

    def __init__(self, content_path: Path | None = None) -> None:
        """Tests pass their own content file."""
        self._path = content_path or DIALOGUE_PATH

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_detect_login_problem"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """A problem from an earlier topic never answers this one: the slot is this turn's."""
        entity = next(tracker.get_latest_entity_values("login_problem"), None)
        if entity in LOGIN_PROBLEMS:
            return [SlotSet("login_problem", entity)]
        text = str((tracker.latest_message or {}).get("text") or "")
        problem = None
        if text and not text.startswith("/"):
            content = await asyncio.to_thread(load_dialogue_content, self._path)
            problem = content.login_problem(text)
        return [SlotSet("login_problem", problem)]

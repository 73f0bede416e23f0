"""Questions about the portal's other services: an honest «I cannot», the topic's route, an
operator."""

from __future__ import annotations

from pathlib import Path

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.base import StoreAction, button
from actions.dialogue_content import OUT_OF_SCOPE_PATH, current_out_of_scope
from actions.texts import TEXTS


class ActionOutOfScope(StoreAction):
    """The general route of the topic the message is about (the editors' topics, matched on
    lemmas; `content/out_of_scope.yml` by default), with an operator button."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession] | None = None,
        content_path: Path | None = None,
    ) -> None:
        """Tests pass their own database and default file."""
        super().__init__(sessions)
        self._path = content_path or OUT_OF_SCOPE_PATH

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Read the topics on every run: an editor's change shows at once, on every instance."""
        async with self.session() as session:
            content = await current_out_of_scope(session, self._path)
        text = str((tracker.latest_message or {}).get("text") or "")
        dispatcher.utter_message(
            text=content.answer("" if text.startswith("/") else text),
            buttons=[
                button(TEXTS.button_operator, "/request_operator"),
                button(TEXTS.button_menu, "/help"),
            ],
        )
        return []

"""Access problems the self-help steps did not solve become support tickets."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import StoreAction
from actions.store import queries
from actions.store.models import TicketKind
from actions.texts import TEXTS


class ActionPasswordTicket(StoreAction):
    """Creates a support ticket (`SUP-…`) for an unresolved access problem."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_password_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Register the ticket with the chosen problem and any error text."""
        problem = tracker.get_slot("login_problem")
        error_text = tracker.get_slot("error_text")
        async with self.session() as session:
            ticket = await queries.create_ticket(
                session,
                TicketKind.ACCESS,
                tracker.sender_id,
                self.now(),
                description=str(problem) if problem else None,
                error_text=str(error_text)[:2000] if error_text else None,
            )
            number = ticket.number
        dispatcher.utter_message(text=TEXTS.access_ticket_registered.format(number=number))
        return []

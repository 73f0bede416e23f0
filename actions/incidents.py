"""Service failures: known incidents and maintenance, self-help, and technical tickets."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import StoreAction, moscow_time
from actions.store import queries
from actions.store.models import IncidentKind, TicketKind
from actions.texts import TEXTS


class ActionServiceStatus(StoreAction):
    """Tells about a known incident or maintenance of `service`, or gives the self-help steps."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_service_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Look for a current incident of the service named in this message: a service left
        from an earlier topic must not answer a new question, so none named resets the slot."""
        service = next(tracker.get_latest_entity_values("service"), None)
        now = self.now()
        incident = None
        if service:
            async with self.session() as session:
                incident = await queries.active_incident(session, str(service), now)
        if incident is None:
            dispatcher.utter_message(text=TEXTS.self_help)
        elif incident.kind == IncidentKind.MAINTENANCE and incident.expected_recovery_at:
            dispatcher.utter_message(
                text=TEXTS.maintenance_planned.format(
                    text=incident.public_text,
                    start=moscow_time(incident.started_at),
                    recovery=moscow_time(incident.expected_recovery_at),
                )
            )
        elif incident.expected_recovery_at:
            dispatcher.utter_message(
                text=TEXTS.incident_known.format(
                    text=incident.public_text, recovery=moscow_time(incident.expected_recovery_at)
                )
            )
        else:
            dispatcher.utter_message(
                text=TEXTS.incident_known_no_eta.format(text=incident.public_text)
            )
        return [SlotSet("service", service)]


class ActionRegisterIncident(StoreAction):
    """Registers a technical incident ticket with the time, the service and the error text."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_register_incident"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Create the ticket and tell its number."""
        service = tracker.get_slot("service")
        error_text = tracker.get_slot("error_text")
        async with self.session() as session:
            ticket = await queries.create_ticket(
                session,
                TicketKind.INCIDENT,
                tracker.sender_id,
                self.now(),
                service_code=str(service) if service else None,
                error_text=str(error_text)[:2000] if error_text else None,
            )
            number = ticket.number
        dispatcher.utter_message(text=TEXTS.incident_registered.format(number=number))
        return []

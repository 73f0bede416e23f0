"""Binding a chat to a citizen through the messenger's verified phone share, and unbinding it."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import consent
from actions.base import StoreAction
from actions.store import queries
from actions.texts import TEXTS
from identifiers import normalize_phone


def ask_to_identify(dispatcher: CollectingDispatcher) -> None:
    """Ask for a verified phone share; the app renders the channel's own button."""
    dispatcher.utter_message(
        json_message={
            "request_contact": {
                "text": TEXTS.identify_request,
                "button": TEXTS.button_share_phone,
            }
        }
    )


class ActionCheckBinding(StoreAction):
    """Sets `citizen_bound` from the ticket store for this chat."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_check_binding"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Look the binding up."""
        async with self.session() as session:
            citizen = await self.owner(session, tracker)
        return [SlotSet("citizen_bound", citizen is not None)]


class ActionIdentify(StoreAction):
    """On `/share_contact` with a verified contact, binds the chat to the phone's citizen."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_identify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Bind only a phone the channel proved to be the sender's own, as the app signed it."""
        # privacy: no consent to the current text (actions/consent.py) → ask it, bind nothing
        if await consent.ask_consent_if_missing(self.session, dispatcher, tracker.sender_id):
            return [SlotSet("citizen_bound", False)]
        metadata: dict[str, Any] = (tracker.latest_message or {}).get("metadata") or {}
        contact = metadata.get("contact")
        if not isinstance(contact, dict) or not contact.get("phone"):
            dispatcher.utter_message(text=TEXTS.identify_no_contact)
            return [SlotSet("citizen_bound", False)]
        facts = self.vouched(tracker)
        if facts is None or facts.contact_phone is None:
            dispatcher.utter_message(text=TEXTS.identify_unverified)
            return [SlotSet("citizen_bound", False)]
        phone = normalize_phone(facts.contact_phone)
        async with self.session() as session:
            citizen = await queries.citizen_by_phone(session, phone) if phone else None
            if citizen is None:
                dispatcher.utter_message(text=TEXTS.identify_unknown_phone)
                return [SlotSet("citizen_bound", False)]
            await queries.bind_chat(
                session, tracker.sender_id, citizen, f"{facts.channel}_contact", self.now()
            )
            first_name = _first_name(citizen.full_name)
        dispatcher.utter_message(text=TEXTS.identify_done.format(first_name=first_name))
        return [SlotSet("citizen_bound", True)]


class ActionUnbind(StoreAction):
    """Removes the chat's binding to a citizen."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_unbind"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Delete the binding and say so."""
        removed = False
        if self.vouched(tracker) is not None:
            async with self.session() as session:
                removed = await queries.unbind_chat(session, tracker.sender_id)
        dispatcher.utter_message(text=TEXTS.unbind_done if removed else TEXTS.unbind_nothing)
        return [SlotSet("citizen_bound", False)]


def _first_name(full_name: str) -> str:
    """«Иванов Иван Иванович» → «Иван»; Russian full names put the surname first."""
    parts = full_name.split()
    return parts[1] if len(parts) > 1 else full_name

"""Appeal status, the citizen's appeals and subscriptions — shown only to the bound owner."""

from __future__ import annotations

from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.ext.asyncio import AsyncSession

from actions.base import StoreAction, button, latest_intent, moscow_time
from actions.consent import ask_for_phone, load_consent
from actions.store import queries
from actions.store.models import OPEN_STATUSES, Appeal, AppealStatus
from actions.texts import TEXTS
from identifiers import normalize_appeal_number


def _operator_buttons() -> list[dict[str, Any]]:
    return [button(TEXTS.button_operator, "/request_operator")]


def _say_limited(dispatcher: CollectingDispatcher) -> None:
    dispatcher.utter_message(text=TEXTS.appeal_lookups_limited, buttons=_operator_buttons())


MIN_DIGITS_OF_AN_ATTEMPT = 2
# Intents that are a new request, not an answer to «what is the number?»: the form lets them
# go (its rules leave the form and serve them), even when the text has digits («ошибка 502»).
NEW_REQUEST_INTENTS = frozenset(
    {
        "password_reset",
        "choose_login_problem",
        "service_unavailable",
        "support_contacts",
        "request_operator",
        "out_of_scope",
        "my_appeals",
        "help",
    }
)


class ValidateAppealStatusForm(FormValidationAction, StoreAction):  # type: ignore[misc]
    """Validates `appeal_number`: its format, and the chat's limit of failed lookups."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "validate_appeal_status_form"

    async def extract_appeal_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """An answer to «what is the number?» with digits but no valid number is kept, so the
        validator can explain the formats instead of silently asking again."""
        if tracker.get_slot("requested_slot") != "appeal_number":
            return {}
        if next(tracker.get_latest_entity_values("appeal_number"), None) is not None:
            return {}
        latest = tracker.latest_message or {}
        if latest_intent(latest) in NEW_REQUEST_INTENTS:
            return {}
        text = str(latest.get("text") or "")
        if text.startswith("/") or sum(ch.isdigit() for ch in text) < MIN_DIGITS_OF_AN_ATTEMPT:
            return {}
        return {"appeal_number": text}

    async def validate_appeal_number(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Normalise the number; refuse a malformed one or any while the chat is limited."""
        async with self.session() as session:
            limited = await queries.lookups_limited(session, tracker.sender_id, self.now())
        if limited:
            _say_limited(dispatcher)
            return {"appeal_number": None}
        number = normalize_appeal_number(str(slot_value)) if slot_value else None
        if number is None:
            dispatcher.utter_message(text=TEXTS.appeal_number_malformed)
            return {"appeal_number": None}
        return {"appeal_number": number}


class ActionAppealStatus(StoreAction):
    """Status, last change, comment, deadline and overdue handling, for the bound owner only."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_appeal_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Find the bound citizen's appeal; someone else's number reads like an unknown one."""
        raw = tracker.get_slot("appeal_number")
        now = self.now()
        async with self.session() as session:
            if await queries.lookups_limited(session, tracker.sender_id, now):
                _say_limited(dispatcher)
                return [SlotSet("appeal_number", None)]
            citizen = await self.owner(session, tracker)
            if citizen is None:
                await ask_for_phone(session, dispatcher, tracker.sender_id, await load_consent())
                return [SlotSet("citizen_bound", False)]
            if not raw:
                dispatcher.utter_message(text=TEXTS.appeal_number_ask)
                return []
            number = normalize_appeal_number(str(raw))
            if number is None:
                dispatcher.utter_message(text=TEXTS.appeal_number_malformed)
                return [SlotSet("appeal_number", None)]
            appeal = await queries.owned_appeal(session, citizen.id, number)
            await queries.record_lookup(session, tracker.sender_id, appeal is not None, now)
            if appeal is None:
                dispatcher.utter_message(text=TEXTS.appeal_not_found.format(number=number))
                return [SlotSet("appeal_number", None)]
            await self._tell_status(session, dispatcher, appeal)
        return [SlotSet("appeal_number", number), SlotSet("citizen_bound", True)]

    async def _tell_status(
        self, session: AsyncSession, dispatcher: CollectingDispatcher, appeal: Appeal
    ) -> None:
        change = await queries.last_change(session, appeal.id)
        lines = [
            TEXTS.appeal_status.format(
                number=appeal.number,
                agency=appeal.agency,
                status=TEXTS.status_labels.get(appeal.status, appeal.status),
                changed_at=moscow_time(change.changed_at if change else appeal.submitted_at),
            )
        ]
        if change is not None and change.comment:
            lines.append(TEXTS.appeal_comment.format(comment=change.comment))
        reason = TEXTS.deadline_reasons.get(appeal.deadline_kind, "")
        if appeal.status == AppealStatus.REJECTED:
            lines.append(TEXTS.appeal_rejected.format(reason=appeal.rejection_reason or "—"))
        if appeal.is_overdue_at(self.now()):
            lines.append(
                TEXTS.appeal_overdue.format(deadline=moscow_time(appeal.deadline_at), reason=reason)
            )
            dispatcher.utter_message(text="\n".join(lines), buttons=_operator_buttons())
            return
        if appeal.status in OPEN_STATUSES:
            lines.append(
                TEXTS.appeal_deadline.format(
                    deadline=moscow_time(appeal.deadline_at), reason=reason
                )
            )
        if appeal.status == AppealStatus.WAITING_CITIZEN:
            lines.append(TEXTS.appeal_waiting)
        buttons = []
        if appeal.status in OPEN_STATUSES:
            lines.append(TEXTS.appeal_subscribe_hint)
            payload = '/subscribe_status{"appeal_number": "' + appeal.number + '"}'
            buttons.append(button("Подписаться на изменения", payload))
        dispatcher.utter_message(text="\n".join(lines), buttons=buttons)


class ActionMyAppeals(StoreAction):
    """Lists the bound citizen's appeals."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_my_appeals"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Numbers and statuses, overdue ones marked."""
        now = self.now()
        async with self.session() as session:
            citizen = await self.owner(session, tracker)
            if citizen is None:
                await ask_for_phone(session, dispatcher, tracker.sender_id, await load_consent())
                return [SlotSet("citizen_bound", False)]
            appeals = await queries.citizen_appeals(session, citizen.id)
        if not appeals:
            dispatcher.utter_message(text=TEXTS.my_appeals_empty)
            return [SlotSet("citizen_bound", True)]
        lines = [TEXTS.my_appeals_header]
        lines.extend(
            TEXTS.my_appeals_line.format(
                number=appeal.number,
                status=TEXTS.status_labels.get(appeal.status, appeal.status),
                overdue=TEXTS.my_appeals_overdue_mark if appeal.is_overdue_at(now) else "",
            )
            for appeal in appeals
        )
        dispatcher.utter_message(text="\n".join(lines))
        return [SlotSet("citizen_bound", True)]


class ActionSubscribeStatus(StoreAction):
    """Subscribes the chat to status changes of the bound citizen's appeal."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_subscribe_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Subscribe once; a foreign or unknown number gets the not-found answer."""
        raw = tracker.get_slot("appeal_number")
        number = normalize_appeal_number(str(raw)) if raw else None
        now = self.now()
        async with self.session() as session:
            citizen = await self.owner(session, tracker)
            if citizen is None:
                await ask_for_phone(session, dispatcher, tracker.sender_id, await load_consent())
                return [SlotSet("citizen_bound", False)]
            if number is None:
                dispatcher.utter_message(text=TEXTS.appeal_number_ask)
                return []
            appeal = await queries.owned_appeal(session, citizen.id, number)
            if appeal is None:
                dispatcher.utter_message(text=TEXTS.appeal_not_found.format(number=number))
                return [SlotSet("appeal_number", None)]
            created = await queries.subscribe(session, appeal, tracker.sender_id, now)
        message = TEXTS.subscribed if created else TEXTS.already_subscribed
        dispatcher.utter_message(text=message.format(number=number))
        return []

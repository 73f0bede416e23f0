"""The Russian texts the citizen reads from the actions, typed; the words are in `locales/ru.toml`.

Logic only picks a text and fills its fields. The schema below makes a missing or misspelt
entry in the locale file fail when the action server starts, not when a citizen reaches it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from l10n import Texts

LOCALE = Texts(Path(__file__).parent / "locales")


class ActionTexts(BaseModel):
    """Every text of `locales/ru.toml`; extra entries are refused as a sign of a typo."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status_labels: dict[str, str]
    deadline_reasons: dict[str, str]
    button_operator: str
    button_menu: str
    button_share_phone: str
    button_something_else: str
    button_connect_operator: str
    identify_request: str
    identify_done: str
    identify_unverified: str
    identify_no_contact: str
    identify_unknown_phone: str
    unbind_done: str
    unbind_nothing: str
    appeal_number_ask: str
    appeal_number_malformed: str
    appeal_not_found: str
    appeal_lookups_limited: str
    appeal_status: str
    appeal_comment: str
    appeal_deadline: str
    appeal_waiting: str
    appeal_rejected: str
    appeal_overdue: str
    appeal_subscribe_hint: str
    my_appeals_header: str
    my_appeals_line: str
    my_appeals_overdue_mark: str
    my_appeals_empty: str
    subscribed: str
    already_subscribed: str
    incident_known: str
    incident_known_no_eta: str
    maintenance_planned: str
    self_help: str
    incident_registered: str
    access_ticket_registered: str
    contacts: str
    contacts_open_now: str
    contacts_opens_at: str
    contacts_today: str
    contacts_tomorrow: str
    contacts_on_date: str
    contacts_hours: str
    handoff_started: str
    handoff_summary: str
    rating_thanks: str
    rating_invalid: str
    fallback_guesses: str
    fallback_offer_operator: str
    operator_offer: str
    status_notification: str
    status_notification_comment: str
    consent_policy_line: str
    consent_agreed: str
    consent_revoked: str
    consent_nothing_to_revoke: str
    forget_done: str
    forget_not_vouched: str


TEXTS = ActionTexts.model_validate(LOCALE.table())

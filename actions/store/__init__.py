"""The ticket store: citizens, their messenger bindings, appeals, incidents and support tickets,
and the content editors change in the console.

This module is the store's published surface for the other packages of the app (the handoff
console's citizen profile, the appeal-status notifier, retention and forget-me, the editors'
content pages); they import these names from here, never the submodules (an import-linter
contract in pyproject.toml).
"""

from actions.store.content import (
    IncidentFields,
    StaleEdit,
    content_entry,
    create_incident,
    edit_incident,
    end_incident,
    list_incidents,
    save_content,
)
from actions.store.models import ContentEntry, Incident, IncidentKind
from actions.store.notifications import take_pending
from actions.store.privacy import forget_chat, purge_ticket_store
from actions.store.queries import bound_citizen, citizen_appeals, service_titles

__all__ = [
    "ContentEntry",
    "Incident",
    "IncidentFields",
    "IncidentKind",
    "StaleEdit",
    "bound_citizen",
    "citizen_appeals",
    "content_entry",
    "create_incident",
    "edit_incident",
    "end_incident",
    "forget_chat",
    "list_incidents",
    "purge_ticket_store",
    "save_content",
    "service_titles",
    "take_pending",
]

"""The ticket store: citizens, their messenger bindings, appeals, incidents and support tickets.

This module is the store's published surface for the other packages of the app (the handoff
console's citizen profile, the appeal-status notifier, retention and forget-me); they import
these names from here, never the submodules (an import-linter contract in pyproject.toml).
"""

from actions.store.notifications import take_pending
from actions.store.privacy import forget_chat, purge_ticket_store
from actions.store.queries import bound_citizen, citizen_appeals, service_titles

__all__ = [
    "bound_citizen",
    "citizen_appeals",
    "forget_chat",
    "purge_ticket_store",
    "service_titles",
    "take_pending",
]

"""What the handoff service refuses; the console API maps these to HTTP statuses."""

from __future__ import annotations


class HandoffError(Exception):
    """Base of the handoff service's refusals."""


class ChatNotFound(HandoffError):
    """No handoff chat (or operator, or group) with that id: 404."""


class ChatConflict(HandoffError):
    """Taken by someone else, or not in a state that allows the action: 409."""


class NotAllowed(HandoffError):
    """Not the operator's chat or group: 403."""

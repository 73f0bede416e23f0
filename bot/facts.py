"""Facts the app vouches for on each turn it sends to Rasa, signed so the actions can trust them.

Rasa passes a turn's metadata to the action server untouched, but anyone who holds Rasa's
token (or can reach the action server) could write metadata of their own. So the app signs
what it knows — the sender, the channel's chat and user, the turn's message id and a phone
share the channel proved to be the sender's own — with an HMAC under a key only the app and
the action server hold (`FACTS_SIGNING_KEY`), and the actions act on such a fact only when
the signature holds, names the tracker's own sender and is fresh.

Standard library only: the action server and the app import it alike.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SIGNED_FIELDS = ("sender", "channel", "chat_id", "user_id", "message_id", "contact", "issued_at")
SIGNATURE = "signature"
# A signature a little ahead of the action server's clock (another host) is still accepted.
CLOCK_SKEW_S = 30


@dataclass(frozen=True)
class VouchedFacts:
    """What the app vouched for on one turn; `contact` only when the channel verified a share."""

    sender: str
    channel: str
    chat_id: str
    user_id: str
    message_id: str
    contact_phone: str | None
    issued_at: int


def _digest(key: bytes, fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(key, canonical.encode("ascii"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class TurnFacts:
    """What the app knows of one turn: who sent it, where, and a phone share if the channel
    reported one (`{"phone": ..., "verified": bool}`)."""

    sender: str
    channel: str
    chat_id: str
    user_id: str
    message_id: str
    contact: dict[str, Any] | None = None


def sign_facts(key: bytes, facts: TurnFacts, issued_at: int) -> dict[str, Any]:
    """The turn's metadata for Rasa: the facts, the time they were issued and their HMAC."""
    fields: dict[str, Any] = {
        "sender": facts.sender,
        "channel": facts.channel,
        "chat_id": facts.chat_id,
        "user_id": facts.user_id,
        "message_id": facts.message_id,
        "contact": facts.contact,
        "issued_at": issued_at,
    }
    return {**fields, SIGNATURE: _digest(key, fields)}


def verify_facts(
    key: bytes, metadata: Any, *, sender: str, now: float, max_age_s: float
) -> VouchedFacts | None:
    """The facts of `metadata` if the app signed them for `sender` within `max_age_s`, else None.

    Anything else — no signature, another sender's facts replayed, a changed field, a stale or
    future time, a malformed value — is None: the caller treats the turn as unidentified.
    """
    if not isinstance(metadata, dict) or not key:
        return None
    signature = metadata.get(SIGNATURE)
    if not isinstance(signature, str):
        return None
    fields = {name: metadata.get(name) for name in SIGNED_FIELDS}
    if not hmac.compare_digest(signature.encode(), _digest(key, fields).encode()):
        return None
    issued_at = fields["issued_at"]
    if not isinstance(issued_at, int) or not (now - max_age_s <= issued_at <= now + CLOCK_SKEW_S):
        return None
    if fields["sender"] != sender:
        return None
    contact = fields["contact"]
    phone = None
    if isinstance(contact, dict) and contact.get("verified") is True:
        phone = str(contact.get("phone") or "") or None
    return VouchedFacts(
        sender=sender,
        channel=str(fields["channel"]),
        chat_id=str(fields["chat_id"]),
        user_id=str(fields["user_id"]),
        message_id=str(fields["message_id"]),
        contact_phone=phone,
        issued_at=issued_at,
    )


class FactSigner:
    """Signs each turn's facts with the app's key; the clock is injectable for tests."""

    def __init__(self, key: bytes, clock: Callable[[], float] = time.time) -> None:
        """`key` is FACTS_SIGNING_KEY, shared with the action server only."""
        if not key:
            raise ValueError("a facts signing key is required")
        self._key = key
        self._clock = clock

    def sign(self, facts: TurnFacts) -> dict[str, Any]:
        """The signed facts of one turn, issued now."""
        return sign_facts(self._key, facts, int(self._clock()))

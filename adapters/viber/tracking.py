"""`tracking_data`: what our last message offered, echoed back by Viber with the citizen's reply.

Viber returns the `tracking_data` of the bot's last message with the next message the citizen
sends. We put there
- `b`: short hashes of the button payloads offered, so a reply equal to one of them is a button
  press (BUTTON) and any other text stays typed text (TEXT), even if it looks like an intent;
- `l`: payloads longer than a Viber `ActionBody` should carry, under the short key that stands
  in for them;
- `ph`: a signed phone request (`<unix time>.<HMAC of user id and time>`): a contact is taken as
  the citizen's own, verified phone only when it answers this request, for this user, recently.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

MAX_TRACKING_CHARS = 4000  # Viber's documented limit for `tracking_data`
MAX_ACTION_BODY = 250
KEY_PREFIX = "#k:"
PHONE_REQUEST_TTL_S = 24 * 3600  # a Viber session: the citizen may answer the next day


def payload_hash(payload: str) -> str:
    """A short, stable fingerprint of a payload (not a secret)."""
    return hashlib.sha1(payload.encode(), usedforsecurity=False).hexdigest()[:12]


def action_body(payload: str) -> str:
    """What a reply button carries: the payload itself, or a short key for a long one."""
    if len(payload) <= MAX_ACTION_BODY and not payload.startswith(KEY_PREFIX):
        return payload
    return KEY_PREFIX + payload_hash(payload)


@dataclass(frozen=True)
class Offer:
    """What one of our messages offered, as read back from `tracking_data`."""

    buttons: frozenset[str] = frozenset()
    long_payloads: dict[str, str] = field(default_factory=dict)
    phone_request: str | None = None


class Tracking:
    """Writes and reads our `tracking_data`; phone requests are signed with a key from the token."""

    def __init__(self, token: str, clock: Callable[[], float] = time.time) -> None:
        self._key = hashlib.sha256(b"viber-tracking:" + token.encode()).digest()
        self._clock = clock

    def _sign(self, user_id: str, issued: int) -> str:
        message = f"share-phone:{user_id}:{issued}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:32]

    def encode(
        self, user_id: str, payloads: Sequence[str], *, phone_request: bool = False
    ) -> str | None:
        """The tracking_data for a message offering these buttons (and maybe a phone share)."""
        data: dict[str, object] = {}
        if payloads:
            data["b"] = sorted({payload_hash(p) for p in payloads})
            long = {action_body(p): p for p in payloads if action_body(p) != p}
            if long:
                data["l"] = long
        if phone_request:
            issued = int(self._clock())
            data["ph"] = f"{issued}.{self._sign(user_id, issued)}"
        if not data:
            return None
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        if len(text) > MAX_TRACKING_CHARS:  # only very long payloads can overflow: drop them
            data.pop("l", None)
            text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return text

    @staticmethod
    def read(raw: object) -> Offer:
        """What the message answered here offered; empty for anything not written by us."""
        if not isinstance(raw, str) or not raw.startswith("{") or len(raw) > MAX_TRACKING_CHARS:
            return Offer()
        try:
            data = json.loads(raw)
        except ValueError:
            return Offer()
        if not isinstance(data, dict):
            return Offer()
        buttons = data.get("b")
        long = data.get("l")
        phone = data.get("ph")
        return Offer(
            buttons=frozenset(b for b in buttons if isinstance(b, str))
            if isinstance(buttons, list)
            else frozenset(),
            long_payloads={k: v for k, v in long.items() if isinstance(v, str)}
            if isinstance(long, dict)
            else {},
            phone_request=phone if isinstance(phone, str) else None,
        )

    def button_payload(self, raw_tracking: object, text: str) -> str | None:
        """The payload when `text` is a press of one of the buttons we offered, else None."""
        offer = self.read(raw_tracking)
        payload = offer.long_payloads.get(text, text)
        return payload if payload_hash(payload) in offer.buttons else None

    def phone_requested(self, raw_tracking: object, user_id: str) -> bool:
        """True when the reply answers our own, recent phone request to this user."""
        request = self.read(raw_tracking).phone_request
        if request is None or "." not in request:
            return False
        issued_text, signature = request.split(".", 1)
        if not issued_text.isdigit() or len(issued_text) > 12:
            return False
        issued = int(issued_text)
        if not 0 <= self._clock() - issued <= PHONE_REQUEST_TTL_S:
            return False
        return hmac.compare_digest(signature, self._sign(user_id, issued))

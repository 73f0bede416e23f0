"""Button payloads in Telegram's 64-byte `callback_data`.

A payload of at most 64 UTF-8 bytes travels inline. A longer one is replaced by a short,
deterministic key (`#k:` + 16 hex digits of its SHA-1) kept in an in-memory dict.

Limitation: that dict lives in this process only. A button carrying a long payload that is
pressed after a restart, or on another instance, cannot be resolved; it then arrives as a
plain TEXT turn with the button's key (the citizen is asked again). Payloads from this
project's domain are short, so this is the rare path.
"""

from __future__ import annotations

import hashlib

MAX_CALLBACK_BYTES = 64
KEY_PREFIX = "#k:"


class CallbackRegistry:
    """Maps payloads to callback_data and back."""

    def __init__(self) -> None:
        self._long: dict[str, str] = {}

    def encode(self, payload: str) -> str:
        """callback_data for a payload, always within 64 bytes."""
        if len(payload.encode()) <= MAX_CALLBACK_BYTES and not payload.startswith(KEY_PREFIX):
            return payload
        key = KEY_PREFIX + hashlib.sha1(payload.encode(), usedforsecurity=False).hexdigest()[:16]
        self._long[key] = payload
        return key

    def decode(self, data: str) -> str | None:
        """The payload behind callback_data; None for an unknown long-payload key."""
        if data.startswith(KEY_PREFIX):
            return self._long.get(data)
        return data

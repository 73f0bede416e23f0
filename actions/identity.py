"""Keyed СНИЛС hashes; what counts as a phone, a СНИЛС or an appeal number is `identifiers`'."""

from __future__ import annotations

import hashlib
import hmac


def snils_hash(snils: str, key: str) -> str:
    """HMAC-SHA256 of the normalised СНИЛС, so it can be matched but not read back."""
    return hmac.new(key.encode(), snils.encode(), hashlib.sha256).hexdigest()

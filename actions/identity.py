"""Normalising what citizens type: phones, СНИЛС and appeal numbers; keyed СНИЛС hashes."""

from __future__ import annotations

import hashlib
import hmac
import re

_LOOKALIKE_LETTERS = str.maketrans("АВЕКМНОРСТУХ", "ABEKMHOPCTYX")
_LETTER_NUMBER = re.compile(r"^([A-Z]{2})-?(\d{9})$")
_NUMBER_PREFIX = re.compile(r"^(?:№|NO\.?|N|НОМЕР)\s*")
_DIGIT_NUMBER_LENGTHS = (8, 10)


def normalize_phone(raw: str) -> str | None:
    """`8 (999) 000-00-01`, `+7 999…`, `9990000001` → `+79990000001`; None if not Russian."""
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 10:
        digits = "7" + digits
    if len(digits) == 11 and digits[0] in "78":
        return "+7" + digits[1:]
    return None


def normalize_appeal_number(raw: str) -> str | None:
    """`№ 123 456 7890` → `1234567890`, `ав 987654321` → `AB-987654321`; None when malformed."""
    text = _NUMBER_PREFIX.sub("", raw.strip().upper()).translate(_LOOKALIKE_LETTERS)
    compact = re.sub(r"[\s\-–—_.]", "", text)
    if compact.isdigit() and len(compact) in _DIGIT_NUMBER_LENGTHS:
        return compact
    match = _LETTER_NUMBER.match(compact)
    if match:
        return f"{match.group(1)}-{match.group(2)}"
    return None


def normalize_snils(raw: str) -> str | None:
    """Eleven digits of a СНИЛС whose check number is right, else None."""
    digits = re.sub(r"\D", "", raw)
    if len(digits) != 11:
        return None
    return digits if snils_check_number(digits[:9]) == int(digits[9:]) else None


def snils_check_number(first_nine: str) -> int:
    """The control number of a СНИЛС: weighted sum mod 101, 100 and 101 giving 0."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first_nine, range(9, 0, -1), strict=True)
    )
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    remainder = total % 101
    return 0 if remainder == 100 else remainder


def snils_hash(snils: str, key: str) -> str:
    """HMAC-SHA256 of the normalised СНИЛС, so it can be matched but not read back."""
    return hmac.new(key.encode(), snils.encode(), hashlib.sha256).hexdigest()

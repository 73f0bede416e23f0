"""СНИЛС: eleven digits, nine of the number and a two-digit check number.

The check number is the official one: the sum of the nine digits weighted 9 down to 1; below
100 it is the sum itself, 100 and 101 give 00, above that the remainder mod 101 (100 again 00).
Numbers up to 001-001-998 were issued before the check number existed, so by the same official
rule any two last digits are accepted for them; the all-zero number was never issued.
"""

from __future__ import annotations

import re

from identifiers.appeal import DASHES

SNILS_DIGITS = 11
LAST_UNCHECKED_NUMBER = 1_001_998
_SNILS_CHARACTERS = re.compile(rf"[0-9\s{DASHES}]+")


def normalize_snils(raw: str) -> str | None:
    """The eleven digits of a valid СНИЛС written with spaces or dashes between, else None."""
    if not _SNILS_CHARACTERS.fullmatch(raw):
        return None
    digits = re.sub("[^0-9]", "", raw)
    if len(digits) != SNILS_DIGITS:
        return None
    number = int(digits[:9])
    if number == 0:
        return None
    if number <= LAST_UNCHECKED_NUMBER:
        return digits
    return digits if snils_check_number(digits[:9]) == int(digits[9:]) else None


def snils_check_number(first_nine: str) -> int:
    """The check number of a СНИЛС from its first nine digits."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first_nine, range(9, 0, -1), strict=True)
    )
    if total < 100:
        return total
    return total % 101 % 100


def format_snils(digits: str) -> str:
    """`11223344595` → `112-233-445 95`, the way the bot shows and the NLU reports a СНИЛС."""
    return f"{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:11]}"

"""Phone numbers → E.164 (`+79161234567`, `+375291234567`).

The rule, the same for a message's text and for a channel's contact share:
- a Russian number is written with `+7`, `7` or the trunk prefix `8` before its ten national
  digits, or as the ten digits of a mobile number (`9XX…`) alone; it becomes `+7` and the ten;
- `+7` with anything but ten digits after it is not a phone;
- a number of another country counts only in international form: `+`, then 8 to 15 digits
  (E.164), not starting with 0; Telegram and Viber report shared contacts in international
  form with the `+` left off, so the adapters say so with `international=True`;
- anything else is not a phone, nor is text with other characters than digits, a leading
  `+`, spaces, dashes and brackets.
"""

from __future__ import annotations

import re

from identifiers.appeal import DASHES

RUSSIAN_NATIONAL_DIGITS = 10
E164_MIN_DIGITS = 8
E164_MAX_DIGITS = 15
# What a phone may be written with: digits, a leading plus, spaces, dashes and brackets.
_PHONE_CHARACTERS = re.compile(rf"\s*\+?[0-9\s{DASHES}()]+")


def normalize_phone(raw: str, *, international: bool = False) -> str | None:
    """`8 (916) 123-45-67`, `+7 916…`, `9161234567` → `+79161234567`; `+375 29…` kept; else None.

    `international`: the source reports international numbers without their `+` (a channel's
    contact share), so a bare `375291234567` is read as `+375291234567`.
    """
    if not _PHONE_CHARACTERS.fullmatch(raw):
        return None
    digits = re.sub("[^0-9]", "", raw)
    written_plus = raw.lstrip().startswith("+")
    if digits.startswith("7") and (written_plus or international or len(digits) == 11):
        # +7 is Russia's (and Kazakhstan's) code: always ten national digits after it
        return "+" + digits if len(digits) == RUSSIAN_NATIONAL_DIGITS + 1 else None
    if not written_plus:
        if len(digits) == RUSSIAN_NATIONAL_DIGITS + 1 and digits[0] == "8":
            return "+7" + digits[1:]
        if len(digits) == RUSSIAN_NATIONAL_DIGITS and digits[0] == "9":
            return "+7" + digits
    if (written_plus or international) and _is_e164(digits):
        return "+" + digits
    return None


def is_mobile_shaped(digits: str) -> bool:
    """Eleven digits `79…` or `89…`: a Russian mobile as people write it, without separators.

    Such a run is read as a phone even where it would pass the СНИЛС check; a СНИЛС is told
    apart by its own grouping (`XXX-XXX-XXX YY`).
    """
    return len(digits) == RUSSIAN_NATIONAL_DIGITS + 1 and digits[0] in "78" and digits[1] == "9"


def _is_e164(digits: str) -> bool:
    return E164_MIN_DIGITS <= len(digits) <= E164_MAX_DIGITS and digits[0] != "0"

"""Phone numbers as channels report them → the one spelling the ticket store matches on."""

from __future__ import annotations

import re


def normalize_phone(raw: str) -> str:
    """`+7XXXXXXXXXX` for Russian numbers in any usual spelling; otherwise `+digits`."""
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 11 and digits[0] == "8":
        digits = "7" + digits[1:]
    elif len(digits) == 10 and digits[0] == "9":
        digits = "7" + digits
    return "+" + digits

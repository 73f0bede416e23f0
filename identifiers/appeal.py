"""Appeal numbers: ten digits, eight digits, or two letters and nine digits (`AB-987654321`).

How citizens write them, and so what counts (the NLU extractor finds exactly these shapes in a
message, with the patterns below; the validator accepts exactly these as a whole string):
- digits, optionally after «№», `#`, `N`, `No`, «номер»; single spaces or dashes may split
  them into groups (`12 34 56 78`, `123-456-789-0`);
- two Latin letters in any case, or two Cyrillic capitals that look like Latin ones (`АВ`),
  then optionally a space or a dash, then nine digits (`ab 987654321`, `АВ-987654321`);
- two lower-case Cyrillic look-alikes only joined to the digits or by a dash (`ав-987654321`),
  so that a preposition before a number («на 987654321») is never read as a code.
The stored spelling is the bare digits, or the two Latin capitals, a hyphen and the nine
digits. Nothing else is an appeal number: `AB-123456` (six digits after the letters) is not
one, since the portal issues letter codes with nine digits only (DOMAIN.md); the bot asks for
the number again rather than look up something it cannot have issued.
"""

from __future__ import annotations

import re

# Cyrillic capitals that look like Latin ones: citizens mix them in codes.
LOOKALIKE_LETTERS = str.maketrans("АВЕКМНОРСТУХ", "ABEKMHOPCTYX")
# The dashes citizens' keyboards produce between groups of digits.
DASHES = "\\-‐‑–—"
DIGIT_NUMBER_LENGTHS = (8, 10)
LETTER_CODE_DIGITS = 9

# A letter code; group 1 (Latin or Cyrillic capitals) or group 2 (lower-case Cyrillic) holds
# the letters, group 3 the digits.
LETTER_CODE_PATTERN = (
    rf"(?:([A-Za-z]{{2}}|[АВЕКМНОРСТУХ]{{2}})\s?[{DASHES}]?\s?"
    rf"|([авекмнорстух]{{2}})[{DASHES}]?)([0-9]{{{LETTER_CODE_DIGITS}}})"
)
# Digits in groups split by single spaces or dashes.
DIGIT_GROUPS_PATTERN = rf"[0-9](?:[\s{DASHES}]?[0-9])*"

_NUMBER_MARK = re.compile(r"(?:№|#|No\.?|N|номер:?)\s*", re.IGNORECASE)
_LETTER_CODE = re.compile(LETTER_CODE_PATTERN)
_DIGIT_GROUPS = re.compile(DIGIT_GROUPS_PATTERN)


def normalize_appeal_number(raw: str) -> str | None:
    """`№ 123 456 7890` → `1234567890`, `ав 987654321` → `AB-987654321`; None when malformed."""
    text = raw.strip()
    code = _LETTER_CODE.fullmatch(text)
    if code:
        return letter_code(code)
    mark = _NUMBER_MARK.match(text)
    number = text[mark.end() :] if mark else text
    if _DIGIT_GROUPS.fullmatch(number):
        digits = re.sub("[^0-9]", "", number)
        if len(digits) in DIGIT_NUMBER_LENGTHS:
            return digits
    return None


def letter_code(match: re.Match[str]) -> str:
    """The stored spelling of a match of `LETTER_CODE_PATTERN`."""
    letters = (match.group(1) or match.group(2)).upper().translate(LOOKALIKE_LETTERS)
    return f"{letters}-{match.group(3)}"

"""Personal data out of review texts: what an editor reads and what training files receive.

Stricter than `bot.pii` (which guards logs): appeal numbers go too, since an example with a
real number would teach the model nothing and leak whose appeal it was. The shapes come from
`identifiers/` (appeal codes, digit groups) so that what the bot recognises as an identifier
is also what is masked here; the placeholders are Russian words so the masked line still reads
as a sentence («мой номер <телефон>»).
"""

from __future__ import annotations

import re

from identifiers import is_mobile_shaped, normalize_appeal_number, normalize_phone, normalize_snils
from identifiers.appeal import DASHES, DIGIT_GROUPS_PATTERN, LETTER_CODE_PATTERN

PHONE = "<телефон>"
SNILS = "<СНИЛС>"
EMAIL = "<e-mail>"
PASSPORT = "<паспорт>"
APPEAL = "<номер обращения>"
PLACEHOLDERS = (PHONE, SNILS, EMAIL, PASSPORT, APPEAL)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# a passport: series of four digits (often as 2+2), then six digits, a space or «№» between
_PASSPORT = re.compile(rf"(?<!\d)\d{{2}}\s?\d{{2}}\s*(?:№\s*|[{DASHES}]\s*)?\d{{6}}(?!\d)")
_PASSPORT_WORD = re.compile(r"паспорт", re.IGNORECASE)
_LETTER_CODE = re.compile(rf"(?<![\w]){LETTER_CODE_PATTERN}(?!\d)")
_PLUS_DIGITS = re.compile(rf"(?<![\w+])\+?\(?{DIGIT_GROUPS_PATTERN}(?:[\s{DASHES}()]*[0-9]+)*")


def mask_text(text: str) -> str:
    """The text with phones, СНИЛС, e-mails, passport and appeal numbers as placeholders."""
    text = _EMAIL.sub(EMAIL, text)
    text = _LETTER_CODE.sub(APPEAL, text)
    if _PASSPORT_WORD.search(text):
        text = _PASSPORT.sub(PASSPORT, text)
    return _PLUS_DIGITS.sub(_digits_placeholder, text)


def _digits_placeholder(match: re.Match[str]) -> str:
    """A run of digits by what the shared rules make of it; a lone short number stays."""
    raw = match.group(0)
    stripped = raw.rstrip(f" {DASHES}(")
    tail = raw[len(stripped) :]
    digits = re.sub("[^0-9]", "", stripped)
    if is_mobile_shaped(digits) or (
        normalize_phone(stripped) is not None and len(digits) >= 10 and not _snils_grouped(stripped)
    ):
        return PHONE + tail
    if normalize_snils(stripped) is not None or (len(digits) == 11 and _snils_grouped(stripped)):
        return SNILS + tail
    if normalize_appeal_number(stripped) is not None:
        return APPEAL + tail
    if len(digits) == 10 and " " in stripped.strip():  # 2+2+6 without the word «паспорт»
        return PASSPORT + tail
    if len(digits) >= 6:  # any other long number is an identifier of some kind
        return APPEAL + tail
    return raw


def _snils_grouped(raw: str) -> bool:
    return (
        re.fullmatch(
            rf"\d{{3}}[{DASHES}\s]?\d{{3}}[{DASHES}\s]?\d{{3}}[{DASHES}\s]+\d{{2}}", raw.strip()
        )
        is not None
    )

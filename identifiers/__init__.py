"""The rules of the identifiers citizens type or channels report: phones, appeal numbers, СНИЛС.

One home for them, imported alike by the Rasa components (`nlu/`, Python 3.10), the action
server (`actions/`) and the channel adapters (`adapters/`), so that a number the bot recognised
is never called malformed a turn later. Standard library only, and nothing newer than 3.10.
Each `normalize_*` returns the one spelling the ticket store keeps, or None when the input is
not such an identifier.
"""

from identifiers.appeal import normalize_appeal_number
from identifiers.phone import is_mobile_shaped, normalize_phone
from identifiers.snils import format_snils, normalize_snils, snils_check_number

__all__ = [
    "format_snils",
    "is_mobile_shaped",
    "normalize_appeal_number",
    "normalize_phone",
    "normalize_snils",
    "snils_check_number",
]

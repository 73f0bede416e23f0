"""Masks personal data (phones, СНИЛС, e-mails, passport numbers) in anything about to be logged."""

from __future__ import annotations

import re
from typing import Any

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    (
        re.compile(r"(?<![\w+])(?:\+7|8|7)[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}(?!\d)"),
        "[phone]",
    ),
    (re.compile(r"(?<!\d)\d{3}[- ]?\d{3}[- ]?\d{3}[- ]?\d{2}(?!\d)"), "[snils]"),
    # a passport is written with a space before the number; bare ten digits are appeal numbers
    (re.compile(r"(?<!\d)\d{2}\s?\d{2}\s(?:№\s?)?\d{6}(?!\d)"), "[passport]"),
)


def mask(text: str) -> str:
    """The text with every personal-data pattern replaced by a placeholder."""
    for pattern, placeholder in _PATTERNS:
        text = pattern.sub(placeholder, text)
    return text


def mask_value(value: Any) -> Any:
    """Mask strings inside nested dicts, lists and tuples."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {key: mask_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(mask_value(item) for item in value)
    return value

"""Personal data never reaches the logs."""

from __future__ import annotations

import io
import logging
import re

import pytest

from bot.logging import configure_logging
from bot.pii import mask


@pytest.mark.parametrize(
    ("raw", "placeholder"),
    [
        ("мой телефон +7 (916) 123-45-67", "[phone]"),
        ("звоните 89161234567", "[phone]"),
        ("снилс 112-233-445 95", "[snils]"),
        ("СНИЛС 11223344595", "[snils]"),
        ("почта ivan.petrov@mail.ru", "[email]"),
        ("паспорт 45 06 123456", "[passport]"),
    ],
)
def test_personal_data_is_masked(raw: str, placeholder: str) -> None:
    masked = mask(raw)
    assert placeholder in masked
    assert not re.search(r"\d{4,}", masked)


def test_appeal_numbers_and_plain_text_survive() -> None:
    assert mask("где заявление 1234567890") == "где заявление 1234567890"
    assert mask("привет, не могу войти") == "привет, не могу войти"


def test_log_records_are_masked_stdlib_and_extra() -> None:
    stream = io.StringIO()
    configure_logging("INFO", "json")
    handler = logging.getLogger().handlers[0]
    handler.setStream(stream)  # type: ignore[attr-defined]
    logging.getLogger("test").warning(
        "citizen wrote %s", "+79161234567", extra={"email": "a.b@example.org"}
    )
    written = stream.getvalue()
    assert "[phone]" in written
    assert "[email]" in written
    assert "79161234567" not in written
    assert "a.b@example.org" not in written

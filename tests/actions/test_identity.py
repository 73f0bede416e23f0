"""Normalising phones, СНИЛС and appeal numbers the way citizens type them."""

from __future__ import annotations

import pytest

from actions.identity import normalize_appeal_number, normalize_phone, normalize_snils, snils_hash


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234567890", "1234567890"),
        ("№ 123 456 7890", "1234567890"),
        ("№1234-5678", "12345678"),
        ("ab-987654321", "AB-987654321"),
        ("АВ 987654321", "AB-987654321"),  # Cyrillic look-alike letters
        ("AB987654321", "AB-987654321"),
        ("12345", None),
        ("123456789", None),
        ("привет", None),
        ("ABC-987654321", None),
    ],
)
def test_appeal_numbers(raw: str, expected: str | None) -> None:
    assert normalize_appeal_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+7 (999) 000-00-01", "+79990000001"),
        ("89990000001", "+79990000001"),
        ("9990000001", "+79990000001"),
        ("12345", None),
    ],
)
def test_phones(raw: str, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


def test_snils_check_number_and_hash() -> None:
    assert normalize_snils("112-233-445 95") == "11223344595"
    assert normalize_snils("112-233-445 96") is None
    digest = snils_hash("11223344595", "key")
    assert digest == snils_hash("11223344595", "key")
    assert digest != snils_hash("11223344595", "other key")
    assert "11223344595" not in digest

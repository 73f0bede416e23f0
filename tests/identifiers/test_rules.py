"""The identifier rules as a citizen types and a channel reports them (`identifiers`)."""

from __future__ import annotations

import pytest

from identifiers import (
    format_snils,
    is_mobile_shaped,
    normalize_appeal_number,
    normalize_phone,
    normalize_snils,
    snils_check_number,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234567890", "1234567890"),
        ("№ 123 456 7890", "1234567890"),
        ("№1234-5678", "12345678"),
        ("номер 12345678", "12345678"),
        ("N 12345678", "12345678"),
        ("ab-987654321", "AB-987654321"),
        ("АВ 987654321", "AB-987654321"),  # Cyrillic look-alike capitals
        ("ав987654321", "AB-987654321"),  # lower-case look-alikes joined to the digits
        ("AB987654321", "AB-987654321"),
        ("NO-123456789", "NO-123456789"),  # letters that also spell «No» stay a code
        ("12345", None),
        ("123456789", None),
        ("привет", None),
        ("ABC-987654321", None),
        ("1234  5678", None),  # the NLU never joins groups across two spaces
    ],
)
def test_appeal_numbers(raw: str, expected: str | None) -> None:
    assert normalize_appeal_number(raw) == expected


def test_a_letter_code_with_six_digits_is_not_an_appeal_number() -> None:
    assert normalize_appeal_number("AB-123456") is None


def test_a_preposition_before_nine_digits_is_not_a_letter_code() -> None:
    assert normalize_appeal_number("на 987654321") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+7 (999) 000-00-01", "+79990000001"),
        ("89990000001", "+79990000001"),
        ("8 (495) 123-45-67", "+74951234567"),
        ("9990000001", "+79990000001"),
        ("+375 29 123-45-67", "+375291234567"),
        ("375291234567", None),  # another country's number only with its plus
        ("+7 916 123 45 67 1", None),  # +7 takes exactly ten digits
        ("+0123456789", None),
        ("12345", None),
        ("тел 89990000001", None),
    ],
)
def test_phones_in_text(raw: str, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("79990000001", "+79990000001"),
        ("375291234567", "+375291234567"),
        ("9990000001", "+79990000001"),
        ("12", None),
    ],
)
def test_phones_a_channel_reports(raw: str, expected: str | None) -> None:
    assert normalize_phone(raw, international=True) == expected


def test_a_bare_mobile_is_told_from_other_eleven_digits() -> None:
    assert is_mobile_shaped("89161234567")
    assert is_mobile_shaped("79161234567")
    assert not is_mobile_shaped("84951234567")
    assert not is_mobile_shaped("11223344595")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("112-233-445 95", "11223344595"),
        ("11223344595", "11223344595"),
        ("112-233-445 96", None),
        ("111-111-111 11", None),
        ("12345", None),
        ("112-233-445 95 руб", None),
        # issued before check numbers existed: any two last digits (the official rule)
        ("001-001-998 00", "00100199800"),
        ("001-001-999 00", None),
        ("000-000-000 00", None),
    ],
)
def test_snils(raw: str, expected: str | None) -> None:
    assert normalize_snils(raw) == expected


@pytest.mark.parametrize(
    ("first_nine", "check"),
    [
        ("112233445", 95),  # the sum itself below 100
        ("920000003", 0),  # sum 100
        ("920000004", 0),  # sum 101
        ("911111111", 16),  # sum 117: mod 101
        ("996000006", 0),  # sum 201: mod 101 is 100, written 00
    ],
)
def test_snils_check_number(first_nine: str, check: int) -> None:
    assert snils_check_number(first_nine) == check


def test_snils_shown_grouped() -> None:
    assert format_snils("11223344595") == "112-233-445 95"

"""Personal data never reaches the review queue or the training files in clear."""

from __future__ import annotations

import pytest

from review.masking import APPEAL, EMAIL, PASSPORT, PHONE, SNILS, mask_text


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("мой телефон +7 916 123-45-67 позвоните", f"мой телефон {PHONE} позвоните"),
        ("звоните 89161234567", f"звоните {PHONE}"),
        ("номер 8 (916) 123-45-67", f"номер {PHONE}"),
        ("телефон 9161234567", f"телефон {PHONE}"),
        ("снилс 112-233-445 95 не принимают", f"снилс {SNILS} не принимают"),
        ("снилс 11223344595", f"снилс {SNILS}"),
        ("почта ivan.petrov@mail.ru не приходит код", f"почта {EMAIL} не приходит код"),
        ("паспорт 45 10 123456 выдан", f"паспорт {PASSPORT} выдан"),
        ("серия и номер паспорта 4510 № 123456", f"серия и номер паспорта {PASSPORT}"),
        ("заявление № 1234567890 где", f"заявление № {APPEAL} где"),
        ("обращение 12345678 не движется", f"обращение {APPEAL} не движется"),
        ("код AB-987654321 отклонили", f"код {APPEAL} отклонили"),
        ("ав-987654321 что с ним", f"{APPEAL} что с ним"),
    ],
)
def test_each_kind_of_personal_data_becomes_a_placeholder(raw: str, masked: str) -> None:
    assert mask_text(raw) == masked


def test_short_numbers_that_identify_nobody_stay() -> None:
    text = "мне 25 лет, жду заявление 3 дня, ошибка 502"
    assert mask_text(text) == text


def test_no_digit_of_a_masked_identifier_survives() -> None:
    raw = "я Иванов, +7 999 000-00-01, снилс 112-233-445 95, заявление 1234567890, ivan@mail.ru"
    masked = mask_text(raw)
    for secret in ("999", "000-00-01", "112-233", "1234567890", "ivan@"):
        assert secret not in masked

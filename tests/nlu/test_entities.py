import pytest
from rasa.shared.nlu.training_data.message import Message

from nlu.entities import GovEntityExtractor, extract, find_services


def values(text, name):
    return [e["value"] for e in extract(text) if e["entity"] == name]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("статус заявления 1234567890", "1234567890"),
        ("заявление № 1234567890", "1234567890"),
        ("№1234567890", "1234567890"),
        ("заявка 12345678", "12345678"),
        ("заявка 12 34 56 78", "12345678"),
        ("номер 123-456-789-0", "1234567890"),
        ("номер AB-987654321", "AB-987654321"),
        ("номер ab 987654321", "AB-987654321"),
        ("номер AB987654321", "AB-987654321"),
        ("№ АВ-987654321", "AB-987654321"),
        ("заявка ав-987654321", "AB-987654321"),
        ("номер кс987654321", "KC-987654321"),
    ],
)
def test_appeal_number_formats(text, expected):
    assert values(text, "appeal_number") == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "код 123",
        "номер 123456789",
        "в 2024 году",
        "на 12345",
        "ответ на 123456789",
        "от 1234567",
        "на 987654321",
        "номер AB-123456",
    ],
)
def test_not_an_appeal_number(text):
    assert values(text, "appeal_number") == []


def test_snils_entity_normalised_and_invalid_ignored():
    assert values("мой снилс 11223344595", "snils") == ["112-233-445 95"]
    assert values("снилс 112 233 445 95", "snils") == ["112-233-445 95"]
    assert values("снилс 112-233-445 96", "snils") == []


@pytest.mark.parametrize(
    "text",
    ["+7 916 123-45-67", "8 (916) 123-45-67", "89161234567", "+79161234567", "телефон 9161234567"],
)
def test_phone_normalised(text):
    assert values(text, "phone") == ["+79161234567"]


def test_foreign_phone_with_plus_kept_in_e164():
    assert values("мой номер +375 29 123-45-67", "phone") == ["+375291234567"]


def test_bare_landline_digits_are_not_a_phone():
    assert values("84951234567", "phone") == []


def test_low_snils_without_check_number_is_a_snils():
    assert values("снилс 001-001-998 00", "snils") == ["001-001-998 00"]


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("не работает личный кабинет", ["lk"]),
        ("налоговая не открывается", ["tax"]),
        ("не могу оплатить штрафы", ["fines"]),
        ("мобильное приложение вылетает", ["mobile_app"]),
        ("с паспортом проблема", ["passport"]),
        ("пенсионный фонд и налоги", ["pension", "tax"]),
        ("вход не работает", ["login"]),
        ("всё хорошо", []),
    ],
)
def test_service_lookup_on_lemmas(text, codes):
    assert [e["value"] for e in find_services(text)] == codes


def test_component_adds_entities_with_extractor_name():
    msg = Message(data={"text": "заявление № 12345678, снилс 112-233-445 95"})
    GovEntityExtractor(GovEntityExtractor.get_default_config()).process([msg])
    ents = {e["entity"]: e for e in msg.get("entities")}
    assert ents["appeal_number"]["value"] == "12345678"
    assert ents["snils"]["value"] == "112-233-445 95"
    assert ents["appeal_number"]["extractor"] == "GovEntityExtractor"


def test_login_problem_only_for_menu_answers():
    msg = Message(data={"text": "не приходит смс", "intent": {"name": "choose_login_problem"}})
    GovEntityExtractor(GovEntityExtractor.get_default_config()).process([msg])
    assert [e["value"] for e in msg.get("entities")] == ["no_code"]
    other = Message(data={"text": "не приходит смс", "intent": {"name": "password_reset"}})
    GovEntityExtractor(GovEntityExtractor.get_default_config()).process([other])
    assert not other.get("entities")

import pytest
from rasa.shared.nlu.training_data.message import Message

from nlu.normalizer import TextNormalizer, normalize_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ghbdtn", "привет"),
        ("ghbdtn!", "привет!"),
        ("ult vjt pfzdktybt", "где мое заявление"),
        ("gjxtve yt hf,jnftn cfqn", "почему не работает сайт"),
        ("cgfcb,j ,jkmijt", "спасибо большое"),
        (".hbcn", "юрист"),
    ],
)
def test_wrong_layout(text, expected):
    assert normalize_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("privet", "привет"),
        ("zayavlenie ne prihodit", "заявление не приходит"),
        ("ya ne mogu voiti", "я не могу войти"),
        ("kod ne prishel", "код не пришел"),
        ("kak vosstanovit parol", "как восстановит пароль"),
        ("sait ne rabotaet", "сайт не работает"),
        ("gosuslugi ne otkryvayutsya", "госуслуги не открываются"),
        ("kak svyazatsya s operatorom", "как связаться с оператором"),
        ("moy status zayavleniya", "мой статус заявления"),
    ],
)
def test_transliteration(text, expected):
    assert normalize_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("net", "нет"), ("da", "да"), ("da pomoglo", "да помогло"), ("nu da", "ну да")],
)
def test_short_answers_prefer_transliteration_over_layout(text, expected):
    """«net» is also «туе» in the wrong layout; a citizen answering means «нет»."""
    assert normalize_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "vpn",
        "hello",
        "error 502 bad gateway",
        "привет",
        "/greet",
        "AB-987654321",
        "статус 1234567890",
    ],
)
def test_left_alone(text):
    assert normalize_text(text) == text


def test_component_rewrites_message_text():
    msg = Message(data={"text": "ghbdtn"})
    TextNormalizer({}).process([msg])
    assert msg.get("text") == "привет"

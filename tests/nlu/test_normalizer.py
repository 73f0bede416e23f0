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
    ],
)
def test_transliteration(text, expected):
    assert normalize_text(text) == expected


@pytest.mark.parametrize(
    "text",
    ["vpn", "hello", "error 502 bad gateway", "привет", "/greet", "AB-987654321", "статус 1234567890"],
)
def test_left_alone(text):
    assert normalize_text(text) == text


def test_component_rewrites_message_text():
    msg = Message(data={"text": "ghbdtn"})
    TextNormalizer({}).process([msg])
    assert msg.get("text") == "привет"
